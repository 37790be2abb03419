function Disconnect-GroupWriteback {
    <#
    .SYNOPSIS
    Ends the module's Microsoft Graph connection and frees its client, like Disconnect-MgGraph.

    .DESCRIPTION
    Disconnect-GroupWriteback cancels what the connection is still doing,
    frees the native client (which wipes its copy of the secret and token)
    and forgets the connection. Without a connection it writes an
    InvalidOperation error, as Disconnect-MgGraph does.

    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .PARAMETER PassThru
    Returns the context of the connection that was ended.

    .EXAMPLE
    Disconnect-GroupWriteback

    Ends the connection.

    .EXAMPLE
    Disconnect-GroupWriteback -ErrorAction Ignore

    Ends the connection if there is one, silently otherwise (for cleanup scripts).

    .INPUTS
    None.

    .OUTPUTS
    GroupWriteback.Context (with -PassThru)

    .NOTES
    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .LINK
    Connect-GroupWriteback
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('GroupWriteback.Context')]
    param(
        [switch] $PassThru
    )

    $connection = $script:GwbConnection
    if ($null -eq $connection) {
        $exception = [System.InvalidOperationException]::new('There is no connection to end: Connect-GroupWriteback was not run in this session, or it was already disconnected.')
        $record = [System.Management.Automation.ErrorRecord]::new(
            $exception, 'GroupWriteback.NotConnected', [System.Management.Automation.ErrorCategory]::InvalidOperation, $null)
        $PSCmdlet.WriteError($record)
        return
    }
    $context = Get-GwbContextObject -Connection $connection
    if (-not $PSCmdlet.ShouldProcess($context.GraphEndpoint, 'Disconnect')) {
        return
    }
    $script:GwbConnection = $null
    $connection.Client.Dispose()
    Write-Verbose -Message "Disconnected from $($context.GraphEndpoint)."
    if ($PassThru) {
        $context
    }
}
