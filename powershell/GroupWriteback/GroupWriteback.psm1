# The GroupWriteback module: private helpers, then one public command per
# file, then the native library (found for this platform and checked for its
# ABI version before any command can run).
Set-StrictMode -Version 3.0

$private = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Private') -Filter '*.ps1' -File)
$public = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File)

# `make module` joins the command files into bin/GroupWriteback.Commands.ps1:
# one file is parsed much faster than two dozen (about 0.2 s against 0.65 s
# here). The separate files are used when that file is missing or older
# than any of them, so an edited source is never shadowed.
$sources = @($private + $public)
$joined = Get-Item -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'bin/GroupWriteback.Commands.ps1') -ErrorAction Ignore
$stale = $null -eq $joined -or @($sources | Where-Object { $_.LastWriteTimeUtc -gt $joined.LastWriteTimeUtc }).Count -gt 0
if ($stale) {
    foreach ($file in $sources) {
        . $file.FullName
    }
}
else {
    . $joined.FullName
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
