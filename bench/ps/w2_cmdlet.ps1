# W2 and W2b contender: Set-GroupWriteback -State Security -PassThru from the
# pipeline. W2b pipes the group ids (strings), so the module reads the groups
# first; W2 (-FromListing) pipes the groups as Get-GroupWriteback -All returned
# them, which carry their state. The time is the change's; importing,
# connecting and the listing are timed apart (setupSeconds). Prints one JSON
# line with the results by kind.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $IdsFile,
    [Parameter(Mandatory)] [string] $Module,
    [double] $WritesPerSecond = 20,
    [double] $ResourceUnitsPerSecond = 0,
    [switch] $FromListing
)
$ErrorActionPreference = 'Stop'
$ids = @(Get-Content -LiteralPath $IdsFile | Where-Object { $_ } | ForEach-Object { ($_ -split "`t")[0] })
$setup = [System.Diagnostics.Stopwatch]::StartNew()
. (Join-Path $PSScriptRoot 'Connect-Bench.ps1') -Endpoint $Endpoint -Token $Token -Module $Module -WritesPerSecond $WritesPerSecond -ResourceUnitsPerSecond $ResourceUnitsPerSecond
$inputObjects = $ids
if ($FromListing) {
    $wanted = [System.Collections.Generic.HashSet[string]]::new([string[]] $ids, [System.StringComparer]::OrdinalIgnoreCase)
    $inputObjects = @(Get-GroupWriteback -All | Where-Object { $wanted.Contains($_.Id) })
}
$setup.Stop()
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$errors = @()
$results = @($inputObjects | Set-GroupWriteback -State Security -PassThru -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +errors)
$sw.Stop()
$security = @($results | Where-Object { $_.WritebackState -eq 'Security' }).Count
[ordered]@{ groups = $ids.Count; piped = $inputObjects.Count; returned = $results.Count; returnedSecurity = $security; errors = $errors.Count; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3); setupSeconds = [math]::Round($setup.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
