# W3: pwsh -NoProfile importing the module, connecting and reading one group.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Id
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Connect-Bench.ps1') -Endpoint $Endpoint -Token $Token -Module $Module
Get-GroupWriteback -GroupId $Id | Out-Null
