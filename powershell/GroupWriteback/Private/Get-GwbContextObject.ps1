function Get-GwbContextObject {
    <#
    .SYNOPSIS
    The module's connection as a GroupWriteback.Context object (no secret).
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.Context')]
    param(
        [Parameter(Mandatory)]
        [pscustomobject] $Connection
    )

    $info = ConvertFrom-Json -InputObject $Connection.Client.ContextJson()
    [pscustomobject]@{
        PSTypeName       = 'GroupWriteback.Context'
        Cloud            = $info.cloud
        GraphEndpoint    = $info.graphBaseUrl
        Authority        = $info.authority
        AuthType         = $info.auth
        CredentialSource = $Connection.Source
        TenantId         = $info.tenantId
        ClientId         = $info.clientId
        ResourceUnitsPerSecond = $info.resourceUnitsPerSecond
        WritesPerSecond  = $info.writesPerSecond
        ConnectedAt      = $Connection.ConnectedAt
    }
}
