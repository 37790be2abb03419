<#
.SYNOPSIS
Measures the module's import time, and compares loading the prebuilt interop
assembly with compiling the same C# sources with Add-Type at import.

.DESCRIPTION
Each sample runs in a new `pwsh -NoProfile` process so that nothing is cached
in the session. Prints the median and range of each way, in milliseconds.
Run it after `make module`.

.EXAMPLE
pwsh -NoProfile -File powershell/tools/Measure-ImportTime.ps1 -Count 5
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 50)]
    [int] $Count = 5
)

$root = Split-Path -Path $PSScriptRoot -Parent
$module = Join-Path -Path $root -ChildPath 'GroupWriteback'
$sources = Join-Path -Path $root -ChildPath 'src/GroupWriteback.Native'
$pwsh = @(Get-Command -Name pwsh -CommandType Application -ErrorAction Ignore)[0].Source
if (-not $pwsh) {
    $pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
}

$ways = [ordered]@{
    'Import-Module (prebuilt assembly)' = "`$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; `$t.Elapsed.TotalMilliseconds"
    'Add-Type of the C# sources'        = "`$t = [Diagnostics.Stopwatch]::StartNew(); Add-Type -Path (Get-ChildItem -Path '$sources' -Filter *.cs).FullName; [GroupWriteback.Native.NativeLoader]::Initialize('$module'); `$t.Elapsed.TotalMilliseconds"
}

foreach ($way in $ways.GetEnumerator()) {
    $samples = foreach ($i in 1..$Count) {
        [double](& $pwsh -NoProfile -NonInteractive -Command $way.Value | Select-Object -Last 1)
    }
    $sorted = @($samples | Sort-Object)
    [pscustomobject]@{
        Way      = $way.Key
        MedianMs = [math]::Round($sorted[[int][math]::Floor(($sorted.Count - 1) / 2)], 1)
        MinMs    = [math]::Round($sorted[0], 1)
        MaxMs    = [math]::Round($sorted[-1], 1)
        Samples  = $sorted.Count
    }
}
