function Get-GwbConnection {
    <#
    .SYNOPSIS
    The module's connection (Connect-GroupWriteback), or a terminating error for the calling command when there is none.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet
    )

    $connection = $script:GwbConnection
    if ($null -eq $connection -or $connection.Client.IsDisposed) {
        $exception = [System.InvalidOperationException]::new(
            'Not connected to Microsoft Graph: run Connect-GroupWriteback first (for example Connect-GroupWriteback -TenantId <tenant> -ClientSecretCredential (Get-Credential)).')
        $record = [System.Management.Automation.ErrorRecord]::new(
            $exception, 'GroupWriteback.NotConnected', [System.Management.Automation.ErrorCategory]::AuthenticationError, $null)
        $Cmdlet.ThrowTerminatingError($record)
    }
    $connection
}
