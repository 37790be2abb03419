# Test helper: starts graph-sim (tests/graph-sim) as a child process, reads
# the base URL from its first line of stdout, and stops it by closing its
# stdin (--exit-on-stdin-eof): no signal, so the same on Windows, and a
# simulator whose test process died stops too.

function Start-TestGraphSim {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [string[]] $ArgumentList = @()
    )
    $root = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    # On Windows the Windows build (make windows), else cargo's.
    $candidates = if ($IsWindows) {
        @('target/windows/bin/graph-sim.exe', 'target/release/graph-sim.exe', 'target/debug/graph-sim.exe')
    }
    else {
        @('target/release/graph-sim', 'target/debug/graph-sim')
    }
    $exe = $candidates | ForEach-Object { [System.IO.Path]::GetFullPath((Join-Path -Path $root -ChildPath $_)) } |
        Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
    if (-not $exe) {
        $build = if ($IsWindows) { 'make windows' } else { 'cargo build --release -p graph-sim (make test-pwsh does)' }
        throw "graph-sim is not built (looked for $($candidates -join ', ')): run $build."
    }
    $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($a in @('--quiet', '--exit-on-stdin-eof') + $ArgumentList) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
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
    if ($null -eq $Sim -or $Sim.Process.HasExited) {
        return
    }
    # End of stdin stops it; the shutdown endpoint, then a kill, if it does not.
    try { $Sim.Process.StandardInput.Close() } catch { Write-Verbose -Message "closing graph-sim's stdin: $_" }
    if ($Sim.Process.WaitForExit(15000)) {
        return
    }
    try { $null = Invoke-RestMethod -Method Post -Uri "$($Sim.Url)/_sim/shutdown" -TimeoutSec 5 } catch { Write-Verbose -Message "graph-sim shutdown request: $_" }
    if (-not $Sim.Process.WaitForExit(10000)) {
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

function Start-TestHostileServer {
    <#
    .SYNOPSIS
    A stand-in Graph on a loopback port that answers each request with the first route whose Match (a regex) matches the
    request's path and query: @{ Match = 'echo'; Status = 400; Body = '{...}'; Headers = @{ 'request-id' = '...' } }.
    '{base}' in a body is replaced by the server's own URL. Requests no route matches get a 404.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [hashtable[]] $Route)
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start()
    $port = $probe.LocalEndpoint.Port
    $probe.Stop()
    $url = "http://127.0.0.1:$port"
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("$url/")
    $listener.Start()
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($listener, $routes, $url)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                $path = $context.Request.RawUrl
                $route = $routes | Where-Object { $path -match $_.Match } | Select-Object -First 1
                $response = $context.Response
                if ($null -eq $route) { $route = @{ Status = 404; Body = '{"error":{"code":"NotHere","message":"no route"}}' } }
                $response.StatusCode = $route.Status
                $response.ContentType = 'application/json'
                if ($route.Headers) { foreach ($k in $route.Headers.Keys) { $response.Headers.Add($k, $route.Headers[$k]) } }
                $bytes = [System.Text.Encoding]::UTF8.GetBytes(([string]$route.Body).Replace('{base}', $url))
                $response.ContentLength64 = $bytes.Length
                try { $response.OutputStream.Write($bytes, 0, $bytes.Length) } catch { }
                $response.Close()
            }
        }).AddArgument($listener).AddArgument($Route).AddArgument($url)
    $handle = $ps.BeginInvoke()
    [pscustomobject]@{ Url = $url; Listener = $listener; PowerShell = $ps; Handle = $handle }
}

function Stop-TestHostileServer {
    [CmdletBinding()]
    [OutputType([void])]
    param([Parameter(Mandatory)] [AllowNull()] [pscustomobject] $Server)
    if ($null -ne $Server) {
        $Server.Listener.Stop()
        $Server.Listener.Close()
        $Server.PowerShell.Stop()
        $Server.PowerShell.Dispose()
    }
}

Export-ModuleMember -Function Start-TestGraphSim, Stop-TestGraphSim, Get-TestSimStat, Get-TestSimGroup, Start-TestHostileServer, Stop-TestHostileServer
