# Static checks of the module's source, by its AST: what PSScriptAnalyzer's
# cmdlet-design rules would say where PSScriptAnalyzer is not installed.

BeforeDiscovery {
    $moduleDir = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../powershell/GroupWriteback')).Path
    $scriptFiles = @(Get-ChildItem -LiteralPath $moduleDir -Recurse -File -Include '*.ps1', '*.psm1' |
            Where-Object { $_.FullName -notmatch '[\\/](bin|runtimes)[\\/]' } |
            ForEach-Object { @{ Name = $_.FullName.Substring($moduleDir.Length + 1); Path = $_.FullName } })
    $publicFiles = @(Get-ChildItem -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'Public') -Filter '*.ps1' -File |
            ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
}

BeforeAll {
    $script:moduleDir = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../../powershell/GroupWriteback')).Path
    $script:manifestPath = Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.psd1'
    $script:manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
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

    It 'exports exactly the commands of Public/' {
        $public = @(Get-ChildItem -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'Public') -Filter '*.ps1' -File).BaseName | Sort-Object
        @($manifest.FunctionsToExport | Sort-Object) | Should -Be $public
    }

    It 'names its formats, PowerShell version, tags and release notes' {
        $manifest.FormatsToProcess | Should -Contain 'GroupWriteback.Format.ps1xml'
        Test-Path -LiteralPath (Join-Path -Path $moduleDir -ChildPath 'GroupWriteback.Format.ps1xml') | Should -BeTrue
        $manifest.PowerShellVersion | Should -Be '7.2'
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

Describe 'Public command <Name>' -ForEach $publicFiles {
    BeforeAll {
        $parsed = Get-TestScriptAst -Path $Path
        $functions = Get-TestFunctionAst -Ast $parsed.Ast
        $function = $functions | Where-Object { $_.Name -eq $Name }
        $help = if ($function) { $function.GetHelpContent() }
    }

    It 'is the one function of its file, named after it' {
        @($functions | Where-Object { $_.Parent -eq $parsed.Ast -or $_.Parent.Parent -eq $parsed.Ast }).Count | Should -Be 1
        $function | Should -Not -BeNullOrEmpty
    }

    It 'has comment-based help with a synopsis, a description and at least two examples' {
        $help | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Description | Should -Not -BeNullOrEmpty
        @($help.Examples).Count | Should -BeGreaterOrEqual 2
    }

    It 'documents every parameter' {
        foreach ($parameter in $function.Body.ParamBlock.Parameters) {
            $name = $parameter.Name.VariablePath.UserPath
            $help.Parameters.Keys | Should -Contain $name.ToUpperInvariant() -Because "-$name needs a .PARAMETER entry"
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
