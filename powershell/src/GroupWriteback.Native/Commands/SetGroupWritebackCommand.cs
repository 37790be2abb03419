using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>Set-GroupWriteback: sets the writeback of groups in bulk (see its help).</summary>
    [Cmdlet(VerbsCommon.Set, "GroupWriteback", DefaultParameterSetName = "State", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType("GroupWriteback.Group")]
    public sealed class SetGroupWritebackCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string GroupId { get; set; }

        /// <summary>The piped object itself (a group carries its state, so it is not read again).</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = "State")]
        [ValidateWritebackState]
        [ArgumentCompleter(typeof(WritebackStateCompleter))]
        public string State { get; set; }

        [Parameter(ParameterSetName = "Properties")]
        public bool IsEnabled { get; set; }

        [Parameter(ParameterSetName = "Properties")]
        [ValidateOnPremisesType]
        [ArgumentCompleter(typeof(OnPremisesTypeCompleter))]
        public string OnPremisesGroupType { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>What the last stopped run had done when it was stopped (also written as a warning).</summary>
        public static string LastStopSummary { get; private set; }

        private const string Activity = "Setting group writeback";
        private readonly List<PendingChange> _pending = new List<PendingChange>();
        private string _changeJson;
        private string _requested;
        private volatile BulkOperation _bulk;
        private volatile bool _stopped;

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected override void BeginProcessing()
        {
            var change = new OrderedDictionary();
            if (ParameterSetName == "Properties")
            {
                if (Bound(nameof(IsEnabled))) change["isEnabled"] = IsEnabled;
                if (Bound(nameof(OnPremisesGroupType))) change["onPremisesGroupType"] = OnPremisesGroupType;
                if (change.Count == 0)
                {
                    ThrowTerminatingError(ErrorRecords.Input("Name the change: -State, or -IsEnabled and/or -OnPremisesGroupType.",
                        "GroupWriteback.NoChangeRequested", ErrorCategory.InvalidArgument, null));
                }
                var shown = new List<string>();
                foreach (System.Collections.DictionaryEntry e in change)
                {
                    shown.Add(e.Key + "=" + (e.Value is bool b ? (b ? "true" : "false") : Convert.ToString(e.Value, System.Globalization.CultureInfo.InvariantCulture)));
                }
                _requested = string.Join(", ", shown);
            }
            else
            {
                change["state"] = State;
                _requested = State;
            }
            _changeJson = OptionsJson.Write(change);
        }

        protected override void ProcessRecord()
        {
            object item = MyInvocation.ExpectingInput ? InputObject : null;
            object baseItem = item is PSObject p ? p.BaseObject : item;
            object target = baseItem != null && !(baseItem is string) ? item : GroupId;
            string id = GroupId;
            string groupJson = null;
            string name = GroupId;
            if (baseItem != null && !(baseItem is string) && !(baseItem is ValueType))
            {
                // A piped group that carries everything the rules need is not
                // read again; the library says whether it does.
                RuleResult read = GroupInput.TryRead(item);
                if (read.Success && read.Value is GroupInput input && input.IsGroup)
                {
                    if (!string.IsNullOrEmpty(input.Id)) id = input.Id;
                    if (input.Complete) groupJson = input.GroupJson;
                    if (!string.IsNullOrEmpty(input.Name) && input.Name != input.Id) name = "'" + input.Name + "' (" + id + ")";
                }
            }
            _pending.Add(new PendingChange(id, groupJson, _changeJson, target, name));
        }

        /// <summary>True when -WhatIf is on or ShouldProcess would ask: then every change is previewed first.</summary>
        private bool NeedsPreview()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object w)) return LanguagePrimitives.IsTrue(w);
            if (LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"))) return true;
            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out object c)) return LanguagePrimitives.IsTrue(c);
            object preference = GetVariableValue("ConfirmPreference");
            return preference is ConfirmImpact level && level != ConfirmImpact.None && ConfirmImpact.Medium >= level;
        }

        protected override void EndProcessing()
        {
            if (_pending.Count == 0) return;
            Connection connection = Connection.Require(this);
            List<PendingChange> toSend = _pending;
            if (NeedsPreview())
            {
                toSend = Preview(connection);
                if (toSend == null || toSend.Count == 0) return;
            }
            Send(connection, toSend);
        }

        /// <summary>
        /// Reads and decides every change in one batched pass (nothing
        /// written), says what each would do, and returns the changes that
        /// were confirmed, each with the group as read (not read again).
        /// </summary>
        private List<PendingChange> Preview(Connection connection)
        {
            RuleResult started = RuleResult.Run(() => connection.Client.BulkCheck(PendingChange.ToJsonArray(_pending)));
            if (!started.Success)
            {
                ThrowTerminatingError(ErrorRecords.Graph(started.Error, "Checking the changes", null));
            }
            var confirmed = new List<PendingChange>();
            bool whatIf = LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference")) ||
                (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object w) && LanguagePrimitives.IsTrue(w));
            using (var bulk = (BulkOperation)started.Value)
            {
                _bulk = bulk;
                bool done = false;
                try
                {
                    while (!done && !_stopped)
                    {
                        BulkPoll poll = bulk.Poll(250);
                        done = poll.Done;
                        foreach (BulkResult result in poll.Results)
                        {
                            PendingChange entry = _pending[result.Index];
                            string name = !string.IsNullOrEmpty(result.DisplayName) ? "'" + result.DisplayName + "' (" + result.Id + ")" : entry.Name;
                            switch (result.Result)
                            {
                                case "refused":
                                    string text = "Not set to " + _requested + ": " + result.RefusalMessage + " (rule " + result.RefusalCode + ")";
                                    if (whatIf)
                                    {
                                        ShouldProcess("Group " + name + ": nothing would be sent. " + text + ".", "Group " + name + ": nothing would be sent.", "Set-GroupWriteback");
                                    }
                                    else
                                    {
                                        WriteError(ErrorRecords.Refusal(result.RefusalCode, text, entry.Target));
                                    }
                                    break;
                                case "noChange":
                                    if (ShouldProcess("Group " + name + ": " + result.Summary + "; nothing is sent.", "Set the writeback state of group " + name + " to " + _requested + "?", "Set-GroupWriteback"))
                                    {
                                        Report(result, entry);
                                    }
                                    break;
                                case "wouldWrite":
                                    // -WhatIf shows the first text, -Confirm asks the second: both say what would change.
                                    if (ShouldProcess("Group " + name + ": " + result.Summary + "; sends PATCH " + result.Body + ".",
                                        "Set the writeback state of group " + name + " to " + _requested + "? " + result.Summary + ".", "Set-GroupWriteback"))
                                    {
                                        confirmed.Add(new PendingChange(result.Id, result.GroupJson, _changeJson, entry.Target, name));
                                    }
                                    break;
                                default:
                                    Report(result, entry);
                                    break;
                            }
                        }
                    }
                }
                finally
                {
                    _bulk = null;
                }
            }
            return whatIf || _stopped ? null : confirmed;
        }

        /// <summary>Sends the changes as one bulk change, reporting each result as it arrives.</summary>
        private void Send(Connection connection, List<PendingChange> changes)
        {
            RuleResult started = connection.Client.TryBulkSet(PendingChange.ToJsonArray(changes));
            if (!started.Success)
            {
                ThrowTerminatingError(ErrorRecords.Graph(started.Error, "Starting the bulk change", null));
            }
            var counts = new Dictionary<string, int> { ["written"] = 0, ["noChange"] = 0, ["refused"] = 0, ["failed"] = 0, ["cancelled"] = 0 };
            int total = changes.Count;
            int reported = 0;
            bool finished = false;
            var bulk = (BulkOperation)started.Value;
            _bulk = bulk;
            var sincePaint = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                bool done = false;
                while (!done)
                {
                    BulkPoll poll = bulk.Poll(250);
                    done = poll.Done;
                    // Counted before they are reported: a stop while reporting
                    // one (Ctrl+C) must not lose the count of the others.
                    foreach (BulkResult result in poll.Results)
                    {
                        counts[counts.ContainsKey(result.Result) ? result.Result : "failed"]++;
                        reported++;
                    }
                    foreach (BulkResult result in poll.Results)
                    {
                        Report(result, changes[result.Index]);
                    }
                    if (sincePaint.ElapsedMilliseconds >= 250 || done)
                    {
                        WriteProgress(new ProgressRecord(2, Activity, counts["written"] + " of " + total + " written (" + reported + " done)")
                        {
                            PercentComplete = Math.Min(100, (int)(100L * reported / total)),
                        });
                        sincePaint.Restart();
                    }
                }
                finished = true;
            }
            finally
            {
                _bulk = null;
                if (!finished)
                {
                    // Stopped (Ctrl+C, or an error downstream): what was sent
                    // finishes; what was not is not sent. Count it all.
                    bulk.Cancel();
                    DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                    try
                    {
                        bool done = false;
                        while (!done && DateTime.UtcNow < deadline)
                        {
                            BulkPoll poll = bulk.Poll(200);
                            done = poll.Done;
                            foreach (BulkResult result in poll.Results) counts[counts.ContainsKey(result.Result) ? result.Result : "failed"]++;
                        }
                    }
                    catch (GwbException)
                    {
                    }
                    string summary = string.Format(
                        "Set-GroupWriteback was stopped: {0} written, {1} already as requested, {2} refused, {3} failed, {4} not sent, of {5} groups.",
                        counts["written"], counts["noChange"], counts["refused"], counts["failed"], counts["cancelled"], total);
                    LastStopSummary = summary;
                    try
                    {
                        Host.UI.WriteWarningLine(summary);
                    }
                    catch (Exception)
                    {
                        // A host without a UI: LastStopSummary still says it.
                    }
                }
                bulk.Dispose();
                if (finished)
                {
                    WriteProgress(new ProgressRecord(2, Activity, "done") { RecordType = ProgressRecordType.Completed });
                }
            }
            WriteVerbose(string.Format("{0} written, {1} no change, {2} refused, {3} failed, of {4} groups.",
                counts["written"], counts["noChange"], counts["refused"], counts["failed"], total));
        }

        /// <summary>One result, as the command reports it: verbose for written and no change (the group with -PassThru), an error otherwise.</summary>
        private void Report(BulkResult result, PendingChange entry)
        {
            string name = !string.IsNullOrEmpty(result.DisplayName) ? "'" + result.DisplayName + "' (" + result.Id + ")" : entry.Name;
            switch (result.Result)
            {
                case "written":
                case "noChange":
                    if (result.Result == "written" && result.MadeExplicit)
                    {
                        WriteVerbose("Group " + name + ": written (" + result.Body + "); the stored value is now explicit, the state and the effective writeback are as before.");
                    }
                    else if (result.Result == "written")
                    {
                        WriteVerbose("Group " + name + ": written (" + result.Body + ").");
                    }
                    else
                    {
                        WriteVerbose("Group " + name + ": already " + _requested + ", nothing sent.");
                    }
                    // The library returns the group as it now is: nothing is read again.
                    if (PassThru && result.Group != null) WriteObject(Output.Group(result.Group));
                    break;
                case "refused":
                    WriteError(ErrorRecords.Refusal(result.RefusalCode,
                        "Not set to " + _requested + ": " + result.RefusalMessage + " (rule " + result.RefusalCode + ")", entry.Target));
                    break;
                case "cancelled":
                    WriteError(new ErrorRecord(
                        new OperationCanceledException("Group " + name + " was not changed: the operation was cancelled before it was sent."),
                        "GroupWriteback.Cancelled", ErrorCategory.OperationStopped, entry.Target));
                    break;
                default:
                    Exception error = (Exception)result.Error ?? new InvalidOperationException("no detail");
                    WriteError(ErrorRecords.Graph(error, "Setting group " + name + " to " + _requested, entry.Target));
                    break;
            }
        }

        protected override void StopProcessing()
        {
            _stopped = true;
            _bulk?.Cancel();
        }
    }
}
