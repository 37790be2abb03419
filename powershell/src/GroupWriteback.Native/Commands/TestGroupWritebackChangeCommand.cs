using System.Collections.Generic;
using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>Test-GroupWritebackChange: decides a change offline (see its help).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "GroupWritebackChange", DefaultParameterSetName = "StateInputObject")]
    [OutputType("GroupWriteback.ChangeDecision")]
    public sealed class TestGroupWritebackChangeCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "StateInputObject")]
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "PropertiesInputObject")]
        [AllowNull]
        [AllowEmptyCollection]
        public object[] InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "StateJson")]
        [Parameter(Mandatory = true, ParameterSetName = "PropertiesJson")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] Json { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "StateInputObject")]
        [Parameter(Mandatory = true, ParameterSetName = "StateJson")]
        [ValidateWritebackState]
        [ArgumentCompleter(typeof(WritebackStateCompleter))]
        public string State { get; set; }

        [Parameter(ParameterSetName = "PropertiesInputObject")]
        [Parameter(ParameterSetName = "PropertiesJson")]
        [AllowNull]
        public bool? IsEnabled { get; set; }

        [Parameter(ParameterSetName = "PropertiesInputObject")]
        [Parameter(ParameterSetName = "PropertiesJson")]
        [AllowNull]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(OnPremisesTypeCompleter))]
        public string OnPremisesGroupType { get; set; }

        private string _request;
        private string _requested;

        protected override void BeginProcessing()
        {
            if (ParameterSetName.StartsWith("Properties", System.StringComparison.Ordinal))
            {
                var properties = new Dictionary<string, object>();
                if (MyInvocation.BoundParameters.ContainsKey(nameof(IsEnabled))) properties["isEnabled"] = IsEnabled;
                if (MyInvocation.BoundParameters.ContainsKey(nameof(OnPremisesGroupType)))
                {
                    properties["onPremisesGroupType"] = string.IsNullOrEmpty(OnPremisesGroupType) ? null : OnPremisesGroupType;
                }
                if (properties.Count == 0)
                {
                    ThrowTerminatingError(ErrorRecords.Input("Name the change: -State, or -IsEnabled and/or -OnPremisesGroupType.",
                        "GroupWriteback.NoChangeRequested", ErrorCategory.InvalidArgument, null));
                }
                _request = OptionsJson.Write(properties);
            }
            _requested = _request ?? State;
        }

        protected override void ProcessRecord()
        {
            InputItems.ForEachGroup(this, ParameterSetName.EndsWith("Json", System.StringComparison.Ordinal) ? Json : InputObject,
                json => _request != null ? Rules.TryValidateRequest(json, _request) : Rules.TryValidateState(json, State),
                decision => Output.Decision((ChangeDecision)decision, _requested));
        }
    }
}
