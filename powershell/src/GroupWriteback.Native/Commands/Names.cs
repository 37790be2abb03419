using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>
    /// An argument must be one of the names the library gives (any case); the
    /// message lists them. The names are never written here.
    /// </summary>
    public abstract class ValidateLibraryNameAttribute : ValidateArgumentsAttribute
    {
        /// <summary>The accepted names, from the library.</summary>
        protected abstract string[] Names();

        /// <summary>What a value is, in the message ("a writeback state").</summary>
        protected abstract string What { get; }

        /// <summary>Whether the library reads <paramref name="value"/>; by default, one of <see cref="Names"/>.</summary>
        protected virtual bool Accepts(string value, string[] names) =>
            value != null && Array.FindIndex(names, n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) >= 0;

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            string value = arguments is PSObject p ? p.BaseObject as string : arguments as string;
            string[] names = Names();
            if (!Accepts(value, names))
            {
                throw new ValidationMetadataException(string.Format("'{0}' is not {1}: use {2}.", value, What, string.Join(", ", names)));
            }
        }
    }

    /// <summary>-State: what the library reads as a portal state (its names, or the portal's words in any case).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateWritebackStateAttribute : ValidateLibraryNameAttribute
    {
        protected override string[] Names() => Rules.StateNames();
        protected override string What => "a writeback state";
        protected override bool Accepts(string value, string[] names) => Rules.IsState(value);
    }

    /// <summary>-OnPremisesGroupType of Set-GroupWriteback: a documented type only; nothing else is sent.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateOnPremisesTypeAttribute : ValidateLibraryNameAttribute
    {
        protected override string[] Names() => Rules.OnPremisesTypeNames();
        protected override string What => "an on-premises group type";
    }

    /// <summary>-Environment: a cloud the library signs in to.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateCloudAttribute : ValidateLibraryNameAttribute
    {
        protected override string[] Names() => Rules.CloudNames();
        protected override string What => "a cloud";
    }

    /// <summary>Completes an argument with names the library gives.</summary>
    public abstract class LibraryNameCompleter : IArgumentCompleter
    {
        protected abstract string[] Names();

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Names().Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }

    /// <summary>Completes -State with the library's state names.</summary>
    public sealed class WritebackStateCompleter : LibraryNameCompleter
    {
        protected override string[] Names() => Rules.StateNames();
    }

    /// <summary>Completes -OnPremisesGroupType with the documented types.</summary>
    public sealed class OnPremisesTypeCompleter : LibraryNameCompleter
    {
        protected override string[] Names() => Rules.OnPremisesTypeNames();
    }

    /// <summary>Completes -Environment with the library's cloud names.</summary>
    public sealed class CloudCompleter : LibraryNameCompleter
    {
        protected override string[] Names() => Rules.CloudNames();
    }
}
