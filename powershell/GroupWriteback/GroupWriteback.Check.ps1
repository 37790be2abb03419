# Runs when the module is imported, before its assembly is loaded
# (ScriptsToProcess in the manifest): a module folder without its build says
# what to do, instead of PowerShell's "no valid module was found".
$assembly = Join-Path -Path $PSScriptRoot -ChildPath 'bin/GroupWriteback.Native.dll'
if (-not (Test-Path -LiteralPath $assembly -PathType Leaf)) {
    throw [System.IO.FileNotFoundException]::new(
        "The GroupWriteback interop assembly was not found at '$assembly'. Build the module (make module) or reinstall it.", $assembly)
}
