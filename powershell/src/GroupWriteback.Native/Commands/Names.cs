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
    /// -State accepts what the library reads as a portal state (its names, or
    /// the portal's words in any case); the names in the message and in tab
    /// completion come from the library.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateWritebackStateAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            string value = arguments is PSObject p ? p.BaseObject as string : arguments as string;
            if (!Rules.IsState(value))
            {
                throw new ValidationMetadataException(string.Format(
                    "'{0}' is not a writeback state: use {1}.", value, string.Join(", ", Rules.StateNames())));
            }
        }
    }

    /// <summary>Completes -State with the library's state names.</summary>
    public sealed class WritebackStateCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Complete(Rules.StateNames(), wordToComplete);
        }

        internal static IEnumerable<CompletionResult> Complete(IEnumerable<string> names, string word)
        {
            return names.Where(n => n.StartsWith(word ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }

    /// <summary>Completes -OnPremisesGroupType with the documented types, as the library names them.</summary>
    public sealed class OnPremisesTypeCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return WritebackStateCompleter.Complete(Rules.OnPremisesTypeNames(), wordToComplete);
        }
    }
}

namespace GroupWriteback.Commands
{
    /// <summary>
    /// -OnPremisesGroupType of Set-GroupWriteback accepts the documented types
    /// only (in any case), as the library names them; nothing else is sent.
    /// </summary>
    [System.AttributeUsage(System.AttributeTargets.Property | System.AttributeTargets.Field)]
    public sealed class ValidateOnPremisesTypeAttribute : System.Management.Automation.ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, System.Management.Automation.EngineIntrinsics engineIntrinsics)
        {
            string value = arguments is System.Management.Automation.PSObject p ? p.BaseObject as string : arguments as string;
            string[] known = GroupWriteback.Native.Rules.OnPremisesTypeNames();
            if (value == null || System.Array.FindIndex(known, k => string.Equals(k, value, System.StringComparison.OrdinalIgnoreCase)) < 0)
            {
                throw new System.Management.Automation.ValidationMetadataException(string.Format(
                    "'{0}' is not an on-premises group type: use {1}.", value, string.Join(", ", known)));
            }
        }
    }
}

namespace GroupWriteback.Commands
{
    /// <summary>-Environment accepts the clouds the library signs in to (any case); the names come from the library.</summary>
    [System.AttributeUsage(System.AttributeTargets.Property | System.AttributeTargets.Field)]
    public sealed class ValidateCloudAttribute : System.Management.Automation.ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, System.Management.Automation.EngineIntrinsics engineIntrinsics)
        {
            string value = arguments is System.Management.Automation.PSObject p ? p.BaseObject as string : arguments as string;
            string[] known = GroupWriteback.Native.Rules.CloudNames();
            if (value == null || System.Array.FindIndex(known, k => string.Equals(k, value, System.StringComparison.OrdinalIgnoreCase)) < 0)
            {
                throw new System.Management.Automation.ValidationMetadataException(string.Format(
                    "'{0}' is not a cloud: use {1}.", value, string.Join(", ", known)));
            }
        }
    }

    /// <summary>Completes -Environment with the library's cloud names.</summary>
    public sealed class CloudCompleter : System.Management.Automation.IArgumentCompleter
    {
        public System.Collections.Generic.IEnumerable<System.Management.Automation.CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            return WritebackStateCompleter.Complete(GroupWriteback.Native.Rules.CloudNames(), wordToComplete);
        }
    }
}
