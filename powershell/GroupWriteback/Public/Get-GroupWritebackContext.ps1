function Get-GroupWritebackContext {
    <#
    .SYNOPSIS
    Shows what the module is connected to, like Get-MgContext.

    .DESCRIPTION
    Returns the cloud, the Graph endpoint, the sign-in authority, the kind of
    sign-in (accessToken, clientSecret, certificate, deviceCode), where the
    credential came from, and the tenant and client ids. It never shows a
    secret or a token. Without a connection it returns nothing.

    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .EXAMPLE
    Get-GroupWritebackContext

    Shows the current connection.

    .EXAMPLE
    if (-not (Get-GroupWritebackContext)) { Connect-GroupWriteback -UseDeviceCode }

    Connects only when not connected yet.

    .INPUTS
    None.

    .OUTPUTS
    GroupWriteback.Context

    .NOTES
    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .LINK
    Connect-GroupWriteback
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.Context')]
    param()

    $connection = $script:GwbConnection
    if ($null -ne $connection -and -not $connection.Client.IsDisposed) {
        Get-GwbContextObject -Connection $connection
    }
}
