<#
.SYNOPSIS
Runs the GroupWriteback module's Pester tests with the Pester restored in .tools/.

.DESCRIPTION
Imports Pester 5 from .tools/packages (scripts/setup.sh restores it), runs
every *.Tests.ps1 beside this script against the module laid out by
`make module`, and ends with the line "N passed, N failed". Exits 1 when a
test failed or the run did not complete.

.EXAMPLE
pwsh -NoProfile -File tests/powershell/Invoke-Tests.ps1

.EXAMPLE
pwsh -NoProfile -File tests/powershell/Invoke-Tests.ps1 -Path tests/powershell/ResolveGroupWriteback.Tests.ps1 -Output Normal
#>
[CmdletBinding()]
param(
    # Test files or folders to run (default: every *.Tests.ps1 beside this script).
    [string[]] $Path = @($PSScriptRoot),

    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Detailed'
)

$ErrorActionPreference = 'Stop'
$repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$pesterVersion = '5.7.1'
$pesterManifest = Join-Path -Path $repoRoot -ChildPath ".tools/packages/pester/$pesterVersion/tools/Pester.psd1"
if (-not (Test-Path -LiteralPath $pesterManifest -PathType Leaf)) {
    Write-Error -Message "Pester $pesterVersion was not found at '$pesterManifest': run scripts/setup.sh (or make setup) first." -ErrorAction Continue
    '0 passed, 1 failed'
    exit 1
}
Import-Module -Name $pesterManifest -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = $Output
$configuration.Should.ErrorAction = 'Continue'

$result = Invoke-Pester -Configuration $configuration

# The fault matrix and the bad-input cases, counted by the prefix of their It names.
foreach ($kind in @(@{ Prefix = 'Fault:'; Label = 'fault cases' }, @{ Prefix = 'Bad input:'; Label = 'bad inputs' })) {
    $cases = @($result.Tests | Where-Object { $_.ExpandedName -like "$($kind.Prefix)*" })
    $passedCases = @($cases | Where-Object { $_.Result -eq 'Passed' })
    "$($kind.Label): $($cases.Count) tried, $($passedCases.Count) passed"
}

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
if ($result.SkippedCount -gt 0) {
    "$($result.SkippedCount) skipped"
}
"$($result.PassedCount) passed, $failed failed"

# Why each test was skipped, one line per reason: a test skipped with
# -Skip: names what it needs in a 'Needs:<capability>' tag
# (TestPlatform.psm1 says why the platform cannot), one skipped with
# Set-ItResult -Skipped gives its reason with -Because.
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
$reasons = [ordered]@{}
foreach ($test in @($result.Skipped)) {
    $need = @($test.Tag | Where-Object { $_ -like 'Needs:*' })[0]
    $reason = if ($need) {
        Get-TestSkipReason -Capability $need.Substring('Needs:'.Length)
    }
    elseif ("$(@($test.ErrorRecord)[0])" -match 'is skipped, because (.+)$') {
        $Matches[1]
    }
    if (-not $reason) { $reason = "no reason given ($($test.ExpandedPath))" }
    $reasons[$reason] = 1 + [int]$reasons[$reason]
}
foreach ($reason in $reasons.Keys) {
    "skipped: $($reasons[$reason]) $reason"
}
if ($failed -gt 0 -or $result.Result -ne 'Passed') {
    exit 1
}
exit 0
