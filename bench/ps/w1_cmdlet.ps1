# W1 contender: Get-GroupWriteback -All, keeping the groups that are written
# back (with -WrittenBack $true where the cmdlet has it, else Where-Object on the
# effective result), counted as they stream. The time is the listing's; importing and
# connecting are timed apart (setupSeconds). Prints one JSON line.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Module
)
$ErrorActionPreference = 'Stop'
$setup = [System.Diagnostics.Stopwatch]::StartNew()
. (Join-Path $PSScriptRoot 'Connect-Bench.ps1') -Endpoint $Endpoint -Token $Token -Module $Module
$setup.Stop()
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$params = (Get-Command Get-GroupWriteback).Parameters
if ($params.ContainsKey('WrittenBack')) {
    $kept = Get-GroupWriteback -All -WrittenBack $true | Measure-Object | Select-Object -ExpandProperty Count
} else {
    $kept = Get-GroupWriteback -All | Where-Object { $_.WrittenBack } | Measure-Object | Select-Object -ExpandProperty Count
}
$sw.Stop()
[ordered]@{ kept = $kept; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3); setupSeconds = [math]::Round($setup.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
