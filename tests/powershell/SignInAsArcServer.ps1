# Run by GraphCommands.Tests.ps1 in a child session that sees KeyFolder as the
# Azure Arc agent's key folder (Get-TestArcServerCommand): starts graph-sim as
# the agent (--arc-key-dir), points IDENTITY_ENDPOINT and IMDS_ENDPOINT at it
# as the agent sets them, signs in with Connect-GroupWriteback -Identity and
# reads groups. Writes one line of JSON: what the context says, how many
# groups were read and how many key files the agent wrote; or the error.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $KeyFolder
)
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1')
Import-Module -Name $ModulePath
foreach ($name in 'IDENTITY_HEADER', 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE') {
    [System.Environment]::SetEnvironmentVariable($name, $null)
}
$sim = Start-TestGraphSim -ArgumentList @('--groups', '5', '--arc-key-dir', $KeyFolder)
try {
    $env:IDENTITY_ENDPOINT = "$($sim.Url)/metadata/identity/oauth2/token"
    $env:IMDS_ENDPOINT = $sim.Url
    $context = Connect-GroupWriteback -Endpoint $sim.Url -Identity -PassThru
    $groups = @(Get-GroupWriteback -All)
    [pscustomobject]@{
        AuthType        = $context.AuthType
        ManagedIdentity = $context.ManagedIdentity
        TokenSource     = $context.TokenSource
        Shown           = ($context | Format-List -Property * | Out-String)
        Groups          = $groups.Count
        KeyFiles        = @(Get-ChildItem -LiteralPath $KeyFolder -Filter '*.key').Count
    } | ConvertTo-Json -Compress
}
catch {
    [pscustomobject]@{ Error = $_.Exception.Message } | ConvertTo-Json -Compress
}
finally {
    Stop-TestGraphSim -Sim $sim
}
