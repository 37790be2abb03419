# How the module finds and checks its native library, each case in a new
# pwsh process (a native library cannot be unloaded from a session).

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    # The PowerShell running the tests (pwsh, or PwshHost.exe under wine), for each new session.
    $script:pwsh = Get-TestPwshCommand
    Import-Module -Name $moduleDir -Force -ErrorAction Stop

    # Imports a module folder in a new pwsh; returns its exit code and output.
    function Invoke-TestImport {
        param(
            [string] $Path,
            [AllowNull()] [string] $NativePath
        )
        $saved = $env:GROUPWRITEBACK_NATIVE_PATH
        try {
            $env:GROUPWRITEBACK_NATIVE_PATH = $NativePath
            $command = "try { Import-Module -Name '$Path' -ErrorAction Stop; 'IMPORTED ' + [GroupWriteback.Native.NativeLoader]::LoadedPath } catch { 'FAILED ' + `$_.Exception.Message; exit 3 }"
            $output = & $pwsh.Path @($pwsh.Argument) -NoProfile -NonInteractive -Command $command 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
        }
        finally {
            $env:GROUPWRITEBACK_NATIVE_PATH = $saved
        }
    }

    # A copy of the module's source files, without what `make module` builds.
    function Copy-TestModuleSource {
        param([string] $Destination)
        $null = New-Item -ItemType Directory -Path $Destination -Force
        foreach ($item in 'GroupWriteback.psd1', 'GroupWriteback.psm1', 'GroupWriteback.Check.ps1', 'GroupWriteback.Format.ps1xml', 'CHANGELOG.md') {
            Copy-Item -LiteralPath (Join-Path -Path $moduleDir -ChildPath $item) -Destination $Destination -Recurse
        }
    }
}

Describe 'Native library' {
    It 'is loaded for this platform from runtimes/RID/native and has the expected ABI version' {
        $loader = [GroupWriteback.Native.NativeLoader]
        # The interop follows the C header's version.
        $header = Get-Content -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../include/group_writeback.h') -Raw
        $loader::ExpectedAbiVersion | Should -Be ([uint32]([regex]::Match($header, '#define GWB_ABI_VERSION (\d+)').Groups[1].Value))
        $loader::LoadedAbiVersion | Should -Be $loader::ExpectedAbiVersion
        $loader::IsReady | Should -BeTrue
        $loader::LoadedVersion | Should -Match '^\d+\.\d+\.\d+'
        $expected = [System.IO.Path]::GetFullPath((Join-Path -Path $moduleDir -ChildPath "runtimes/$($loader::RuntimeIdentifier)/native/$($loader::LibraryFileName)"))
        if (-not $env:GROUPWRITEBACK_NATIVE_PATH) {
            $loader::LoadedPath | Should -Be $expected
        }
    }

    It 'names the library file and runtime identifier of each platform' {
        $loader = [GroupWriteback.Native.NativeLoader]
        $loader::RuntimeIdentifier | Should -Match '^(linux|osx|win)-(x64|arm64|x86|arm)$'
        $fileName = if ($IsWindows) { 'group_writeback.dll' } elseif ($IsMacOS) { 'libgroup_writeback.dylib' } else { 'libgroup_writeback.so' }
        $loader::LibraryFileName | Should -Be $fileName
    }

    It 'can be imported again in the same session' {
        { Import-Module -Name $moduleDir -Force -ErrorAction Stop } | Should -Not -Throw
        (Resolve-GroupWriteback -Json '{"id":"1","securityEnabled":true,"mailEnabled":false}').Kind | Should -Be 'security'
    }

    It 'refuses another ABI version with a message that says what to do' {
        $message = [GroupWriteback.Native.NativeLoader]::GetAbiMismatchMessage(1, 2, '/x/libgroup_writeback.so')
        $message | Should -Match 'ABI version 2'
        $message | Should -Match 'built for ABI version 1'
        $message | Should -Match 'rebuild the module \(make module\) or reinstall it'
        $message | Should -Match 'GROUPWRITEBACK_NATIVE_PATH'
        [GroupWriteback.Native.NativeLoader]::GetAbiMismatchMessage(1, 1, '/x') | Should -BeNullOrEmpty
    }

    It 'fails the import when the loaded library has another ABI version' {
        $library = Join-Path -Path $TestDrive -ChildPath ([GroupWriteback.Native.NativeLoader]::LibraryFileName)
        if ($env:GWB_TEST_ABI99_LIBRARY) {
            # Built beforehand from abi99.c (make test-windows-pwsh, with mingw-w64).
            Copy-Item -LiteralPath $env:GWB_TEST_ABI99_LIBRARY -Destination $library
        }
        else {
            $cc = @(Get-Command -Name cc, gcc, clang -CommandType Application -ErrorAction Ignore)[0]
            if ($IsWindows -or -not $cc) {
                Set-ItResult -Skipped -Because 'a C compiler is needed to build a library with another ABI version (or GWB_TEST_ABI99_LIBRARY, built from abi99.c)'
                return
            }
            & $cc.Source -shared -fPIC -o $library (Join-Path -Path $PSScriptRoot -ChildPath 'abi99.c')
            $LASTEXITCODE | Should -Be 0
        }

        $result = Invoke-TestImport -Path $moduleDir -NativePath $library
        $result.ExitCode | Should -Be 3
        $result.Output | Should -Match 'FAILED'
        $result.Output | Should -Match 'ABI version 99'
        $result.Output | Should -Match "built for ABI version $([GroupWriteback.Native.NativeLoader]::ExpectedAbiVersion)"
        $result.Output | Should -Match 'make module'
    }

    It 'fails the import with the path it looked at when GROUPWRITEBACK_NATIVE_PATH names no file' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'nowhere/libgroup_writeback.so'
        $result = Invoke-TestImport -Path $moduleDir -NativePath $missing
        $result.ExitCode | Should -Be 3
        $result.Output | Should -Match 'was not found'
        $result.Output | Should -Match ([regex]::Escape($missing))
        $result.Output | Should -Match 'GROUPWRITEBACK_NATIVE_PATH'
    }

    It 'loads the library from the folder or file GROUPWRITEBACK_NATIVE_PATH names' {
        $rid = [GroupWriteback.Native.NativeLoader]::RuntimeIdentifier
        $folder = Join-Path -Path $moduleDir -ChildPath "runtimes/$rid/native"
        $copy = Join-Path -Path $TestDrive -ChildPath 'override'
        $null = New-Item -ItemType Directory -Path $copy -Force
        Copy-Item -LiteralPath (Join-Path -Path $folder -ChildPath ([GroupWriteback.Native.NativeLoader]::LibraryFileName)) -Destination $copy

        $result = Invoke-TestImport -Path $moduleDir -NativePath $copy
        $result.ExitCode | Should -Be 0
        $result.Output | Should -Match ('IMPORTED ' + [regex]::Escape((Join-Path -Path $copy -ChildPath ([GroupWriteback.Native.NativeLoader]::LibraryFileName))))
    }

    It 'fails the import, saying to build the module, when the native library is missing' {
        $copy = Join-Path -Path $TestDrive -ChildPath 'no-native/GroupWriteback'
        Copy-TestModuleSource -Destination $copy
        Copy-Item -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'bin') -Destination $copy -Recurse
        $result = Invoke-TestImport -Path $copy -NativePath $null
        $result.ExitCode | Should -Be 3
        $result.Output | Should -Match 'runtimes/.+/native/'
        $result.Output | Should -Match 'make module'
    }

    It 'fails the import, saying to build the module, when the interop assembly is missing' {
        $copy = Join-Path -Path $TestDrive -ChildPath 'no-assembly/GroupWriteback'
        Copy-TestModuleSource -Destination $copy
        $result = Invoke-TestImport -Path $copy -NativePath $null
        $result.ExitCode | Should -Be 3
        $result.Output | Should -Match 'interop assembly was not found'
        $result.Output | Should -Match 'make module'
    }
}

Describe 'Import time' {
    It 'is measured in a new session (printed, not asserted)' {
        $command = "`$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module -Name '$moduleDir' -ErrorAction Stop; [int]`$t.Elapsed.TotalMilliseconds"
        $samples = foreach ($i in 1..3) {
            [int](& $pwsh.Path @($pwsh.Argument) -NoProfile -NonInteractive -Command $command | Select-Object -Last 1)
        }
        $sorted = @($samples | Sort-Object)
        $line = "Import-Module GroupWriteback in a new session: median $($sorted[1]) ms (samples: $($samples -join ', ') ms)"
        Write-Information -MessageData $line -InformationAction Continue
        $sorted[1] | Should -BeGreaterThan 0
    }
}
