# W2 contender: naive parallel PATCHes, ForEach-Object -Parallel with
# Invoke-RestMethod, no retry: what is throttled is lost. Prints one JSON line.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $IdsFile,
    [int] $ThrottleLimit = 8
)
$ErrorActionPreference = 'Stop'
$ids = @(Get-Content -LiteralPath $IdsFile | Where-Object { $_ })
$sw = [System.Diagnostics.Stopwatch]::StartNew()
$codes = $ids | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    $headers = @{ Authorization = "Bearer $using:Token" }
    $body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}'
    try {
        Invoke-RestMethod -Method Patch -Uri "$using:Endpoint/beta/groups/$_" -Headers $headers `
            -ContentType 'application/json' -Body $body | Out-Null
        204
    } catch {
        if ($_.Exception.Response) { [int]$_.Exception.Response.StatusCode } else { -1 }
    }
}
$sw.Stop()
$ok = @($codes | Where-Object { $_ -eq 204 }).Count
$t = @($codes | Where-Object { $_ -eq 429 }).Count
[ordered]@{ groups = $ids.Count; ok = $ok; failed = $ids.Count - $ok; throttledSeen = $t; seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3) } |
    ConvertTo-Json -Compress
