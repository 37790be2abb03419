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
    .DESCRIPTION
    Plain HTTP/1.1 over a TcpListener, one response per connection (Connection: close), rather than HttpListener: on
    Windows that is http.sys, which wine emulates only in part (it refuses a request whose Host header is not written
    "Host", as the library's HTTP client writes it, "host", and header names are case-insensitive: RFC 9110 section 5.1).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [hashtable[]] $Route)
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $url = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($listener, $routes, $url)
            while ($true) {
                try { $client = $listener.AcceptTcpClient() } catch { break }
                try {
                    $stream = $client.GetStream()
                    $stream.ReadTimeout = 10000
                    $reader = [System.IO.StreamReader]::new($stream, [System.Text.Encoding]::ASCII, $false, 4096, $true)
                    $requestLine = $reader.ReadLine()
                    if (-not $requestLine) { continue }
                    $length = 0
                    while ($header = $reader.ReadLine()) {
                        if ($header -match '^content-length:\s*(\d+)') { $length = [int]$Matches[1] }
                    }
                    if ($length -gt 0) { $null = $reader.ReadBlock([char[]]::new($length), 0, $length) }
                    $path = ($requestLine -split ' ')[1]
                    $route = $routes | Where-Object { $path -match $_.Match } | Select-Object -First 1
                    if ($null -eq $route) { $route = @{ Status = 404; Body = '{"error":{"code":"NotHere","message":"no route"}}' } }
                    $bytes = [System.Text.Encoding]::UTF8.GetBytes(([string]$route.Body).Replace('{base}', $url))
                    $head = [System.Text.StringBuilder]::new()
                    $null = $head.Append("HTTP/1.1 $($route.Status) $([System.Net.HttpStatusCode]$route.Status)`r`n")
                    $null = $head.Append("Content-Type: application/json`r`nContent-Length: $($bytes.Length)`r`nConnection: close`r`n")
                    if ($route.Headers) { foreach ($k in $route.Headers.Keys) { $null = $head.Append("$($k): $($route.Headers[$k])`r`n") } }
                    $null = $head.Append("`r`n")
                    $headBytes = [System.Text.Encoding]::ASCII.GetBytes($head.ToString())
                    $stream.Write($headBytes, 0, $headBytes.Length)
                    $stream.Write($bytes, 0, $bytes.Length)
                    $stream.Flush()
                }
                catch {
                    # A client that went away: serve the next one.
                    $null = $_
                }
                finally {
                    $client.Close()
                }
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
        $Server.PowerShell.Stop()
        $Server.PowerShell.Dispose()
    }
}

Export-ModuleMember -Function Start-TestGraphSim, Stop-TestGraphSim, Get-TestSimStat, Get-TestSimGroup, Start-TestHostileServer, Stop-TestHostileServer
