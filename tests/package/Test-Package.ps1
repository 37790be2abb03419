<#
.SYNOPSIS
Installs the module's PowerShell Gallery package (target/package, built by
`make package`) as a user would, and uses it: the same script in pwsh on Linux
and in PowerShell 7 for Windows under wine (`make test-package`).

.DESCRIPTION
1. The .nupkg itself: its files are exactly its manifest's FileList; it
   carries the native library of each runtime in -Runtime and no other, both
   interop builds (bin/net6.0, bin/net472), the help and LICENSE; its .nuspec
   has one PSCommand_<name> tag per exported command and no other.
2. In a throwaway profile, a child PowerShell registers a folder repository
   holding the package under a random name, finds the module by name and by
   command (Find-PSResource -CommandName reads the PSCommand_ tags), and
   installs it with `Install-PSResource -Scope CurrentUser`. The profile:
   - Linux, macOS: a temporary folder as HOME (XDG_* cleared). PSResourceGet
     installs CurrentUser modules under $HOME/.local/share/powershell, even
     when XDG_DATA_HOME is set, and keeps its repository list in .NET's
     LocalApplicationData ($XDG_DATA_HOME, else $HOME/.local/share). The
     child checks that both resolve inside the temporary folder, and installs
     nothing otherwise.
   - Windows: both come from known folders (Documents\PowerShell\Modules,
     %LOCALAPPDATA%\PSResourceGet), which Windows (and wine) resolve from the
     user's profile, not from USERPROFILE or other variables of the process:
     there is no per-process redirection. So the test installs into the
     user's profile only when it is fresh (no PSResourceGet settings, no
     GroupWriteback in Documents\PowerShell\Modules), and removes what it
     created afterwards. tests/package/run.sh gives it such a profile: a wine
     prefix of its own, whose user folders are plain folders inside the
     prefix (wine links Documents to the Linux HOME by default).
3. The installed files: both runtimes, both bin folders, the help, LICENSE;
   the installed manifest passes Test-ModuleManifest.
4. A fresh PowerShell (the same executable, same throwaway profile, no
   inherited PSModulePath) imports GroupWriteback by name, from the installed
   folder, and runs it: its commands, the native library of this platform
   loaded from the installed runtimes/<rid>/native/, Resolve-GroupWriteback
   and Test-GroupWritebackChange on samples/groups.json, Get-Help
   Set-GroupWriteback.
5. Uninstall-PSResource removes it; the user's own PSResourceGet repository
   settings are as before; the temporary folder is removed.

Prints one line per check and ends with
"package test (<host>): N passed, M failed" (tests/package/run.sh adds the
hosts up into the one `N passed, M failed` line). Exit code 1 when a check
failed.

Runs unchanged in pwsh 7 on Linux and in a Windows PowerShell 7 host
(target/windows/pwsh/PwshHost.exe) under wine: children are started with
[Environment]::ProcessPath (`dotnet pwsh.dll` where PowerShell runs as a .NET
tool), with the arguments pwsh takes.
#>
[CmdletBinding()]
param(
    # main (the default) runs everything; the others are run by main in a child process.
    [ValidateSet('main', 'install', 'use', 'uninstall')]
    [string] $Step = 'main',
    # The runtimes the package must carry (a list, or one comma-separated string).
    [string[]] $Runtime = @('linux-x64', 'win-x64')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$moduleName = 'GroupWriteback'
$sourceManifest = Import-PowerShellDataFile -LiteralPath (Join-Path -Path $repoRoot -ChildPath "powershell/$moduleName/$moduleName.psd1")
$commands = @($sourceManifest.CmdletsToExport) + @($sourceManifest.FunctionsToExport) | Where-Object { $_ } | Sort-Object
$isWindowsHost = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)
$Runtime = @($Runtime -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })

# ------------------------------------------------------------------ results
$script:passed = 0
$script:failed = 0

function Write-Result {
    param([string] $Name, [bool] $Ok, [string] $Detail)
    if ($Ok) {
        $script:passed++
        "PASS $Name"
    }
    else {
        $script:failed++
        "FAIL $Name" + $(if ($Detail) { ": $Detail" })
    }
}

# Runs one check: the script block returns $true, or $false / throws with the reason.
function Test-That {
    param([string] $Name, [scriptblock] $Check)
    try {
        $result = & $Check
        if ($result -is [string]) { Write-Result -Name $Name -Ok $false -Detail $result }
        else { Write-Result -Name $Name -Ok ([bool] $result) -Detail 'the condition was false' }
    }
    catch {
        Write-Result -Name $Name -Ok $false -Detail $_.Exception.Message
    }
}

# "" when the two lists hold the same strings, else what differs.
function Compare-Names {
    param([string[]] $Expected, [string[]] $Actual)
    $missing = @($Expected | Where-Object { $_ -notin $Actual })
    $extra = @($Actual | Where-Object { $_ -notin $Expected })
    if ($missing.Count -eq 0 -and $extra.Count -eq 0) { return $true }
    ($(if ($missing) { "missing: $($missing -join ', ')" }), $(if ($extra) { "unexpected: $($extra -join ', ')" }) | Where-Object { $_ }) -join '; '
}

function Test-UnderFolder {
    param([string] $Path, [string] $Folder)
    $p = [System.IO.Path]::GetFullPath($Path).TrimEnd('\', '/')
    $f = [System.IO.Path]::GetFullPath($Folder).TrimEnd('\', '/')
    $p.StartsWith($f + [System.IO.Path]::DirectorySeparatorChar, [StringComparison]::OrdinalIgnoreCase) -or
        $p.Equals($f, [StringComparison]::OrdinalIgnoreCase)
}

function Test-SamePath {
    param([string] $A, [string] $B)
    $comparison = if ($isWindowsHost) { [StringComparison]::OrdinalIgnoreCase } else { [StringComparison]::Ordinal }
    [string]::Equals([System.IO.Path]::GetFullPath($A).TrimEnd('\', '/'), [System.IO.Path]::GetFullPath($B).TrimEnd('\', '/'), $comparison)
}

function Import-PSResourceGet {
    # PowerShell 7.4 and later ship it in PSHOME/Modules.
    Import-Module -Name Microsoft.PowerShell.PSResourceGet
}

# Linux, macOS: where PSResourceGet keeps its repository list
# (<LocalApplicationData>/PSResourceGet) and CurrentUser modules
# ($HOME/.local/share/powershell), unless inside the temporary folder.
function Get-IsolationProblem {
    param([string] $Root)
    $places = [ordered]@{
        'LocalApplicationData' = [Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')
        'HOME'                 = $env:HOME
    }
    $outside = @($places.Keys | Where-Object { -not $places[$_] -or -not (Test-UnderFolder -Path $places[$_] -Folder $Root) } |
            ForEach-Object { "$_ is '$($places[$_])'" })
    if ($outside.Count -gt 0) { "outside the temporary profile $($Root): $($outside -join ', ')" } else { $null }
}

# ------------------------------------------------------------------ child steps
if ($Step -ne 'main') {
    $root = $env:GWB_PKGTEST_ROOT
    $script:installedFolder = $null
    try {
        if (-not $isWindowsHost) {
            $problem = Get-IsolationProblem -Root $root
            Test-That "the $Step step's profile folders are inside the temporary folder" { if ($problem) { $problem } else { $true } }
            if ($problem) { throw 'not touching a real profile' }
        }
        switch ($Step) {
            'install' {
                Import-PSResourceGet
                $repository = 'gwb-test-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
                Register-PSResourceRepository -Name $repository -Uri $env:GWB_PKGTEST_REPOSITORY -Trusted
                Test-That 'Find-PSResource finds the module in the folder repository' {
                    $found = @(Find-PSResource -Name $moduleName -Repository $repository)
                    if ($found.Count -ne 1) { return "found $($found.Count)" }
                    if ("$($found[0].Version)" -ne $sourceManifest.ModuleVersion) { return "version $($found[0].Version), the manifest says $($sourceManifest.ModuleVersion)" }
                    $true
                }
                foreach ($command in $commands) {
                    Test-That "Find-PSResource -CommandName $command finds the module (PSCommand_ tag)" {
                        $found = @(Find-PSResource -CommandName $command -Repository $repository)
                        if ($found.Count -ne 1) { return "found $($found.Count) results" }
                        $parent = $found[0].ParentResource
                        if ($parent.Name -ne $moduleName) { return "found $($parent.Name)" }
                        $true
                    }
                }
                Test-That 'Install-PSResource -Scope CurrentUser installs it into the test''s profile' {
                    Install-PSResource -Name $moduleName -Repository $repository -Scope CurrentUser -TrustRepository -Quiet
                    $installed = @(Get-InstalledPSResource -Name $moduleName -Scope CurrentUser)
                    if ($installed.Count -ne 1) { return "Get-InstalledPSResource lists $($installed.Count)" }
                    $folder = Join-Path -Path $installed[0].InstalledLocation -ChildPath "$moduleName/$($installed[0].Version)"
                    if (-not (Test-UnderFolder -Path $folder -Folder $env:GWB_PKGTEST_MODULES)) { return "installed to $folder, not under $env:GWB_PKGTEST_MODULES" }
                    if (-not (Test-Path -LiteralPath (Join-Path -Path $folder -ChildPath "$moduleName.psd1"))) { return "no manifest in $folder" }
                    $script:installedFolder = [System.IO.Path]::GetFullPath($folder)
                    $true
                }
                if ($script:installedFolder) { "INSTALLED $script:installedFolder" }
            }
            'use' {
                Import-Module -Name $moduleName
                $module = Get-Module -Name $moduleName
                Test-That 'Import-Module GroupWriteback (by name) loads the installed module' {
                    if (@($module).Count -ne 1) { return "$(@($module).Count) modules loaded" }
                    if (-not (Test-SamePath $module.ModuleBase $env:GWB_PKGTEST_INSTALLED)) { return "loaded from $($module.ModuleBase), installed in $env:GWB_PKGTEST_INSTALLED" }
                    if ("$($module.Version)" -ne $sourceManifest.ModuleVersion) { return "version $($module.Version)" }
                    $true
                }
                Test-That 'Get-Command -Module GroupWriteback lists exactly the manifest''s commands' {
                    Compare-Names -Expected $commands -Actual @(Get-Command -Module $moduleName | ForEach-Object Name)
                }
                Test-That "the native library for $([GroupWriteback.Native.NativeLoader]::RuntimeIdentifier) is loaded from the installed runtimes folder" {
                    $rid = [GroupWriteback.Native.NativeLoader]::RuntimeIdentifier
                    $expected = Join-Path -Path $module.ModuleBase -ChildPath "runtimes/$rid/native/$([GroupWriteback.Native.NativeLoader]::LibraryFileName)"
                    $loaded = [GroupWriteback.Native.NativeLoader]::LoadedPath
                    if (-not [GroupWriteback.Native.NativeLoader]::IsReady) { return 'the loader is not ready' }
                    if (-not (Test-SamePath $loaded $expected)) { return "loaded $loaded, expected $expected" }
                    $true
                }
                $sample = Join-Path -Path $repoRoot -ChildPath 'samples/groups.json'
                Test-That 'Resolve-GroupWriteback explains samples/groups.json' {
                    $groups = @(Get-Content -LiteralPath $sample -Raw | Resolve-GroupWriteback)
                    $expectedCount = @((Get-Content -LiteralPath $sample -Raw | ConvertFrom-Json).value).Count
                    if ($groups.Count -ne $expectedCount) { return "$($groups.Count) results for $expectedCount groups" }
                    # The rule the module exists for: a Microsoft 365 group with
                    # both properties null shows "No writeback" and is written back as distribution.
                    $library = $groups | Where-Object DisplayName -eq 'Library Assist'
                    if ($library.WritebackState -ne 'NoWriteback' -or $library.WrittenBack -ne $true -or $library.WrittenBackAs -ne 'universalDistributionGroup') {
                        return "Library Assist: $($library.WritebackState), written back $($library.WrittenBack) as $($library.WrittenBackAs)"
                    }
                    # A type the documents do not name: the rules cannot tell.
                    $legacy = $groups | Where-Object DisplayName -eq 'Legacy Import'
                    if ($null -ne $legacy.WrittenBack -or $legacy.EffectiveWriteback -ne 'Unknown') { return "Legacy Import: written back $($legacy.WrittenBack), $($legacy.EffectiveWriteback)" }
                    $true
                }
                Test-That 'Test-GroupWritebackChange gives the PATCH body for a sample group' {
                    $group = (Get-Content -LiteralPath $sample -Raw | ConvertFrom-Json).value | Where-Object displayName -eq 'Library Assist'
                    $decision = $group | Test-GroupWritebackChange -State NoWriteback
                    if ($decision.Outcome -ne 'Send' -or $decision.Body -ne '{"writebackConfiguration":{"isEnabled":false}}') { return "$($decision.Outcome): $($decision.Body)" }
                    $true
                }
                Test-That 'Get-Help Set-GroupWriteback shows the written help' {
                    $help = Get-Help -Name Set-GroupWriteback -Full
                    if ($help.Synopsis -notmatch 'writeback state') { return "synopsis: $($help.Synopsis)" }
                    $examples = @($help.examples.example)
                    if ($examples.Count -lt 2) { return "$($examples.Count) examples" }
                    $state = @($help.parameters.parameter | Where-Object name -eq 'State')
                    if ($state.Count -ne 1 -or -not ($state[0].description | Out-String).Trim()) { return 'no description of -State' }
                    $text = Get-Help -Name Set-GroupWriteback | Out-String
                    if ($text -notmatch 'Set-GroupWriteback' -or $text -notmatch 'SYNOPSIS') { return 'Get-Help printed no help page' }
                    $true
                }
            }
            'uninstall' {
                Import-PSResourceGet
                Test-That 'Uninstall-PSResource removes it' {
                    Uninstall-PSResource -Name $moduleName -Scope CurrentUser
                    if (Test-Path -LiteralPath $env:GWB_PKGTEST_INSTALLED) { return "$env:GWB_PKGTEST_INSTALLED is still there" }
                    if (@(Get-InstalledPSResource -Name $moduleName -Scope CurrentUser -ErrorAction SilentlyContinue).Count -ne 0) { return 'still listed as installed' }
                    $true
                }
            }
        }
    }
    catch {
        Write-Result -Name "the $Step step ran to its end" -Ok $false -Detail $_.Exception.Message
    }
    "CHILD $script:passed $script:failed"
    exit 0
}

# ------------------------------------------------------------------ main
$hostName = "PowerShell $($PSVersionTable.PSVersion) on $(if ($isWindowsHost) { 'Windows' } elseif ($IsMacOS) { 'macOS' } else { 'Linux' })"
"package test in $hostName"

# The children's environment: on Linux and macOS a temporary HOME, on Windows
# the user's own profile (checked to be fresh, see the description). No
# inherited PSModulePath: a fresh PowerShell computes its own.
function Get-ProfileEnvironment {
    param([string] $Root)
    if ($isWindowsHost) { return @{ Set = @{}; Remove = @('PSModulePath') } }
    $homeFolder = Join-Path -Path $Root -ChildPath 'home'
    $null = New-Item -ItemType Directory -Path $homeFolder -Force
    @{ Set = @{ HOME = $homeFolder }; Remove = @('XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath') }
}

function Invoke-Child {
    param([string] $ChildStep, [hashtable] $Environment, [hashtable] $Extra)
    $exe = [Environment]::ProcessPath
    $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $info.ArgumentList.Add([Environment]::GetCommandLineArgs()[0])
    }
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Step', $ChildStep) {
        $info.ArgumentList.Add($a)
    }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    foreach ($k in $Environment.Set.Keys) { $info.Environment[$k] = $Environment.Set[$k] }
    foreach ($k in $Environment.Remove) { $null = $info.Environment.Remove($k) }
    foreach ($k in $Extra.Keys) { $info.Environment[$k] = $Extra[$k] }
    $process = [System.Diagnostics.Process]::Start($info)
    $errors = $process.StandardError.ReadToEndAsync()
    $lines = [System.Collections.Generic.List[string]]::new()
    while ($null -ne ($line = $process.StandardOutput.ReadLine())) { $lines.Add($line) }
    $process.WaitForExit()
    $counted = $false
    $installed = $null
    foreach ($line in $lines) {
        if ($line -match '^CHILD (\d+) (\d+)$') {
            $counted = $true
            $script:passed += [int] $Matches[1]
            $script:failed += [int] $Matches[2]
        }
        elseif ($line -match '^INSTALLED (.+)$') { $installed = $Matches[1] }
        else { $line }
    }
    if (-not $counted) {
        Write-Result -Name "the $ChildStep step reported its results" -Ok $false -Detail "exit code $($process.ExitCode); stderr: $($errors.Result.Trim())"
    }
    elseif ($errors.Result.Trim()) {
        "  (stderr of the $ChildStep step: $($errors.Result.Trim()))"
    }
    if ($installed) { $script:installedFolder = $installed }
}

$script:installedFolder = $null
# Windows: the user's profile folders the test may create, and must remove.
$windowsProfile = $null
if ($isWindowsHost) {
    $documentsPowerShell = Join-Path -Path ([Environment]::GetFolderPath('MyDocuments', 'DoNotVerify')) -ChildPath 'PowerShell'
    $windowsProfile = @{
        Settings                = Join-Path -Path ([Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')) -ChildPath 'PSResourceGet'
        Module                  = Join-Path -Path $documentsPowerShell -ChildPath "Modules/$moduleName"
        PowerShell              = $documentsPowerShell
        PowerShellExistedBefore = Test-Path -LiteralPath $documentsPowerShell
    }
}
# The user's own repository list, to compare afterwards.
$userRepositories = Join-Path -Path ([Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')) -ChildPath 'PSResourceGet/PSResourceRepository.xml'
$userRepositoriesBefore = if (Test-Path -LiteralPath $userRepositories) { (Get-FileHash -LiteralPath $userRepositories).Hash } else { 'absent' }
$temp = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('gwb-package-test-' + [guid]::NewGuid().ToString('n'))
try {
    # -------------------------------------------------------------- the .nupkg
    $packageFolder = Join-Path -Path $repoRoot -ChildPath 'target/package'
    # (Filtered here, not with -Filter: under wine, FindFirstFile does not match 'GroupWriteback.*.nupkg'.)
    $packages = @(Get-ChildItem -LiteralPath $packageFolder -File -ErrorAction SilentlyContinue | Where-Object Name -like "$moduleName.*.nupkg")
    if ($packages.Count -ne 1) { throw "expected one $moduleName package in $packageFolder (make package builds it), found $($packages.Count)" }
    $package = $packages[0]
    "package: $($package.Name), $([math]::Round($package.Length / 1MB, 1)) MB"
    Test-That 'the package is named for the manifest''s ModuleVersion' { $package.Name -eq "$moduleName.$($sourceManifest.ModuleVersion).nupkg" }

    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($package.FullName)
    try {
        $entries = @($zip.Entries | ForEach-Object { [uri]::UnescapeDataString($_.FullName) })
        $reader = [System.IO.StreamReader]::new($zip.GetEntry("$moduleName.nuspec").Open())
        [xml] $nuspec = $reader.ReadToEnd()
        $reader.Dispose()
        $reader = [System.IO.StreamReader]::new($zip.GetEntry("$moduleName.psd1").Open())
        $packagedManifestText = $reader.ReadToEnd()
        $reader.Dispose()
    }
    finally {
        $zip.Dispose()
    }
    $null = New-Item -ItemType Directory -Path $temp -Force
    $packagedManifestPath = Join-Path -Path $temp -ChildPath "packaged-$moduleName.psd1"
    [System.IO.File]::WriteAllText($packagedManifestPath, $packagedManifestText)
    $packagedManifest = Import-PowerShellDataFile -LiteralPath $packagedManifestPath
    # NuGet's own parts, then the module's files.
    $files = @($entries | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$)' -and $_ -ne "$moduleName.nuspec" })
    Test-That 'the package holds exactly the files of its manifest''s FileList' { Compare-Names -Expected @($packagedManifest.FileList) -Actual $files }
    Test-That "the package carries the native library of each runtime: $($Runtime -join ', ')" {
        $rids = @($files | Where-Object { $_ -match '^runtimes/([^/]+)/native/[^/]+$' } | ForEach-Object { ($_ -split '/')[1] } | Sort-Object -Unique)
        Compare-Names -Expected $Runtime -Actual $rids
    }
    Test-That 'the package carries both interop builds (bin/net6.0, bin/net472), the help, LICENSE and CHANGELOG.md' {
        Compare-Names -Expected @('bin/net6.0/GroupWriteback.Native.dll', 'bin/net472/GroupWriteback.Native.dll', 'bin/net472/System.Text.Json.dll',
            'en-US/GroupWriteback.Native.dll-Help.xml', 'LICENSE', 'CHANGELOG.md') -Actual @($files | Where-Object {
                $_ -in 'bin/net6.0/GroupWriteback.Native.dll', 'bin/net472/GroupWriteback.Native.dll', 'bin/net472/System.Text.Json.dll',
                'en-US/GroupWriteback.Native.dll-Help.xml', 'LICENSE', 'CHANGELOG.md' })
    }
    $tags = @($nuspec.package.metadata.tags -split '\s+' | Where-Object { $_ })
    Test-That 'the .nuspec has one PSCommand_ tag per exported command, and no other' {
        Compare-Names -Expected @($commands | ForEach-Object { "PSCommand_$_" }) -Actual @($tags | Where-Object { $_ -like 'PSCommand_*' })
    }
    Test-That 'the .nuspec has the platform and edition tags (Windows, Linux, PSEdition_Desktop, PSEdition_Core)' {
        Compare-Names -Expected @('Windows', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core') -Actual @($tags | Where-Object { $_ -in 'Windows', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core', 'MacOS' })
    }
    Test-That 'the .nuspec has the license, project address and this version''s release notes' {
        $m = $nuspec.package.metadata
        if (-not $m.licenseUrl -or -not $m.projectUrl) { return "licenseUrl '$($m.licenseUrl)', projectUrl '$($m.projectUrl)'" }
        $changelog = Get-Content -LiteralPath (Join-Path -Path $repoRoot -ChildPath "powershell/$moduleName/CHANGELOG.md") -Raw
        $first = ($m.releaseNotes -split "`n")[0].Trim()
        $section = [regex]::Match($changelog, '(?ms)^## +' + [regex]::Escape($sourceManifest.ModuleVersion) + '\b.*?(?=^## |\z)').Value
        if (-not $first -or -not $section.Contains($first)) { return "release notes begin '$first', not from the changelog's section for $($sourceManifest.ModuleVersion)" }
        $true
    }

    # -------------------------------------------------------------- install, use, uninstall

    $repositoryFolder = Join-Path -Path $temp -ChildPath 'repository'
    $null = New-Item -ItemType Directory -Path $repositoryFolder -Force
    Copy-Item -LiteralPath $package.FullName -Destination $repositoryFolder
    $environment = Get-ProfileEnvironment -Root $temp
    $extra = @{ GWB_PKGTEST_ROOT = $temp; GWB_PKGTEST_REPOSITORY = $repositoryFolder }
    if ($isWindowsHost) {
        $extra['GWB_PKGTEST_MODULES'] = Split-Path -Path $windowsProfile.Module -Parent
        $fresh = -not (Test-Path -LiteralPath $windowsProfile.Settings) -and -not (Test-Path -LiteralPath $windowsProfile.Module)
        Test-That 'the Windows profile is fresh: no PSResourceGet settings, no GroupWriteback in Documents\PowerShell\Modules' {
            if ($fresh) { $true } else { "$($windowsProfile.Settings) or $($windowsProfile.Module) exists: the test installs only into a fresh profile (tests/package/run.sh makes one)" }
        }
        if (-not $fresh) { $windowsProfile = $null; throw 'not installing into a profile in use' }
    }
    else {
        $extra['GWB_PKGTEST_MODULES'] = Join-Path -Path $environment.Set.HOME -ChildPath '.local/share/powershell/Modules'
    }

    Invoke-Child -ChildStep install -Environment $environment -Extra $extra
    if ($script:installedFolder) {
        $installed = $script:installedFolder
        $extra['GWB_PKGTEST_INSTALLED'] = $installed
        Test-That 'the installed module has both runtimes, both bin folders, the help and LICENSE' {
            $expected = @($Runtime | ForEach-Object { "runtimes/$_/native" }) + @('bin/net6.0', 'bin/net472', 'en-US', 'LICENSE')
            $absent = @($expected | Where-Object { -not (Test-Path -LiteralPath (Join-Path -Path $installed -ChildPath $_)) })
            if ($absent) { return "missing: $($absent -join ', ')" }
            foreach ($rid in $Runtime) {
                if (@(Get-ChildItem -LiteralPath (Join-Path -Path $installed -ChildPath "runtimes/$rid/native") -File).Count -ne 1) { return "runtimes/$rid/native does not hold one library" }
            }
            $true
        }
        Test-That 'the installed files are the package''s (plus PSResourceGet''s PSGetModuleInfo.xml)' {
            $onDisk = @(Get-ChildItem -LiteralPath $installed -Recurse -File | ForEach-Object {
                    [System.IO.Path]::GetRelativePath($installed, $_.FullName).Replace('\', '/') })
            Compare-Names -Expected (@($files) + 'PSGetModuleInfo.xml') -Actual $onDisk
        }
        Test-That 'the installed manifest passes Test-ModuleManifest' {
            $info = Test-ModuleManifest -Path (Join-Path -Path $installed -ChildPath "$moduleName.psd1") -ErrorAction Stop -WarningAction SilentlyContinue
            "$($info.Version)" -eq $sourceManifest.ModuleVersion
        }
        Invoke-Child -ChildStep use -Environment $environment -Extra $extra
        Invoke-Child -ChildStep uninstall -Environment $environment -Extra $extra
    }
    else {
        Write-Result -Name 'the install step said where it installed the module' -Ok $false -Detail 'nothing installed: the use and uninstall steps did not run'
    }

}
catch {
    Write-Result -Name 'the package test ran to its end' -Ok $false -Detail $_.Exception.Message
}
finally {
    if (Test-Path -LiteralPath $temp) { Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue }
    if ($windowsProfile) {
        # What the test created in the (fresh) Windows profile.
        foreach ($folder in $windowsProfile.Settings, $windowsProfile.Module) {
            if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
        }
        if (-not $windowsProfile.PowerShellExistedBefore -and (Test-Path -LiteralPath $windowsProfile.PowerShell)) {
            Remove-Item -LiteralPath $windowsProfile.PowerShell -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
Test-That 'the temporary folder is removed' { -not (Test-Path -LiteralPath $temp) }
Test-That 'the user''s PSResourceGet repository settings are as before' {
    $after = if (Test-Path -LiteralPath $userRepositories) { (Get-FileHash -LiteralPath $userRepositories).Hash } else { 'absent' }
    if ($after -ne $userRepositoriesBefore) { return "$userRepositories was $userRepositoriesBefore, is $after" }
    $true
}

"package test ($hostName): $script:passed passed, $script:failed failed"
exit $(if ($script:failed -eq 0) { 0 } else { 1 })
