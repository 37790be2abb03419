using System;
using System.Management.Automation;

namespace GroupWriteback.Commands
{
    /// <summary>Disconnect-GroupWriteback: ends the connection (see its help).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "GroupWriteback", SupportsShouldProcess = true)]
    [OutputType("GroupWriteback.Context")]
    public sealed class DisconnectGroupWritebackCommand : PSCmdlet
    {
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            Connection connection = Connection.Current;
            if (connection == null)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException("There is no connection to end: Connect-GroupWriteback was not run in this session, or it was already disconnected."),
                    "GroupWriteback.NotConnected", ErrorCategory.InvalidOperation, null));
                return;
            }
            PSObject context = connection.ToContext();
            string endpoint = context.Properties["GraphEndpoint"]?.Value as string;
            if (!ShouldProcess(endpoint, "Disconnect")) return;
            Connection.Replace(null);
            WriteVerbose("Disconnected from " + endpoint + ".");
            // As Disconnect-MgGraph clears its token cache: the next session signs in again.
            if (context.Properties["TokenCache"]?.Value is string cache && System.IO.File.Exists(cache))
            {
                try
                {
                    System.IO.File.Delete(cache);
                    WriteVerbose("Removed the token cache " + cache + ".");
                }
                catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
                {
                    WriteWarning("The token cache " + cache + " could not be removed: " + e.Message + " Delete it to forget the sign-in.");
                }
            }
            if (PassThru) WriteObject(context);
        }
    }
}
