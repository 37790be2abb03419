# W2 contender: one group at a time, as the official sample and
# MSIdentityTools do: GET the group, then PATCH its writebackConfiguration,
# with Invoke-RestMethod, no batching and no retry. Failures (429s included)
# are counted, not retried. Prints one JSON line.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $IdsFile
)
$ErrorActionPreference = 'Stop'
$headers = @{ Authorization = "Bearer $Token" }
$body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}'
$ids = @(Get-Content -LiteralPath $IdsFile | Where-Object { $_ })
$ok = 0; $failed = 0; $throttled = 0
$sw = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($id in $ids) {
    try {
        $g = Invoke-RestMethod -Uri "$Endpoint/beta/groups/$id" -Headers $headers
        Invoke-RestMethod -Method Patch -Uri "$Endpoint/beta/groups/$($g.id)" -Headers $headers `
            -ContentType 'application/json' -Body $body | Out-Null
        $ok++
    } catch {
        $failed++
        if ($_.Exception.Response -and [int]$_.Exception.Response.StatusCode -eq 429) { $throttled++ }
    }
}
$sw.Stop()
[ordered]@{ groups = $ids.Count; ok = $ok; failed = $failed; throttledSeen = $throttled; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
