using System;
using System.Collections.Generic;
using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>
    /// The module's one table from a failure to an ErrorRecord: the status the
    /// library gave (and Graph's HTTP status, which the library passes on)
    /// decides the category; the ErrorId is GroupWriteback.&lt;Graph code&gt;
    /// or GroupWriteback.&lt;status name&gt;; the message says what failed,
    /// Graph's code and request id.
    /// </summary>
    internal static class ErrorRecords
    {
        /// <summary>The category of a library status, with Graph's HTTP status when known.</summary>
        internal static ErrorCategory CategoryOf(GwbStatus status, int? http)
        {
            switch (status)
            {
                case GwbStatus.NotFound: return ErrorCategory.ObjectNotFound;
                case GwbStatus.Forbidden: return ErrorCategory.PermissionDenied;
                case GwbStatus.Auth: return ErrorCategory.AuthenticationError;
                case GwbStatus.Throttled: return ErrorCategory.LimitsExceeded;
                case GwbStatus.Network: return ErrorCategory.ConnectionError;
                case GwbStatus.Cancelled: return ErrorCategory.OperationStopped;
                case GwbStatus.UntrustedUrl: return ErrorCategory.SecurityError;
                case GwbStatus.Refused: return ErrorCategory.InvalidOperation;
                case GwbStatus.InvalidArgument:
                case GwbStatus.InvalidJson:
                case GwbStatus.InvalidUtf8:
                case GwbStatus.NullParameter:
                    return ErrorCategory.InvalidArgument;
                case GwbStatus.Graph:
                    if (http == 400) return ErrorCategory.InvalidArgument;
                    if (http == 401) return ErrorCategory.AuthenticationError;
                    if (http >= 500) return ErrorCategory.ConnectionError;
                    return ErrorCategory.InvalidResult;
                default:
                    return ErrorCategory.InvalidResult;
            }
        }

        private static string RecommendedAction(ErrorCategory category)
        {
            switch (category)
            {
                case ErrorCategory.AuthenticationError: return "Sign in again with Connect-GroupWriteback, with a valid credential.";
                case ErrorCategory.PermissionDenied: return "Grant the app Group.ReadWrite.All (to change) or Group.Read.All (to read) with admin consent, then connect again.";
                case ErrorCategory.LimitsExceeded: return "Graph is throttling the app: wait, then run the command again for the groups that failed.";
                case ErrorCategory.ObjectNotFound: return "Check the group id (Get-GroupWriteback -Filter ...).";
                default: return null;
            }
        }

        /// <summary>The exception a .NET call threw, without PowerShell's invocation wrapper.</summary>
        internal static Exception Inner(Exception e)
        {
            while (e is MethodInvocationException && e.InnerException != null) e = e.InnerException;
            return e;
        }

        /// <summary>A failed call to Graph or the library, as an ErrorRecord ("&lt;activity&gt; failed: ...").</summary>
        internal static ErrorRecord Graph(Exception exception, string activity, object target, ErrorCategory? category = null)
        {
            Exception inner = Inner(exception);
            if (!(inner is GwbException gwb))
            {
                ErrorCategory other = category ?? (inner is ArgumentException ? ErrorCategory.InvalidArgument : ErrorCategory.InvalidOperation);
                var plain = new ErrorRecord(inner, "GroupWriteback.Failed", other, target);
                plain.ErrorDetails = new ErrorDetails(activity + " failed: " + inner.Message);
                return plain;
            }
            ErrorCategory chosen = category ?? CategoryOf(gwb.Status, gwb.HttpStatus);
            var detail = new List<string>();
            if (gwb.HttpStatus.HasValue && gwb.HttpStatus.Value != 0) detail.Add("HTTP " + gwb.HttpStatus.Value);
            if (!string.IsNullOrEmpty(gwb.GraphCode)) detail.Add("Graph error " + gwb.GraphCode);
            if (!string.IsNullOrEmpty(gwb.RequestId)) detail.Add("request id " + gwb.RequestId);
            string suffix = detail.Count > 0 ? " (" + string.Join(", ", detail) + ")" : string.Empty;
            string text = string.IsNullOrWhiteSpace(gwb.Message) ? gwb.StatusName : gwb.Message;
            string errorId = !string.IsNullOrEmpty(gwb.GraphCode) ? "GroupWriteback." + gwb.GraphCode : "GroupWriteback." + gwb.StatusName;
            var record = new ErrorRecord(gwb, errorId, chosen, target);
            record.ErrorDetails = new ErrorDetails(activity + " failed: " + text + suffix);
            string action = RecommendedAction(chosen);
            if (action != null) record.ErrorDetails.RecommendedAction = action;
            return record;
        }

        /// <summary>A change the rules refuse: InvalidOperation, the rule's code in the ErrorId and the exception's data.</summary>
        internal static ErrorRecord Refusal(string code, string message, object target)
        {
            var exception = new GwbException(GwbStatus.Refused, "refused", message, code, null);
            exception.Data["RefusalCode"] = code;
            return new ErrorRecord(exception, "GroupWriteback.Refused." + code, ErrorCategory.InvalidOperation, target);
        }

        /// <summary>An input the command cannot use (not a group, not JSON, a bad argument).</summary>
        internal static ErrorRecord Input(string message, string errorId, ErrorCategory category, object target, Exception inner = null)
        {
            Exception exception;
            switch (category)
            {
                case ErrorCategory.InvalidData: exception = new System.IO.InvalidDataException(message, inner); break;
                case ErrorCategory.InvalidArgument: exception = new ArgumentException(message, inner); break;
                default: exception = new InvalidOperationException(message, inner); break;
            }
            return new ErrorRecord(exception, errorId, category, target);
        }

        /// <summary>
        /// A group the library could not read or check: InvalidData for its
        /// JSON, InvalidArgument for an argument it refuses, else
        /// InvalidOperation asking for a report. The message names the group
        /// and the properties the rules read, as the library says them.
        /// </summary>
        internal static ErrorRecord Native(Exception exception, object target)
        {
            Exception inner = Inner(exception);
            GwbStatus? status = inner is GwbException g ? g.Status : (GwbStatus?)null;
            GroupInput read = null;
            try
            {
                read = GroupInput.Read(target is string ? null : target);
            }
            catch (Exception)
            {
            }
            string subject = read?.Name != null ? "Group '" + read.Name + "'" : "The group";
            string select = read?.Properties != null && read.Properties.Length > 0 ? string.Join(",", read.Properties) : "the properties the rules read";
            if (status == GwbStatus.InvalidJson || status == GwbStatus.InvalidUtf8)
            {
                return Input(subject + " cannot be read: " + inner.Message + ". Pass groups as Get-MgBetaGroup -Property " + select +
                    " returns them, as ConvertFrom-Json reads Graph's JSON, or as Graph JSON text with -Json.",
                    "GroupWriteback.InvalidGroup", ErrorCategory.InvalidData, target, inner);
            }
            if (status == GwbStatus.InvalidArgument)
            {
                return Input(subject + " was not checked: " + inner.Message, "GroupWriteback.InvalidArgument", ErrorCategory.InvalidArgument, target, inner);
            }
            return Input(subject + " was not checked: the native library failed (" + inner.Message + "). Please report this with the input that caused it.",
                "GroupWriteback.NativeFailure", ErrorCategory.InvalidOperation, target, inner);
        }

        /// <summary>The terminating error of a command that needs a connection and has none.</summary>
        internal static ErrorRecord NotConnected()
        {
            var exception = new InvalidOperationException(
                "Not connected to Microsoft Graph: run Connect-GroupWriteback first (for example Connect-GroupWriteback -TenantId <tenant> -ClientSecretCredential (Get-Credential)).");
            return new ErrorRecord(exception, "GroupWriteback.NotConnected", ErrorCategory.AuthenticationError, null);
        }
    }

    /// <summary>
    /// The session's connection to Graph (Connect-GroupWriteback), shared by
    /// the commands of one runspace: each runspace (a PowerShell session, a
    /// [powershell] instance's own runspace, ForEach-Object -Parallel) has its
    /// own, as each had its own copy of a script module, so connecting in one
    /// never ends another's work.
    /// </summary>
    internal sealed class Connection
    {
        private static readonly object Gate = new object();
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Holder> ByRunspace =
            new System.Runtime.CompilerServices.ConditionalWeakTable<object, Holder>();

        private sealed class Holder
        {
            internal Connection Value;
        }

        /// <summary>The runspace the calling thread runs in (one key for threads without one).</summary>
        private static object Key => (object)System.Management.Automation.Runspaces.Runspace.DefaultRunspace ?? Gate;

        internal Connection(GraphClient client, string source)
        {
            Client = client;
            Source = source;
            ConnectedAt = DateTime.Now;
        }

        internal GraphClient Client { get; }
        internal string Source { get; }
        internal DateTime ConnectedAt { get; }

        /// <summary>The connection, or null.</summary>
        internal static Connection Current
        {
            get
            {
                lock (Gate)
                {
                    Connection c = ByRunspace.TryGetValue(Key, out Holder h) ? h.Value : null;
                    return c != null && !c.Client.IsDisposed ? c : null;
                }
            }
        }

        /// <summary>Makes <paramref name="next"/> this runspace's connection (null ends it); frees the one before.</summary>
        internal static void Replace(Connection next)
        {
            Connection previous;
            lock (Gate)
            {
                Holder h = ByRunspace.GetValue(Key, _ => new Holder());
                previous = h.Value;
                h.Value = next;
            }
            if (previous != null && !ReferenceEquals(previous, next)) previous.Client.Dispose();
        }

        /// <summary>The connection, or a terminating error for <paramref name="cmdlet"/>.</summary>
        internal static Connection Require(PSCmdlet cmdlet)
        {
            Connection c = Current;
            if (c == null) cmdlet.ThrowTerminatingError(ErrorRecords.NotConnected());
            return c;
        }

        /// <summary>What the connection is, as GroupWriteback.Context (never a secret).</summary>
        internal PSObject ToContext()
        {
            var o = new PSObject();
            o.TypeNames.Insert(0, "GroupWriteback.Context");
            using (var doc = System.Text.Json.JsonDocument.Parse(Client.ContextJson()))
            {
                var root = doc.RootElement;
                // The library's keys, shown under PowerShell names: the view of one object, not a list of the library's names.
                o.Properties.Add(new PSNoteProperty("Cloud", GroupReport.Str(root, "cloud")));
                o.Properties.Add(new PSNoteProperty("GraphEndpoint", GroupReport.Str(root, "graphBaseUrl")));
                o.Properties.Add(new PSNoteProperty("Authority", GroupReport.Str(root, "authority")));
                o.Properties.Add(new PSNoteProperty("AuthType", GroupReport.Str(root, "auth")));
                o.Properties.Add(new PSNoteProperty("CredentialSource", Source));
                o.Properties.Add(new PSNoteProperty("TenantId", GroupReport.Str(root, "tenantId")));
                o.Properties.Add(new PSNoteProperty("ClientId", GroupReport.Str(root, "clientId")));
                o.Properties.Add(new PSNoteProperty("ManagedIdentity", GroupReport.Str(root, "identity")));
                o.Properties.Add(new PSNoteProperty("TokenSource", GroupReport.Str(root, "tokenSource")));
                bool delegated = JsonRead.Prop(root, "scopes", out System.Text.Json.JsonElement scopes) && scopes.ValueKind == System.Text.Json.JsonValueKind.Array;
                o.Properties.Add(new PSNoteProperty("Scopes", delegated ? GroupReport.StrArray(root, "scopes") : null));
                string cache = GroupReport.Str(root, "tokenCache");
                o.Properties.Add(new PSNoteProperty("ContextScope", cache != null ? "CurrentUser" : "Process"));
                o.Properties.Add(new PSNoteProperty("TokenCache", cache));
                o.Properties.Add(new PSNoteProperty("ResourceUnitsPerSecond", JsonRead.Number(root, "resourceUnitsPerSecond")));
                o.Properties.Add(new PSNoteProperty("WritesPerSecond", JsonRead.Number(root, "writesPerSecond")));
                o.Properties.Add(new PSNoteProperty("ConnectedAt", ConnectedAt));
            }
            return o;
        }

    }

    /// <summary>The module's output objects.</summary>
    internal static class Output
    {
        /// <summary>An explained group as GroupWriteback.Group, with properties beyond the rules' own (-Property) as note properties.</summary>
        internal static object Group(GroupReport report)
        {
            GroupWriteback.Group group = report.ToGroup();
            if (report.AdditionalProperties == null) return group;
            var wrapped = new PSObject(group);
            foreach (KeyValuePair<string, object> extra in report.AdditionalProperties)
            {
                if (wrapped.Properties[extra.Key] == null) wrapped.Properties.Add(new PSNoteProperty(extra.Key, extra.Value));
            }
            return wrapped;
        }

        /// <summary>A decision as GroupWriteback.ChangeDecision.</summary>
        internal static PSObject Decision(ChangeDecision decision, string requested)
        {
            object group = Group(decision.Group);
            // The output object, unwrapped when extra properties were added as note properties.
            var g = (GroupWriteback.Group)(group is PSObject wrapped ? wrapped.BaseObject : group);
            var o = new PSObject();
            o.TypeNames.Insert(0, "GroupWriteback.ChangeDecision");
            object after = null;
            if (decision.Outcome == "Send")
            {
                var a = new PSObject();
                a.TypeNames.Insert(0, "GroupWriteback.WritebackConfiguration");
                a.Properties.Add(new PSNoteProperty("IsEnabled", decision.AfterIsEnabled));
                a.Properties.Add(new PSNoteProperty("OnPremisesGroupType", decision.AfterOnPremisesGroupType));
                after = a;
            }
            o.Properties.Add(new PSNoteProperty("Id", g.Id));
            o.Properties.Add(new PSNoteProperty("DisplayName", g.DisplayName));
            o.Properties.Add(new PSNoteProperty("Kind", g.Kind));
            o.Properties.Add(new PSNoteProperty("KindDisplayName", g.KindDisplayName));
            o.Properties.Add(new PSNoteProperty("CurrentState", g.WritebackState));
            o.Properties.Add(new PSNoteProperty("EffectiveWriteback", g.EffectiveWriteback));
            o.Properties.Add(new PSNoteProperty("Requested", requested));
            o.Properties.Add(new PSNoteProperty("Outcome", decision.Outcome));
            o.Properties.Add(new PSNoteProperty("MakesExplicit", decision.MakesExplicit));
            o.Properties.Add(new PSNoteProperty("Summary", decision.Summary));
            o.Properties.Add(new PSNoteProperty("Body", decision.Body));
            o.Properties.Add(new PSNoteProperty("After", after));
            o.Properties.Add(new PSNoteProperty("RefusalCode", decision.RefusalCode));
            o.Properties.Add(new PSNoteProperty("RefusalMessage", decision.RefusalMessage));
            o.Properties.Add(new PSNoteProperty("Group", group));
            return o;
        }
    }

    /// <summary>One usable group of an input item, or why the item cannot be used.</summary>
    internal sealed class InputEntry
    {
        internal string Json;
        internal object Target;
        internal ErrorRecord Error;
    }

    /// <summary>Turns one input item (JSON text, or any object) into the Graph JSON of the groups it holds.</summary>
    internal static class InputItems
    {
        /// <summary>
        /// For every group the items hold: <paramref name="decide"/> on its
        /// Graph JSON, and <paramref name="output"/>'s object written; an item
        /// that is not a group, or that the library cannot read, is a
        /// non-terminating error for that item, and the others go on.
        /// </summary>
        internal static void ForEachGroup(PSCmdlet cmdlet, object[] items, Func<string, RuleResult> decide, Func<object, object> output)
        {
            foreach (object item in items ?? new object[] { null })
            {
                foreach (InputEntry entry in Split(item))
                {
                    if (entry.Json == null)
                    {
                        cmdlet.WriteError(entry.Error);
                        continue;
                    }
                    RuleResult result = decide(entry.Json);
                    if (!result.Success)
                    {
                        cmdlet.WriteError(ErrorRecords.Native(result.Error, entry.Target));
                        continue;
                    }
                    cmdlet.WriteObject(output(result.Value));
                }
            }
        }

        internal static IEnumerable<InputEntry> Split(object input)
        {
            if (input == null)
            {
                yield return new InputEntry
                {
                    Error = ErrorRecords.Input(
                        "The input is null. Pipe groups from Get-MgBetaGroup, ConvertFrom-Json or this module, or pass Graph JSON with -Json.",
                        "GroupWriteback.NullInput", ErrorCategory.InvalidArgument, null),
                };
                yield break;
            }
            object item = input is PSObject pso ? pso.BaseObject : input;
            GroupInput read;
            Exception readError = null;
            try
            {
                read = GroupInput.Read(input);
            }
            catch (Exception e)
            {
                read = null;
                readError = ErrorRecords.Inner(e);
            }
            if (read == null)
            {
                yield return new InputEntry
                {
                    Target = input,
                    Error = ErrorRecords.Input("The input (" + item.GetType().FullName + ") could not be read as a group: " + readError?.Message,
                        "GroupWriteback.NotAGroup", ErrorCategory.InvalidArgument, input, readError),
                };
                yield break;
            }
            string select = string.Join(",", read.Properties ?? Array.Empty<string>());
            if (item is string text)
            {
                RuleResult split = Rules.TrySplitGroups(text);
                if (!split.Success)
                {
                    string shown = text.Length > 60 ? text.Substring(0, 57) + "..." : text;
                    yield return new InputEntry
                    {
                        Target = input,
                        Error = ErrorRecords.Input(
                            "The text '" + shown + "' is not JSON (" + split.Error.Message + ") Pass a group's Graph JSON, an array of them or a list response. " +
                            "To explain a group by its id, read it first: Get-MgBetaGroup -GroupId <id> -Property " + select + " | Resolve-GroupWriteback.",
                            "GroupWriteback.InvalidJson", ErrorCategory.InvalidData, input, split.Error),
                    };
                    yield break;
                }
                string[] texts = (string[])split.Value;
                foreach (string t in texts)
                {
                    yield return new InputEntry { Json = t, Target = texts.Length == 1 ? input : t };
                }
                yield break;
            }
            if (!read.IsGroup)
            {
                yield return new InputEntry
                {
                    Target = input,
                    Error = ErrorRecords.Input(
                        "The input (" + item.GetType().FullName + ") is not a group: it has none of the properties " + select.Replace(",", ", ") +
                        ". Pipe groups from Get-MgBetaGroup -Property " + select + ", from ConvertFrom-Json or from this module, or pass Graph JSON with -Json.",
                        "GroupWriteback.NotAGroup", ErrorCategory.InvalidArgument, input),
                };
                yield break;
            }
            yield return new InputEntry { Json = read.GroupJson, Target = input };
        }
    }
}
