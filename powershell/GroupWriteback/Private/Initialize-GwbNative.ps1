function Initialize-GwbNative {
    <#
    .SYNOPSIS
    Loads the interop assembly and the native library, and checks its ABI version.

    .DESCRIPTION
    Loads bin/GroupWriteback.Native.dll from the module's folder (once per
    session), then lets it find the native library for the running platform
    under runtimes/<rid>/native/ (or at GROUPWRITEBACK_NATIVE_PATH) and compare
    gwb_abi_version() with the version the module was built for. Any failure
    is a terminating error whose message says what to do, so Import-Module
    fails instead of leaving commands that cannot run.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory)]
        [string] $ModuleBase
    )

    $assemblyPath = Join-Path -Path $ModuleBase -ChildPath 'bin/GroupWriteback.Native.dll'
    if (-not ('GroupWriteback.Native.NativeLoader' -as [type])) {
        if (-not (Test-Path -LiteralPath $assemblyPath -PathType Leaf)) {
            $exception = [System.IO.FileNotFoundException]::new(
                "The GroupWriteback interop assembly was not found at '$assemblyPath'. Build the module (make module) or reinstall it.",
                $assemblyPath)
            $record = [System.Management.Automation.ErrorRecord]::new(
                $exception, 'GroupWriteback.AssemblyNotFound', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $assemblyPath)
            $PSCmdlet.ThrowTerminatingError($record)
        }
        # Assembly.LoadFrom: several times faster at import than Add-Type -LiteralPath.
        $null = [System.Reflection.Assembly]::LoadFrom($assemblyPath)
    }

    try {
        [GroupWriteback.Native.NativeLoader]::Initialize($ModuleBase)
    }
    catch {
        $exception = Get-GwbInnerException -Exception $_.Exception
        $category = if ($exception -is [System.DllNotFoundException]) {
            [System.Management.Automation.ErrorCategory]::ObjectNotFound
        }
        else {
            [System.Management.Automation.ErrorCategory]::InvalidOperation
        }
        $record = [System.Management.Automation.ErrorRecord]::new(
            $exception, 'GroupWriteback.NativeLibrary', $category, $ModuleBase)
        $PSCmdlet.ThrowTerminatingError($record)
    }
    $loader = [GroupWriteback.Native.NativeLoader]
    Write-Verbose -Message ("GroupWriteback native library {0} (ABI {1}) loaded from '{2}'." -f $loader::LoadedVersion, $loader::LoadedAbiVersion, $loader::LoadedPath)
}
