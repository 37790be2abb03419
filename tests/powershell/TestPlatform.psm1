# Test helper: what differs between the platforms the Pester suite runs on
# (pwsh on Linux; a Windows PowerShell 7 host under wine, `make
# test-windows-pwsh`): which module folder to import, how to start a child
# session of the same PowerShell, how to start one on a stand-in for an Azure
# Arc-enabled server, and which operations the platform cannot do.

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

function Get-TestArcServerCommand {
    <#
    .SYNOPSIS
    How to start a child session (Get-TestPwshCommand's) that sees a folder of its own as the Azure Connected Machine
    agent's key folder, where the library reads the agent's challenge key files from: Path and Argument (then pwsh's
    own arguments), Environment (variables to set for it) and KeyFolder (the folder, as the child sees it).
    .DESCRIPTION
    The folder is the platform's, as Microsoft documents it
    (https://learn.microsoft.com/en-us/azure/azure-arc/servers/managed-identity-authentication):
    %ProgramData%\AzureConnectedMachineAgent\Tokens on Windows, where the child gets a ProgramData under Root;
    /var/opt/azcmagent/tokens on Linux, where the child runs in a mount namespace of its own (unshare) with a tmpfs
    on /var/opt, so that nothing is written outside it. Get-TestSkipReason ArcAgentFolder says whether that works here.
    .PARAMETER Root
    A folder of the test's own (on Windows the child's ProgramData).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [string] $Root)
    $pwsh = Get-TestPwshCommand
    if ($IsWindows) {
        $programData = Join-Path -Path $Root -ChildPath 'ProgramData'
        $keyFolder = Join-Path -Path $programData -ChildPath 'AzureConnectedMachineAgent\Tokens'
        $null = New-Item -ItemType Directory -Path $keyFolder -Force
        return [pscustomobject]@{ Path = $pwsh.Path; Argument = @($pwsh.Argument); Environment = @{ ProgramData = $programData }; KeyFolder = $keyFolder }
    }
    $keyFolder = '/var/opt/azcmagent/tokens'
    $prepare = "mount -t tmpfs tmpfs /var/opt && mkdir -p $keyFolder && exec ""`$0"" ""`$@"""
    [pscustomobject]@{
        Path        = 'unshare'
        Argument    = @('--user', '--map-root-user', '--mount', 'sh', '-c', $prepare, $pwsh.Path) + @($pwsh.Argument)
        Environment = @{}
        KeyFolder   = $keyFolder
    }
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
    ArcAgentFolder: Get-TestArcServerCommand's stand-in for the Azure Arc agent's key folder. On Linux it needs a mount
    namespace of the test's own (unshare --user --mount), which a container may not allow; on Windows nothing.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [ValidateSet('PemCertificate', 'ArcAgentFolder')] [string] $Capability)
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
        'ArcAgentFolder' {
            if (-not $IsWindows) {
                $said = try { & unshare --user --map-root-user --mount sh -c 'mount -t tmpfs tmpfs /var/opt' 2>&1 } catch { $_.Exception.Message }
                if ($LASTEXITCODE -ne 0 -or -not $?) {
                    $reason = "no mount namespace of the test's own to stand in for the Azure Arc agent's key folder (unshare: $(($said | Out-String).Trim()))"
                }
            }
        }
    }
    [System.AppDomain]::CurrentDomain.SetData($key, [string]$reason)
    $reason
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestPwshCommand, Get-TestArcServerCommand, Get-TestSkipReason
