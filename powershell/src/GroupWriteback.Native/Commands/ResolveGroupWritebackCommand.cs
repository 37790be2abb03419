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
            object[] items = ParameterSetName == "Json" ? Json : InputObject;
            if (items == null) items = new object[] { null };
            foreach (object item in items)
            {
                foreach (InputEntry entry in InputItems.Split(item))
                {
                    if (entry.Json == null)
                    {
                        WriteError(entry.Error);
                        continue;
                    }
                    RuleResult result = Rules.TryExplain(entry.Json);
                    if (!result.Success)
                    {
                        WriteError(ErrorRecords.Native(result.Error, entry.Target));
                        continue;
                    }
                    WriteObject(Output.Group((GroupReport)result.Value));
                }
            }
        }
    }
}
