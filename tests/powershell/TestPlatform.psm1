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
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [ValidateSet('PemCertificate')] [string] $Capability)
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
    }
    [System.AppDomain]::CurrentDomain.SetData($key, [string]$reason)
    $reason
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestPwshCommand, Get-TestSkipReason
