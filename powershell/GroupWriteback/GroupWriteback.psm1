# The GroupWriteback module: private helpers, then one public command per
# file, then the native library (found for this platform and checked for its
# ABI version before any command can run).
Set-StrictMode -Version 3.0

$private = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Private') -Filter '*.ps1' -File)
$public = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File)

foreach ($file in @($private + $public)) {
    . $file.FullName
}

Initialize-GwbNative -ModuleBase $PSScriptRoot

# The Graph connection of this session (Connect-GroupWriteback): its native
# client is freed by Disconnect-GroupWriteback, or when the module is removed.
$script:GwbConnection = $null
$ExecutionContext.SessionState.Module.OnRemove = {
    if ($null -ne $script:GwbConnection) {
        $script:GwbConnection.Client.Dispose()
        $script:GwbConnection = $null
    }
}

Export-ModuleMember -Function $public.BaseName
