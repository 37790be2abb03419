# W2 contender: Set-GroupWriteback -State Security -PassThru with the group
# ids (strings) from the pipeline. The time is the change's; importing and connecting are timed
# apart (setupSeconds). Prints one JSON line with the results by kind.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $IdsFile,
    [Parameter(Mandatory)] [string] $Module,
    [double] $WritesPerSecond = 20
)
$ErrorActionPreference = 'Stop'
$ids = @(Get-Content -LiteralPath $IdsFile | Where-Object { $_ })
$setup = [System.Diagnostics.Stopwatch]::StartNew()
. (Join-Path $PSScriptRoot 'Connect-Bench.ps1') -Endpoint $Endpoint -Token $Token -Module $Module -WritesPerSecond $WritesPerSecond
$setup.Stop()
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$errors = @()
$results = @($ids | Set-GroupWriteback -State Security -PassThru -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +errors)
$sw.Stop()
$security = @($results | Where-Object { $_.WritebackState -eq 'Security' }).Count
[ordered]@{ groups = $ids.Count; returned = $results.Count; returnedSecurity = $security; errors = $errors.Count; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3); setupSeconds = [math]::Round($setup.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
