# PSScriptAnalyzer settings for the GroupWriteback module (powershell/):
#   Invoke-ScriptAnalyzer -Path powershell/GroupWriteback -Recurse -Settings ./PSScriptAnalyzerSettings.psd1
# The cmdlet-design rules and the code-formatting rules the module follows.
# tests/powershell/ModuleDesign.Tests.ps1 checks the design rules with the AST
# where PSScriptAnalyzer is not installed.
@{
    Severity            = @('Error', 'Warning', 'Information')
    IncludeDefaultRules = $true
    ExcludeRules        = @()

    Rules               = @{
        # ------------------------------------------------ cmdlet design
        PSUseApprovedVerbs                          = @{ Enable = $true }
        PSUseSingularNouns                          = @{ Enable = $true }
        PSReservedCmdletChar                        = @{ Enable = $true }
        PSReservedParams                            = @{ Enable = $true }
        PSShouldProcess                             = @{ Enable = $true }
        PSUseShouldProcessForStateChangingFunctions = @{ Enable = $true }
        PSUseCmdletCorrectly                        = @{ Enable = $true }
        PSUseOutputTypeCorrectly                    = @{ Enable = $true }
        PSMissingModuleManifestField                = @{ Enable = $true }
        PSAvoidUsingCmdletAliases                   = @{ Enable = $true }
        PSAvoidUsingWriteHost                       = @{ Enable = $true }
        PSAvoidUsingPositionalParameters            = @{ Enable = $true; CommandAllowList = @() }
        PSAvoidGlobalVars                           = @{ Enable = $true }
        PSAvoidDefaultValueSwitchParameter          = @{ Enable = $true }
        PSUseDeclaredVarsMoreThanAssignments        = @{ Enable = $true }
        PSProvideCommentHelp                        = @{
            Enable                  = $true
            ExportedOnly            = $true
            BlockComment            = $true
            VSCodeSnippetCorrection = $false
            Placement               = 'begin'
        }
        PSUseCompatibleSyntax                       = @{
            Enable         = $true
            TargetVersions = @('7.2')
        }

        # ------------------------------------------------ code formatting
        PSPlaceOpenBrace                            = @{
            Enable             = $true
            OnSameLine         = $true
            NewLineAfter       = $true
            IgnoreOneLineBlock = $true
        }
        PSPlaceCloseBrace                           = @{
            Enable             = $true
            NewLineAfter       = $true
            IgnoreOneLineBlock = $true
            NoEmptyLineBefore  = $false
        }
        PSUseConsistentIndentation                  = @{
            Enable              = $true
            Kind                = 'space'
            IndentationSize     = 4
            PipelineIndentation = 'IncreaseIndentationForFirstPipeline'
        }
        PSUseConsistentWhitespace                   = @{
            Enable                                  = $true
            CheckInnerBrace                         = $true
            CheckOpenBrace                          = $true
            CheckOpenParen                          = $true
            CheckOperator                           = $true
            CheckPipe                               = $true
            CheckPipeForRedundantWhitespace         = $true
            CheckSeparator                          = $true
            CheckParameter                          = $true
            IgnoreAssignmentOperatorInsideHashTable = $true
        }
        PSAlignAssignmentStatement                  = @{
            Enable         = $true
            CheckHashtable = $true
        }
        PSUseCorrectCasing                          = @{ Enable = $true }
        PSAvoidTrailingWhitespace                   = @{ Enable = $true }
        PSAvoidSemicolonsAsLineTerminators          = @{ Enable = $true }
    }
}
