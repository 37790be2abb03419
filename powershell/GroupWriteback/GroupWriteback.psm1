# The module's root: imports the interop assembly built for this edition of
# PowerShell as a nested module, whose cmdlets are the module's commands.
#   Core (PowerShell 7.2 and later, .NET 6+):       bin/net6.0/
#   Desktop (Windows PowerShell 5.1, .NET 4.7.2+):  bin/net472/, with
#     System.Text.Json and its dependencies beside the assembly.
# Both find the native library under runtimes/<rid>/native/ in this folder.
if ($PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion.Major -eq 7 -and $PSVersionTable.PSVersion.Minor -lt 2) {
        throw [System.NotSupportedException]::new(
            "GroupWriteback needs PowerShell 7.2 or later (this is $($PSVersionTable.PSVersion)), or Windows PowerShell 5.1.")
    }
    $framework = 'net6.0'
}
else {
    $framework = 'net472'
}
$assembly = Join-Path -Path $PSScriptRoot -ChildPath "bin/$framework/GroupWriteback.Native.dll"
Import-Module -Name $assembly -ErrorAction Stop
# Every cmdlet of the assembly; the manifest's CmdletsToExport, the one list
# of the module's commands, decides what the module exports.
Export-ModuleMember -Cmdlet *
