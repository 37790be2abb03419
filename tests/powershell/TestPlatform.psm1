# Test helper: what differs between the platforms the Pester suite runs on
# (pwsh on Linux; a Windows PowerShell 7 host under wine, `make
# test-windows-pwsh`): which module folder to import, how to start a child
# session of the same PowerShell, and which operations the platform cannot do.

$script:repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path

function Get-TestModulePath {
    <#
    .SYNOPSIS
    The module folder the tests import: GWB_TEST_MODULE_DIR when set (absolute, or relative to the repository's root;
    `make test-windows-pwsh` names the Windows layout there), else the one `make module` lays out.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $path = $env:GWB_TEST_MODULE_DIR
    if (-not $path) {
        $path = 'powershell/GroupWriteback'
    }
    if (-not [System.IO.Path]::IsPathRooted($path)) {
        $path = Join-Path -Path $repoRoot -ChildPath $path
    }
    [System.IO.Path]::GetFullPath((Resolve-Path -LiteralPath $path -ErrorAction Stop).Path)
}

function Get-TestPwshCommand {
    <#
    .SYNOPSIS
    How to start a child session of the PowerShell running the tests: the program ([Environment]::ProcessPath) and the
    arguments that come before pwsh's own. pwsh installed as a .NET tool runs as `dotnet pwsh.dll`; under wine the
    program is the test host (PwshHost.exe), which takes -NoProfile, -NonInteractive, -Command and -File as pwsh does.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()
    $program = [System.Environment]::ProcessPath
    $leading = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($program) -eq 'dotnet') {
        $leading = @([System.Environment]::GetCommandLineArgs()[0])
    }
    [pscustomobject]@{ Path = $program; Argument = $leading }
}

function Get-TestSkipReason {
    <#
    .SYNOPSIS
    $null when this platform can do what a test needs; else why not, for -Skip: and the runner's "skipped:" lines.
    Each capability is tried once, the way the tests use it. Only a failure known to be the platform's (wine's) is a
    reason to skip: any other failure returns $null, so the test runs and shows it.
    .PARAMETER Capability
    PemCertificate: X509Certificate2.CreateFromPemFile with an RSA key (the -Certificate sign-in). Wine's CNG (bcrypt)
    cannot import an RSA private key: it fails in BCryptGetProperty with status 0xC1000002.
    Cim: reading a Process object's properties, as the cmdlets do with a piped object of another module. On Windows its
    CommandLine property calls Get-CimInstance; under wine Microsoft.Management.Infrastructure fails to start and the
    process then hangs, so this is tried in a child session (Get-TestPwshCommand), ended after its answer.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [ValidateSet('PemCertificate', 'Cim')] [string] $Capability)
    # Once per process, whichever test file imports this module (again).
    $key = "GroupWriteback.Tests.SkipReason.$Capability"
    $known = [System.AppDomain]::CurrentDomain.GetData($key)
    if ($null -ne $known) {
        if ($known) { return $known } else { return $null }
    }
    $reason = $null
    switch ($Capability) {
        'PemCertificate' {
            $testData = Join-Path -Path $repoRoot -ChildPath 'tests/graph-sim/testdata'
            try {
                $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile(
                    (Join-Path -Path $testData -ChildPath 'client-assertion-cert.pem'),
                    (Join-Path -Path $testData -ChildPath 'client-assertion-key.pem'))
                $certificate.Dispose()
            }
            catch {
                $e = $_.Exception
                while ($e -is [System.Management.Automation.MethodInvocationException] -and $e.InnerException) { $e = $e.InnerException }
                if ($e -is [System.Security.Cryptography.CryptographicException] -and $e.HResult -eq [int]0xC1000002 -and
                    $e.StackTrace -match 'BCrypt') {
                    $reason = "wine's CNG cannot import an RSA private key (X509Certificate2.CreateFromPemFile fails with 0xC1000002 in BCryptGetProperty)"
                }
            }
        }
        'Cim' {
            if ($IsWindows) {
                $answer = Invoke-TestChildSession -Answer CIM -TimeoutSeconds 120 -Command @'
try { $null = Get-CimInstance -ClassName Win32_Process -Filter "ProcessId = $PID" -ErrorAction Stop; 'CIM: works' }
catch { 'CIM: ' + $_.Exception.Message }
'@
                if ($answer -match "^CIM: .*'Microsoft\.Management\.Infrastructure\.Native\.\w+' threw an exception") {
                    $reason = "wine cannot run CIM (Microsoft.Management.Infrastructure fails to start, then the process hangs): a Process object's CommandLine property calls Get-CimInstance on Windows"
                }
            }
        }
    }
    [System.AppDomain]::CurrentDomain.SetData($key, [string]$reason)
    $reason
}

function Invoke-TestChildSession {
    <#
    .SYNOPSIS
    Runs a command in a child session (Get-TestPwshCommand) and returns its first line of output that starts with
    "$Answer: ", or $null; the child is ended once that line came or the time ran out.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [string] $Command, [Parameter(Mandatory)] [string] $Answer, [int] $TimeoutSeconds = 60)
    $pwsh = Get-TestPwshCommand
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh.Path)
    foreach ($a in @($pwsh.Argument) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $child = [System.Diagnostics.Process]::Start($info)
    try {
        $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $left = [int]($deadline - [datetime]::UtcNow).TotalMilliseconds
            if ($left -le 0) { return $null }
            $read = $child.StandardOutput.ReadLineAsync()
            if (-not $read.Wait($left)) { return $null }
            $line = $read.Result
            if ($null -eq $line) { return $null }
            if ($line.StartsWith("$($Answer): ", [System.StringComparison]::Ordinal)) { return $line.TrimEnd() }
        }
    }
    finally {
        if (-not $child.HasExited) { $child.Kill($true) }
        $null = $child.WaitForExit(10000)
        $child.Dispose()
    }
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestPwshCommand, Get-TestSkipReason
