# W4: Get-GroupWriteback -All streamed to a counter, not collected; the
# harness reads this process's peak resident memory. Prints one JSON line.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Module
)
$ErrorActionPreference = 'Stop'
$sw = [System.Diagnostics.Stopwatch]::StartNew()
. (Join-Path $PSScriptRoot 'Connect-Bench.ps1') -Endpoint $Endpoint -Token $Token -Module $Module
Get-GroupWriteback -All | ForEach-Object -Begin { $n = 0 } -Process { $n++ }
$sw.Stop()
[ordered]@{ count = $n; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3) } | ConvertTo-Json -Compress
