# Static checks of the module's source, by its AST: what PSScriptAnalyzer's
# cmdlet-design rules would say where PSScriptAnalyzer is not installed.

BeforeDiscovery {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $moduleDir = Get-TestModulePath
    $scriptFiles = @(Get-ChildItem -LiteralPath $moduleDir -Recurse -File -Include '*.ps1', '*.psm1' |
            Where-Object { $_.FullName -notmatch '[\\/](bin|runtimes)[\\/]' } |
            ForEach-Object { @{ Name = $_.FullName.Substring($moduleDir.Length + 1); Path = $_.FullName } })
    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.psd1')
    $commands = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    $script:manifestPath = Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.psd1'
    $script:manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:approvedVerbs = @(Get-Verb | ForEach-Object { $_.Verb })
    # Verbs whose commands change state and so need -WhatIf/-Confirm.
    $script:stateChangingVerbs = @(
        'New', 'Set', 'Remove', 'Add', 'Clear', 'Reset', 'Rename', 'Move', 'Copy', 'Update', 'Install',
        'Uninstall', 'Register', 'Unregister', 'Enable', 'Disable', 'Start', 'Stop', 'Restart', 'Suspend',
        'Resume', 'Connect', 'Disconnect', 'Publish', 'Unpublish', 'Grant', 'Revoke', 'Deny', 'Block',
        'Unblock', 'Lock', 'Unlock', 'Restore', 'Sync', 'Initialize'
    ) | Where-Object { $_ -ne 'Initialize' }

    function Get-TestScriptAst {
        param([string] $Path)
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
        [pscustomobject]@{ Ast = $ast; Errors = $errors }
    }

    function Get-TestFunctionAst {
        param($Ast)
        @($Ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true))
    }

    function Test-SingularNoun {
        param([string] $Noun)
        # The noun's last word (PascalCase) must not be a plural: words that
        # end in "s" are plural unless they end in "ss", "us" or "is".
        $words = [regex]::Matches($Noun, '[A-Z][a-z0-9]*|[a-z0-9]+') | ForEach-Object { $_.Value }
        $last = @($words)[-1]
        -not ($last -cmatch 's$' -and $last -notmatch '(ss|us|is)$')
    }

    function Get-TestAttribute {
        param($FunctionAst, [string] $Name)
        $paramBlock = $FunctionAst.Body.ParamBlock
        if ($null -eq $paramBlock) {
            return $null
        }
        @($paramBlock.Attributes | Where-Object { $_.TypeName.Name -eq $Name })
    }
}

Describe 'Module manifest' {
    It 'is a valid manifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Not -Throw
    }

    It 'exports explicitly, with no wildcards' {
        foreach ($key in 'FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport') {
            $manifest.ContainsKey($key) | Should -BeTrue -Because "$key must be listed explicitly"
            @($manifest[$key]) -join ',' | Should -Not -Match '\*' -Because "$key must not use a wildcard"
        }
    }

    It 'loads the assembly of its edition and exports exactly its cmdlets, each with a help file' {
        # A script root module picks bin/net6.0 (PowerShell 7) or bin/net472 (Windows PowerShell 5.1).
        $manifest.RootModule | Should -Be 'GroupWriteback.psm1'
        $root = Get-Content -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.psm1') -Raw
        $root | Should -Match ([regex]::Escape('bin/$framework/GroupWriteback.Native.dll'))
        [GroupWriteback.Commands.ModuleLifetime].Assembly.Location | Should -Be ([System.IO.Path]::GetFullPath((Join-Path -Path $moduleDir -ChildPath 'bin/net6.0/GroupWriteback.Native.dll')))
        (Get-Command -Name Resolve-GroupWriteback).ModuleName | Should -Be 'GroupWriteback'
        # The manifest's CmdletsToExport is the one list of commands: the root
        # module re-exports the assembly's cmdlets without naming them again.
        $root | Should -Match 'Export-ModuleMember -Cmdlet \*'
        foreach ($name in $manifest.CmdletsToExport) {
            $root | Should -Not -Match ([regex]::Escape($name)) -Because "the manifest alone names the commands"
            (Get-Command -Name $name -Module GroupWriteback -ErrorAction SilentlyContinue) | Should -Not -BeNullOrEmpty -Because "the module exports $name"
        }
        @($manifest.FunctionsToExport).Count | Should -Be 0
        $assembly = [GroupWriteback.Commands.ModuleLifetime].Assembly
        $cmdlets = @($assembly.GetTypes() | ForEach-Object {
                $attribute = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
                if ($attribute) { "$($attribute.VerbName)-$($attribute.NounName)" }
            }) | Sort-Object
        @($manifest.CmdletsToExport | Sort-Object) | Should -Be $cmdlets
        $helpFiles = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../powershell/help') -Filter '*.md' -File).BaseName | Sort-Object
        $helpFiles | Should -Be $cmdlets
    }

    It 'names its formats, PowerShell version, tags and release notes' {
        $manifest.FormatsToProcess | Should -Contain 'GroupWriteback.Format.ps1xml'
        Test-Path -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.Format.ps1xml') | Should -BeTrue
        $manifest.PowerShellVersion | Should -Be '5.1'
        @($manifest.CompatiblePSEditions) | Should -Be @('Desktop', 'Core')
        @($manifest.PrivateData.PSData.Tags).Count | Should -BeGreaterThan 2
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'lists only files that exist' {
        foreach ($file in $manifest.FileList) {
            Test-Path -LiteralPath (Join-Path -Path $moduleDir -ChildPath $file) | Should -BeTrue -Because "$file is in FileList"
        }
    }

    It 'has a format file that is valid XML with a view for each output type' {
        [xml] $format = Get-Content -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.Format.ps1xml') -Raw
        $types = @($format.Configuration.ViewDefinitions.View | ForEach-Object { $_.ViewSelectedBy.TypeName })
        $types | Should -Contain 'GroupWriteback.Group'
        $types | Should -Contain 'GroupWriteback.ChangeDecision'
    }
}

Describe 'Script file <Name>' -ForEach $scriptFiles {
    BeforeAll {
        $parsed = Get-TestScriptAst -Path $Path
        $functions = Get-TestFunctionAst -Ast $parsed.Ast
        $commands = @($parsed.Ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true))
    }

    It 'parses without errors' {
        $parsed.Errors | Should -BeNullOrEmpty
    }

    It 'uses approved verbs and singular nouns' {
        foreach ($function in $functions) {
            $verb, $noun = $function.Name -split '-', 2
            $approvedVerbs | Should -Contain $verb -Because "$($function.Name) must use an approved verb (Get-Verb)"
            $noun | Should -Not -BeNullOrEmpty -Because "$($function.Name) must be Verb-Noun"
            Test-SingularNoun -Noun $noun | Should -BeTrue -Because "$($function.Name) must use a singular noun"
        }
    }

    It 'declares [CmdletBinding()] and [OutputType()] on every function' {
        foreach ($function in $functions) {
            Get-TestAttribute -FunctionAst $function -Name 'CmdletBinding' | Should -Not -BeNullOrEmpty -Because "$($function.Name) needs [CmdletBinding()]"
            Get-TestAttribute -FunctionAst $function -Name 'OutputType' | Should -Not -BeNullOrEmpty -Because "$($function.Name) needs [OutputType()]"
        }
    }

    It 'supports ShouldProcess where its verb changes state, and calls it' {
        foreach ($function in $functions) {
            $verb = ($function.Name -split '-', 2)[0]
            $binding = @(Get-TestAttribute -FunctionAst $function -Name 'CmdletBinding')
            $supports = $binding.Count -gt 0 -and @($binding[0].NamedArguments | Where-Object {
                    $_.ArgumentName -eq 'SupportsShouldProcess' -and ($_.ExpressionOmitted -or $_.Argument.Extent.Text -eq '$true')
                }).Count -gt 0
            if ($verb -in $stateChangingVerbs) {
                $supports | Should -BeTrue -Because "$($function.Name) changes state: it needs [CmdletBinding(SupportsShouldProcess)]"
            }
            if ($supports) {
                $function.Body.Extent.Text | Should -Match '\$PSCmdlet\.ShouldProcess\(' -Because "$($function.Name) declares SupportsShouldProcess, so it must call `$PSCmdlet.ShouldProcess"
            }
        }
    }

    It 'calls no command by an alias' {
        foreach ($command in $commands) {
            $name = $command.GetCommandName()
            if ($null -eq $name) {
                continue
            }
            Get-Alias -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty -Because "'$name' (line $($command.Extent.StartLineNumber)) is an alias: use the command's full name"
        }
    }

    It 'does not use Write-Host' {
        @($commands | Where-Object { $_.GetCommandName() -eq 'Write-Host' }) | Should -BeNullOrEmpty
    }
}

Describe 'Command <Name>' -ForEach $commands {
    BeforeAll {
        Import-Module -Name $moduleDir -Force -ErrorAction Stop
        $command = Get-Command -Name $Name -Module GroupWriteback
        $help = Get-Help -Name $Name -Full
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    }

    It 'is a cmdlet of the module''s assembly, its class in a file of its own' {
        $command.CommandType | Should -Be 'Cmdlet'
        $type = $command.ImplementingType
        $type.Namespace | Should -Be 'GroupWriteback.Commands'
        $file = Join-Path -Path $PSScriptRoot -ChildPath "../../powershell/src/GroupWriteback.Native/Commands/$($type.Name).cs"
        Test-Path -LiteralPath $file -PathType Leaf | Should -BeTrue -Because "$Name's class $($type.Name) is in Commands/$($type.Name).cs"
    }

    It 'uses an approved verb and a singular noun' {
        $approvedVerbs | Should -Contain $command.Verb
        Test-SingularNoun -Noun $command.Noun | Should -BeTrue
    }

    It 'supports ShouldProcess exactly where its verb changes state' {
        $supports = $command.Parameters.ContainsKey('WhatIf')
        $supports | Should -Be ($command.Verb -in $stateChangingVerbs) -Because "$Name's verb $($command.Verb)"
    }

    It 'declares its output type' {
        @($command.OutputType).Count | Should -BeGreaterThan 0
    }

    It 'has help with a synopsis, a description and at least two examples (built from powershell/help)' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *" -Because 'a synopsis that repeats the syntax means no help file was found'
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        (Get-Help -Name $Name -Examples | Out-String) | Should -Match 'Example 2'
    }

    It 'documents every parameter' {
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $text = (Get-Help -Name $Name -Parameter $parameter).description.Text -join ' '
            $text | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description in powershell/help/$Name.md"
        }
    }
}

Describe 'What only the library knows' {
    It 'is not written in the module''s C# or PowerShell: no state, type, property or refusal name' {
        $sources = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../powershell/src/GroupWriteback.Native') -Recurse -Filter '*.cs' -File |
                Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }) +
            @(Get-ChildItem -LiteralPath $moduleDir -Filter '*.ps1' -File)
        $sources.Count | Should -BeGreaterThan 5
        # Names the library says (gwb_state_name, gwb_onprem_type_name,
        # gwb_refusal_name, gwb_cloud_name, gwb_environment_variables_json,
        # its default client): a copy here would drift. The JSON keys the C#
        # model reads are guarded by Contract.Tests.ps1 instead.
        $names = 'NoWriteback', 'MailEnabledSecurity', 'universalSecurityGroup', 'universalDistributionGroup',
            'universalMailEnabledSecurityGroup', 'syncedFromOnPremises', 'typeNotAllowedForKind', 'kindUndetermined',
            'USGovDoD', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET', '14d82eec-204b-4c2f-b7e8-296a70dab67e'
        foreach ($file in $sources) {
            $text = Get-Content -LiteralPath $file.FullName -Raw
            foreach ($n in $names) {
                $text | Should -Not -Match "\b$n\b" -Because "$($file.Name) must ask the library for '$n', not write it"
            }
        }
    }
}

Describe 'PSScriptAnalyzer settings' {
    It 'enables the cmdlet-design and formatting rules' {
        $settings = Import-PowerShellDataFile -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../PSScriptAnalyzerSettings.psd1')
        foreach ($rule in 'PSUseApprovedVerbs', 'PSUseSingularNouns', 'PSUseShouldProcessForStateChangingFunctions',
            'PSAvoidUsingCmdletAliases', 'PSAvoidUsingWriteHost', 'PSProvideCommentHelp', 'PSPlaceOpenBrace',
            'PSUseConsistentIndentation', 'PSUseConsistentWhitespace') {
            $settings.Rules[$rule].Enable | Should -BeTrue -Because "$rule is one of the rules the module follows"
        }
    }
}
