using System.Management.Automation;

namespace GroupWriteback.Commands
{
    /// <summary>Get-GroupWritebackContext: what the module is connected to (see its help).</summary>
    [Cmdlet(VerbsCommon.Get, "GroupWritebackContext")]
    [OutputType("GroupWriteback.Context")]
    public sealed class GetGroupWritebackContextCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            Connection connection = Connection.Current;
            if (connection != null) WriteObject(connection.ToContext());
        }
    }
}
