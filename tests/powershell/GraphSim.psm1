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
