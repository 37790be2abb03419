@{
    RootModule           = 'GroupWriteback.psm1'
    ModuleVersion        = '0.2.0'
    GUID                 = '04dcec23-921b-4950-a859-a8fabf86c17d'
    Author               = 'group-writeback contributors'
    CompanyName          = 'group-writeback'
    Copyright            = '(c) group-writeback contributors. MIT License.'
    Description          = 'Reads, explains and sets the writeback configuration of Microsoft Entra ID groups (writebackConfiguration, Microsoft Graph beta). Shows what the portal shows next to what really happens, and validates changes before they are sent.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    ScriptsToProcess     = @('GroupWriteback.Check.ps1')
    FormatsToProcess     = @('GroupWriteback.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Connect-GroupWriteback'
        'Disconnect-GroupWriteback'
        'Get-GroupWriteback'
        'Get-GroupWritebackContext'
        'Resolve-GroupWriteback'
        'Set-GroupWriteback'
        'Test-GroupWritebackChange'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'GroupWriteback.psd1'
        'GroupWriteback.psm1'
        'GroupWriteback.Check.ps1'
        'GroupWriteback.Format.ps1xml'
        'bin/net6.0/GroupWriteback.Native.dll'
        'bin/net472/GroupWriteback.Native.dll'
        'bin/net472/Microsoft.Bcl.AsyncInterfaces.dll'
        'bin/net472/System.Buffers.dll'
        'bin/net472/System.IO.Pipelines.dll'
        'bin/net472/System.Memory.dll'
        'bin/net472/System.Numerics.Vectors.dll'
        'bin/net472/System.Runtime.CompilerServices.Unsafe.dll'
        'bin/net472/System.Text.Encodings.Web.dll'
        'bin/net472/System.Text.Json.dll'
        'bin/net472/System.Threading.Tasks.Extensions.dll'
        'en-US/GroupWriteback.Native.dll-Help.xml'
        'bin/net472/en-US/GroupWriteback.Native.dll-Help.xml'
        'CHANGELOG.md'
    )
    PrivateData          = @{
        PSData = @{
            # The PowerShell Gallery's PSCommand_<name> tags are not listed
            # here: powershell/tools/Build-Package.ps1 adds one per name in
            # CmdletsToExport to the packaged copy of this manifest.
            Tags         = @('EntraID', 'AzureAD', 'ActiveDirectory', 'GroupWriteback', 'MicrosoftGraph', 'Groups', 'EntraConnect', 'CloudSync', 'Identity', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux')
            # Placeholder until the project has a public repository: replace
            # the address (Build-Package.ps1 warns while it is .invalid).
            ProjectUri   = 'https://group-writeback.invalid/'
            LicenseUri   = 'https://opensource.org/license/mit'
            # The packaged copy carries this version's section of CHANGELOG.md
            # here (Build-Package.ps1); the source says where to look.
            ReleaseNotes = 'What changed in each version: CHANGELOG.md, in the module''s folder.'
        }
    }
}
