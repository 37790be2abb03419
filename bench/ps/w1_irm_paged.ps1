# W1 contender: a plain script with Invoke-RestMethod that pages as the docs'
# Get-MgGroup -All does (no $select: every property, the default 100 a page,
# following @odata.nextLink), or carefully with -Careful ($top=999 and the
# $select the rules need); groups are filtered with Where-Object. Prints one
# JSON line.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [switch] $Careful,
    [int] $MaxPages = 100000
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Common.ps1')
$headers = @{ Authorization = "Bearer $Token" }
$uri = "$Endpoint/beta/groups"
if ($Careful) {
    $uri += '?$top=999&$select=id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration'
}
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$script:read = 0
$script:pages = 0
$kept = & {
    while ($uri -and $script:pages -lt $MaxPages) {
        $r = Invoke-RestMethod -Uri $uri -Headers $headers
        $script:pages++
        $script:read += $r.value.Count
        $r.value
        $uri = $r.'@odata.nextLink'
    }
} | Where-Object { Test-BenchWrittenBack $_ } | Measure-Object | Select-Object -ExpandProperty Count
$sw.Stop()
[ordered]@{ read = $script:read; kept = $kept; pages = $script:pages; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
