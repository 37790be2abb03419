using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>Resolve-GroupWriteback: explains groups offline (see its help).</summary>
    [Cmdlet(VerbsDiagnostic.Resolve, "GroupWriteback", DefaultParameterSetName = "InputObject")]
    [OutputType("GroupWriteback.Group")]
    public sealed class ResolveGroupWritebackCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "InputObject")]
        [AllowNull]
        [AllowEmptyCollection]
        public object[] InputObject { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Json")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] Json { get; set; }

        protected override void ProcessRecord()
        {
            InputItems.ForEachGroup(this, ParameterSetName == "Json" ? Json : InputObject, Rules.TryExplain,
                report => Output.Group((GroupReport)report));
        }
    }
}
