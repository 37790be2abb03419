using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>Get-GroupWriteback: reads groups with their writeback, as Get-MgBetaGroup does (see its help).</summary>
    [Cmdlet(VerbsCommon.Get, "GroupWriteback", DefaultParameterSetName = "List")]
    [OutputType("GroupWriteback.Group")]
    public sealed class GetGroupWritebackCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Get")]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[] GroupId { get; set; }

        [Parameter(ParameterSetName = "List")]
        public SwitchParameter All { get; set; }

        [Parameter(ParameterSetName = "List")]
        public string Filter { get; set; }

        [Parameter(ParameterSetName = "List")]
        public string Search { get; set; }

        [Parameter(ParameterSetName = "List")]
        [ValidateRange(1, int.MaxValue)]
        [Alias("Limit")]
        public int Top { get; set; }

        [Parameter(ParameterSetName = "List")]
        [ValidateRange(1, 999)]
        public int PageSize { get; set; }

        [Parameter(ParameterSetName = "List")]
        public string ConsistencyLevel { get; set; }

        [Parameter(ParameterSetName = "List")]
        [Alias("CV")]
        [ValidateNotNullOrEmpty]
        public string CountVariable { get; set; }

        [Parameter]
        [Alias("Select")]
        public string[] Property { get; set; }

        [Parameter(ParameterSetName = "List")]
        public bool? WritebackEnabled { get; set; }

        [Parameter(ParameterSetName = "List")]
        [ValidateNotNull]
        public object WrittenBack { get; set; }

        private Connection _connection;
        private string[] _extra;
        private volatile GroupCursor _cursor;

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected override void BeginProcessing()
        {
            _connection = Connection.Require(this);
            _extra = (Property ?? Array.Empty<string>())
                .Where(p => !string.IsNullOrEmpty(p))
                .SelectMany(p => p.Split(','))
                .Select(p => p.Trim())
                .Where(p => p.Length > 0)
                .ToArray();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == "Get")
            {
                string getOptions = _extra.Length > 0 ? OptionsJson.Write(new Dictionary<string, object> { ["property"] = _extra }) : null;
                foreach (string id in GroupId)
                {
                    RuleResult result = _connection.Client.TryGetGroup(id, getOptions);
                    if (!result.Success)
                    {
                        WriteError(ErrorRecords.Graph(result.Error, "Reading group '" + id + "'", id));
                        continue;
                    }
                    WriteObject(Output.Group((GroupReport)result.Value));
                }
                return;
            }
            List();
        }

        private void List()
        {
            var options = new OrderedDictionary();
            if (All)
            {
                if (Bound(nameof(PageSize))) options["pageSize"] = PageSize;
                if (Bound(nameof(Top))) options["maxItems"] = Top;
            }
            else if (Bound(nameof(Top)))
            {
                options["maxItems"] = Top;
                if (Bound(nameof(PageSize))) options["pageSize"] = PageSize;
            }
            else
            {
                // The first page alone, as Get-MgBetaGroup reads without -All or -Top
                // (of Graph's default page size unless -PageSize says otherwise).
                options["firstPage"] = true;
                if (Bound(nameof(PageSize))) options["pageSize"] = PageSize;
            }
            if (!string.IsNullOrEmpty(Filter)) options["filter"] = Filter;
            if (!string.IsNullOrEmpty(Search)) options["search"] = Search;
            if (!string.IsNullOrEmpty(ConsistencyLevel)) options["consistencyLevel"] = ConsistencyLevel;
            if (!string.IsNullOrEmpty(CountVariable)) options["count"] = true;
            if (_extra.Length > 0) options["property"] = _extra;
            if (WritebackEnabled.HasValue) options["writebackEnabled"] = WritebackEnabled.Value;
            if (Bound(nameof(WrittenBack)))
            {
                // $true/$false or a word ('Unknown'); the library says what it accepts.
                object value = WrittenBack is PSObject p ? p.BaseObject : WrittenBack;
                options["writtenBack"] = value is bool b ? (object)b : value is SwitchParameter s ? (object)s.IsPresent : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            var query = new List<string>();
            if (!string.IsNullOrEmpty(Filter)) query.Add("filter " + Filter);
            if (!string.IsNullOrEmpty(Search)) query.Add("search " + Search);
            string target = query.Count > 0 ? "groups (" + string.Join(", ", query) + ")" : "groups";

            RuleResult started = _connection.Client.TryListGroups(OptionsJson.Write(options));
            if (!started.Success)
            {
                WriteError(ErrorRecords.Graph(started.Error, "Listing groups", target));
                return;
            }
            const string activity = "Reading groups with their writeback configuration";
            long read = 0;
            bool countSet = false;
            using (GroupCursor cursor = (GroupCursor)started.Value)
            {
                _cursor = cursor;
                try
                {
                    while (true)
                    {
                        ListPage page;
                        try
                        {
                            page = cursor.NextPage();
                        }
                        catch (GwbException e)
                        {
                            if (e.Status == GwbStatus.Cancelled && Stopping) return;
                            WriteError(ErrorRecords.Graph(e, "Listing groups", target));
                            break;
                        }
                        if (page.Done) break;
                        if (!string.IsNullOrEmpty(CountVariable) && !countSet)
                        {
                            SessionState.PSVariable.Set(CountVariable.TrimStart('$'), page.Count);
                            countSet = true;
                        }
                        if (page.Converted != null)
                        {
                            WriteObject(page.Converted, true);
                        }
                        else
                        {
                            foreach (GroupReport report in page.Groups) WriteObject(Output.Group(report));
                        }
                        read += page.Groups.Length;
                        WriteProgress(new ProgressRecord(1, activity, read + " groups read (" + page.Number + " pages)"));
                    }
                }
                finally
                {
                    _cursor = null;
                    if (!Stopping)
                    {
                        WriteProgress(new ProgressRecord(1, activity, "done") { RecordType = ProgressRecordType.Completed });
                    }
                }
            }
            WriteVerbose("Read " + read + " groups.");
        }

        /// <summary>Ctrl+C, or a downstream Select-Object -First: stop the listing now.</summary>
        protected override void StopProcessing()
        {
            _cursor?.Cancel();
            _connection?.Client.Cancel();
        }
    }
}
