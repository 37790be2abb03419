# Runs when the module is imported, before its assembly is loaded
# (ScriptsToProcess in the manifest): a module folder without its build says
# what to do, instead of PowerShell's "no valid module was found".
$assembly = Join-Path -Path $PSScriptRoot -ChildPath $(if ($PSEdition -eq 'Core') { 'bin/net6.0/GroupWriteback.Native.dll' } else { 'bin/net472/GroupWriteback.Native.dll' })
if (-not (Test-Path -LiteralPath $assembly -PathType Leaf)) {
    throw [System.IO.FileNotFoundException]::new(
        "The GroupWriteback interop assembly was not found at '$assembly'. Build the module (make module) or reinstall it.", $assembly)
}
