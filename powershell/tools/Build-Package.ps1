<#
.SYNOPSIS
Builds the module's package for the PowerShell Gallery (a .nupkg) with
PSResourceGet's Publish-PSResource, as the Gallery would receive it.

.DESCRIPTION
Stages the module as `make module` lays it out (-ModulePath, without its
runtimes/ folder), adds the native library of each runtime given with -Native
under runtimes/<rid>/native/ (the file keeps its name: the loader looks for
group_writeback.dll on Windows, libgroup_writeback.so on Linux) and the
project's LICENSE. Then it completes the staged copy of the manifest with what
a package must carry and the source keeps only once:

- PrivateData.PSData.Tags: the source's tags, plus PSCommand_<name> for each
  name in CmdletsToExport and FunctionsToExport. The Gallery's command search
  (Find-PSResource -CommandName) reads these tags, and Publish-PSResource adds
  none, only "PSModule". Generating them here keeps CmdletsToExport the one
  list of the module's commands: a command added there is tagged in the next
  package without anyone remembering a second list.
- FileList: the source's list plus the files added here.
- ReleaseNotes: this version's section of CHANGELOG.md (the Gallery shows it
  on the package's page), then where the full history is.

The build fails when: a staged file is not in FileList or a FileList entry is
not staged; Test-ModuleManifest rejects the staged manifest; CHANGELOG.md has
no section for ModuleVersion; the source's tags already hold a PSCommand_ tag
(a second, hand-kept list); a native library is not a binary for its runtime
(PE or ELF, and the architecture of the rid).

Publishing happens in a child pwsh whose HOME (and, on Windows, user profile
folders) point into a temporary folder: PSResourceGet keeps its repository
list under the user's local application data, and the folder repository
registered for this build must not appear in the user's settings. The result
is <OutputPath>/<Name>.<ModuleVersion>.nupkg (earlier packages of the module
in OutputPath are removed first).

.EXAMPLE
pwsh -File powershell/tools/Build-Package.ps1 -ModulePath powershell/GroupWriteback -Native linux-x64=target/release/libgroup_writeback.so,win-x64=target/windows/bin/group_writeback.dll -OutputPath target/package
#>
[CmdletBinding()]
param(
    # The module folder as `make module` lays it out.
    [Parameter(Mandatory)] [string] $ModulePath,
    # rid=path of each native library to ship, e.g. linux-x64=target/release/libgroup_writeback.so.
    [Parameter(Mandatory)] [string[]] $Native,
    # Where the .nupkg goes.
    [Parameter(Mandatory)] [string] $OutputPath,
    # The license shipped at the package's root.
    [string] $LicensePath = (Join-Path -Path $PSScriptRoot -ChildPath '../../LICENSE')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$LicensePath = (Resolve-Path -LiteralPath $LicensePath).Path
$name = Split-Path -Path $ModulePath -Leaf
$sourceManifestPath = Join-Path -Path $ModulePath -ChildPath "$name.psd1"
$manifest = Import-PowerShellDataFile -LiteralPath $sourceManifestPath
$version = $manifest.ModuleVersion
$psData = $manifest.PrivateData.PSData

# ------------------------------------------------------------------ checks of the source
$handTagged = @($psData.Tags | Where-Object { $_ -like 'PSCommand_*' })
if ($handTagged.Count -gt 0) {
    throw "$sourceManifestPath lists PSCommand_ tags ($($handTagged -join ', ')): they are generated from CmdletsToExport at package time; remove them from the source."
}
$commands = @(@($manifest.CmdletsToExport) + @($manifest.FunctionsToExport) | Where-Object { $_ })
if ($commands.Count -eq 0 -or @($commands | Where-Object { $_ -match '[*?]' }).Count -gt 0) {
    throw "$sourceManifestPath must list its commands by name in CmdletsToExport/FunctionsToExport (no wildcards): the Gallery's PSCommand_ tags are made from them."
}
if ($psData.ContainsKey('ProjectUri') -and ([uri] $psData.ProjectUri).Host -like '*.invalid') {
    Write-Warning "ProjectUri is still the placeholder '$($psData.ProjectUri)': set the project's public address in $sourceManifestPath before publishing to the PowerShell Gallery."
}

$changelogPath = Join-Path -Path $ModulePath -ChildPath 'CHANGELOG.md'
$changelog = Get-Content -LiteralPath $changelogPath
$section = [System.Collections.Generic.List[string]]::new()
$inSection = $false
foreach ($line in $changelog) {
    if ($line -match '^## ') {
        if ($inSection) { break }
        $inSection = $line -match ('^## +' + [regex]::Escape($version) + '(\s|$)')
        continue
    }
    if ($inSection) { $section.Add($line) }
}
$notes = ($section -join "`n").Trim()
if (-not $notes) {
    throw "CHANGELOG.md has no section '## $version' (the manifest's ModuleVersion) with its changes: the package's release notes are that section."
}
$notes += "`n`nThe full history: CHANGELOG.md, in the module's folder."

# ------------------------------------------------------------------ native libraries
function Assert-NativeBinary {
    param([string] $Rid, [string] $Path)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $arch = ($Rid -split '-', 2)[1]
    if ($Rid -like 'win-*') {
        # PE: "MZ", the PE header's offset at 0x3C, then "PE\0\0" and the machine
        # (https://learn.microsoft.com/windows/win32/debug/pe-format#machine-types).
        $machines = @{ x64 = 0x8664; arm64 = 0xAA64; x86 = 0x14C }
        $ok = $bytes.Length -gt 0x40 -and $bytes[0] -eq 0x4D -and $bytes[1] -eq 0x5A
        if ($ok) {
            $pe = [BitConverter]::ToInt32($bytes, 0x3C)
            $ok = $pe -gt 0 -and $pe + 6 -lt $bytes.Length -and
                [System.Text.Encoding]::ASCII.GetString($bytes, $pe, 4) -eq "PE`0`0" -and
                ($machines.ContainsKey($arch) -and [BitConverter]::ToUInt16($bytes, $pe + 4) -eq $machines[$arch])
        }
        if (-not $ok) { throw "$Path is not a Windows $arch DLL (PE) for runtime $Rid." }
    }
    elseif ($Rid -like 'linux-*') {
        # ELF: magic, then e_machine at offset 18 (62 = x86-64, 183 = AArch64).
        $machines = @{ x64 = 62; arm64 = 183 }
        $ok = $bytes.Length -gt 20 -and $bytes[0] -eq 0x7F -and [System.Text.Encoding]::ASCII.GetString($bytes, 1, 3) -eq 'ELF' -and
            $machines.ContainsKey($arch) -and [BitConverter]::ToUInt16($bytes, 18) -eq $machines[$arch]
        if (-not $ok) { throw "$Path is not a Linux $arch shared library (ELF) for runtime $Rid." }
    }
    else {
        throw "Runtime '$Rid' is not one this script can check (win-*, linux-*)."
    }
}

$natives = [ordered]@{}
foreach ($entry in $Native) {
    foreach ($item in ($entry -split ',')) {
        $rid, $path = $item -split '=', 2
        if (-not $rid -or -not $path) { throw "-Native takes rid=path (e.g. win-x64=target/windows/bin/group_writeback.dll), not '$item'." }
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { throw "The native library for $rid is missing: $path" }
        $full = (Resolve-Path -LiteralPath $path).Path
        Assert-NativeBinary -Rid $rid -Path $full
        $natives[$rid] = $full
    }
}

# ------------------------------------------------------------------ staging
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$work = Join-Path -Path $OutputPath -ChildPath 'build'
if (Test-Path -LiteralPath $work) { Remove-Item -LiteralPath $work -Recurse -Force }
$stage = Join-Path -Path $work -ChildPath $name
$null = New-Item -ItemType Directory -Path $stage -Force
foreach ($item in Get-ChildItem -LiteralPath $ModulePath -Force) {
    if ($item.Name -eq 'runtimes') { continue }
    Copy-Item -LiteralPath $item.FullName -Destination $stage -Recurse -Force
}
$added = [System.Collections.Generic.List[string]]::new()
Copy-Item -LiteralPath $LicensePath -Destination (Join-Path -Path $stage -ChildPath 'LICENSE')
$added.Add('LICENSE')
foreach ($rid in $natives.Keys) {
    $relative = "runtimes/$rid/native/$(Split-Path -Path $natives[$rid] -Leaf)"
    $target = Join-Path -Path $stage -ChildPath $relative
    $null = New-Item -ItemType Directory -Path (Split-Path -Path $target -Parent) -Force
    Copy-Item -LiteralPath $natives[$rid] -Destination $target
    $added.Add($relative)
}

# ------------------------------------------------------------------ the packaged manifest
# Replaces values in the manifest's text by the extents of its AST, so the rest
# of the file (comments, order, layout) stays as written.
function Get-ManifestPair {
    param($Hashtable, [string] $Key)
    foreach ($pair in $Hashtable.KeyValuePairs) {
        if ($pair.Item1 -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $pair.Item1.Value -eq $Key) { return $pair }
    }
    throw "The manifest has no key '$Key' here."
}

function Get-NestedHashtable {
    param($Pair)
    $expression = $Pair.Item2.PipelineElements[0].Expression
    if ($expression -isnot [System.Management.Automation.Language.HashtableAst]) { throw "'$($Pair.Item1.Value)' is not a hashtable in the manifest." }
    $expression
}

function ConvertTo-Literal {
    param([string] $Text)
    "'" + $Text.Replace("'", "''") + "'"
}

function Format-ArrayLiteral {
    param([string[]] $Items, [int] $Indent)
    $pad = ' ' * ($Indent + 4)
    "@(`n" + (($Items | ForEach-Object { $pad + (ConvertTo-Literal $_) }) -join "`n") + "`n" + (' ' * $Indent) + ')'
}

function Format-HereString {
    param([string] $Text)
    if ($Text -match "(^|`n)'@") { throw "The release notes contain a line that starts with '@, which would end the manifest's here-string." }
    "@'`n" + $Text.Replace("`r`n", "`n") + "`n'@"
}

$stagedManifestPath = Join-Path -Path $stage -ChildPath "$name.psd1"
$text = [System.IO.File]::ReadAllText($stagedManifestPath)
$tokens = $null
$errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref] $tokens, [ref] $errors)
if ($errors.Count -gt 0) { throw "The manifest does not parse: $($errors[0].Message)" }
$top = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false)
$psDataAst = Get-NestedHashtable (Get-ManifestPair (Get-NestedHashtable (Get-ManifestPair $top 'PrivateData')) 'PSData')

$tags = @($psData.Tags) + @($commands | ForEach-Object { "PSCommand_$_" })
$fileList = @($manifest.FileList) + @($added)
$replacements = @(
    @{ Pair = Get-ManifestPair $psDataAst 'Tags'; Value = { param($pair) Format-ArrayLiteral -Items $tags -Indent ($pair.Item1.Extent.StartColumnNumber - 1) } }
    @{ Pair = Get-ManifestPair $psDataAst 'ReleaseNotes'; Value = { param($pair) Format-HereString -Text $notes } }
    @{ Pair = Get-ManifestPair $top 'FileList'; Value = { param($pair) Format-ArrayLiteral -Items $fileList -Indent ($pair.Item1.Extent.StartColumnNumber - 1) } }
) | Sort-Object -Property { $_.Pair.Item2.Extent.StartOffset } -Descending
foreach ($r in $replacements) {
    $extent = $r.Pair.Item2.Extent
    $text = $text.Substring(0, $extent.StartOffset) + (& $r.Value $r.Pair) + $text.Substring($extent.EndOffset)
}
[System.IO.File]::WriteAllText($stagedManifestPath, $text, [System.Text.UTF8Encoding]::new($false))

# ------------------------------------------------------------------ checks of the staged module
$staged = @(Get-ChildItem -LiteralPath $stage -Recurse -File | ForEach-Object {
        [System.IO.Path]::GetRelativePath($stage, $_.FullName).Replace('\', '/')
    })
$listed = @((Import-PowerShellDataFile -LiteralPath $stagedManifestPath).FileList)
$unlisted = @($staged | Where-Object { $_ -notin $listed })
$missing = @($listed | Where-Object { $_ -notin $staged })
if ($unlisted.Count -gt 0 -or $missing.Count -gt 0) {
    throw ("The package's files and its manifest's FileList differ." +
        $(if ($unlisted) { " Not in FileList: $($unlisted -join ', ')." }) +
        $(if ($missing) { " Listed but missing: $($missing -join ', ')." }))
}
$null = Test-ModuleManifest -Path $stagedManifestPath -ErrorAction Stop

# ------------------------------------------------------------------ publishing
$isolated = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("gwb-package-" + [guid]::NewGuid().ToString('n'))
$repository = Join-Path -Path $isolated -ChildPath 'repository'
$null = New-Item -ItemType Directory -Path $repository -Force
try {
    $publish = @'
$ErrorActionPreference = 'Stop'
$root = $env:GWB_ISOLATED_ROOT
foreach ($folder in 'LocalApplicationData', 'ApplicationData') {
    $path = [Environment]::GetFolderPath($folder, 'DoNotVerify')
    if (-not $path.StartsWith($root, [StringComparison]::OrdinalIgnoreCase)) {
        throw "PSResourceGet's settings would go to $path, outside the temporary folder ${root}: not publishing."
    }
}
$name = 'gwb-build-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
Register-PSResourceRepository -Name $name -Uri $env:GWB_REPOSITORY -Trusted
Publish-PSResource -Path $env:GWB_STAGE -Repository $name
'@
    # The same pwsh as this one: its executable, or `dotnet pwsh.dll` where
    # PowerShell runs as a .NET tool.
    $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([System.IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
        $info.ArgumentList.Add([Environment]::GetCommandLineArgs()[0])
    }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $publish) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $profileRoot = Join-Path -Path $isolated -ChildPath 'home'
    $null = New-Item -ItemType Directory -Path $profileRoot -Force
    $info.Environment['GWB_ISOLATED_ROOT'] = $isolated
    $info.Environment['GWB_REPOSITORY'] = $repository
    $info.Environment['GWB_STAGE'] = $stage
    $info.Environment['HOME'] = $profileRoot
    foreach ($v in 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath') { $null = $info.Environment.Remove($v) }
    if ($IsWindows) {
        $info.Environment['USERPROFILE'] = $profileRoot
        $info.Environment['LOCALAPPDATA'] = Join-Path -Path $profileRoot -ChildPath 'AppData/Local'
        $info.Environment['APPDATA'] = Join-Path -Path $profileRoot -ChildPath 'AppData/Roaming'
    }
    $process = [System.Diagnostics.Process]::Start($info)
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "Publish-PSResource failed (exit code $($process.ExitCode))." }
    $built = @(Get-ChildItem -LiteralPath $repository -Filter '*.nupkg' -File)
    if ($built.Count -ne 1) { throw "Publish-PSResource left $($built.Count) packages in $repository, expected one." }
    Get-ChildItem -LiteralPath $OutputPath -Filter "$name.*.nupkg" -File | Remove-Item -Force
    $result = Join-Path -Path $OutputPath -ChildPath $built[0].Name
    Move-Item -LiteralPath $built[0].FullName -Destination $result
}
finally {
    Remove-Item -LiteralPath $isolated -Recurse -Force -ErrorAction SilentlyContinue
}
$size = (Get-Item -LiteralPath $result).Length
"package: $result ($([math]::Round($size / 1MB, 1)) MB; runtimes: $($natives.Keys -join ', '); tags: $($tags.Count), of which $($commands.Count) PSCommand_)"
