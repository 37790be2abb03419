# Test helper: starts graph-sim (tests/graph-sim) as a child process, reads
# the base URL from its first line of stdout, and stops it.

function Start-TestGraphSim {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [string[]] $ArgumentList = @()
    )
    $root = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $exe = @('target/release/graph-sim', 'target/debug/graph-sim') | ForEach-Object { Join-Path -Path $root -ChildPath $_ } |
        Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
    if (-not $exe) {
        throw 'graph-sim is not built: run cargo build --release -p graph-sim (make test-pwsh does).'
    }
    $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($a in @('--quiet') + $ArgumentList) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if (-not $line) {
        $process.Kill()
        throw "graph-sim did not start: $($process.StandardError.ReadToEnd())"
    }
    [pscustomobject]@{ Process = $process; Url = $line.Trim().TrimEnd('/') }
}

function Stop-TestGraphSim {
    [CmdletBinding()]
    [OutputType([void])]
    param([Parameter(Mandatory)] [AllowNull()] [pscustomobject] $Sim)
    if ($null -ne $Sim -and -not $Sim.Process.HasExited) {
        $Sim.Process.Kill()
        $null = $Sim.Process.WaitForExit(5000)
    }
}

function Get-TestSimStat {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [pscustomobject] $Sim)
    Invoke-RestMethod -Uri "$($Sim.Url)/_sim/stats"
}

function Get-TestSimGroup {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [pscustomobject] $Sim, [Parameter(Mandatory)] [string] $Id)
    Invoke-RestMethod -Uri "$($Sim.Url)/_sim/groups/$Id"
}

Export-ModuleMember -Function Start-TestGraphSim, Stop-TestGraphSim, Get-TestSimStat, Get-TestSimGroup
