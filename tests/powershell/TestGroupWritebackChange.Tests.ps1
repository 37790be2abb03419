# Test-GroupWritebackChange against the module as a user imports it.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop

    function New-TestGroup {
        param(
            [string] $Kind,
            [AllowNull()] [object] $IsEnabled,
            [AllowNull()] [object] $Type,
            [switch] $Synced
        )
        $group = [ordered]@{ id = "id-$Kind"; displayName = "$Kind group" }
        switch ($Kind) {
            'Microsoft365' { $group.groupTypes = @('Unified'); $group.securityEnabled = $false; $group.mailEnabled = $true }
            'Security' { $group.groupTypes = @(); $group.securityEnabled = $true; $group.mailEnabled = $false }
            'MailEnabledSecurity' { $group.groupTypes = @(); $group.securityEnabled = $true; $group.mailEnabled = $true }
            'Distribution' { $group.groupTypes = @(); $group.securityEnabled = $false; $group.mailEnabled = $true }
            'Undetermined' { }
        }
        $group.onPremisesSyncEnabled = if ($Synced) { $true } else { $false }
        $group.writebackConfiguration = [ordered]@{ isEnabled = $IsEnabled; onPremisesGroupType = $Type }
        ConvertTo-Json -InputObject $group -Compress | ConvertFrom-Json
    }
}

Describe 'Test-GroupWritebackChange -State' {
    It '<Kind> (<IsEnabled>/<Type>) -> <State>: <Outcome> <Code>' -ForEach @(
        @{ Kind = 'Microsoft365'; IsEnabled = $null; Type = $null; State = 'Security'; Outcome = 'Send'; Code = $null; Body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}' }
        @{ Kind = 'Microsoft365'; IsEnabled = $null; Type = $null; State = 'Distribution'; Outcome = 'Send'; Code = $null; Body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalDistributionGroup"}}' }
        @{ Kind = 'Microsoft365'; IsEnabled = $null; Type = $null; State = 'MailEnabledSecurity'; Outcome = 'Send'; Code = $null; Body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalMailEnabledSecurityGroup"}}' }
        @{ Kind = 'Microsoft365'; IsEnabled = $true; Type = 'universalSecurityGroup'; State = 'NoWriteback'; Outcome = 'Send'; Code = $null; Body = '{"writebackConfiguration":{"isEnabled":false}}' }
        @{ Kind = 'Security'; IsEnabled = $null; Type = $null; State = 'Security'; Outcome = 'Send'; Code = $null; Body = '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}' }
        @{ Kind = 'Security'; IsEnabled = $true; Type = 'universalSecurityGroup'; State = 'Security'; Outcome = 'NoChange'; Code = $null; Body = $null }
        @{ Kind = 'Security'; IsEnabled = $false; Type = 'universalSecurityGroup'; State = 'NoWriteback'; Outcome = 'NoChange'; Code = $null; Body = $null }
        @{ Kind = 'Security'; IsEnabled = $null; Type = $null; State = 'Distribution'; Outcome = 'Refused'; Code = 'typeNotAllowedForKind'; Body = $null }
        @{ Kind = 'Distribution'; IsEnabled = $null; Type = $null; State = 'Security'; Outcome = 'Refused'; Code = 'distributionGroupNotEligible'; Body = $null }
        @{ Kind = 'MailEnabledSecurity'; IsEnabled = $null; Type = $null; State = 'Security'; Outcome = 'Refused'; Code = 'mailEnabledSecurityGroupNotEligible'; Body = $null }
        @{ Kind = 'Undetermined'; IsEnabled = $null; Type = $null; State = 'Security'; Outcome = 'Refused'; Code = 'kindUndetermined'; Body = $null }
    ) {
        $decision = New-TestGroup -Kind $Kind -IsEnabled $IsEnabled -Type $Type | Test-GroupWritebackChange -State $State
        $decision.PSObject.TypeNames[0] | Should -Be 'GroupWriteback.ChangeDecision'
        $decision.Outcome | Should -Be $Outcome
        $decision.Requested | Should -Be $State
        $decision.RefusalCode | Should -Be $Code
        $decision.Body | Should -Be $Body
        if ($Outcome -eq 'Refused') {
            $decision.RefusalMessage | Should -Not -BeNullOrEmpty
            $decision.After | Should -BeNullOrEmpty
        }
        if ($Outcome -eq 'Send') {
            $decision.After.IsEnabled | Should -Be ($State -ne 'NoWriteback')
        }
    }

    It 'refuses any change to a group synced from on-premises, saying to change it on-premises' {
        $decision = New-TestGroup -Kind Security -IsEnabled $null -Type $null -Synced | Test-GroupWritebackChange -State Security
        $decision.Outcome | Should -Be 'Refused'
        $decision.RefusalCode | Should -Be 'syncedFromOnPremises'
        $decision.RefusalMessage | Should -Match 'on-premises'
    }

    It 'keeps the type when writeback is turned off (it cannot be reset to null)' {
        $decision = New-TestGroup -Kind Microsoft365 -IsEnabled $true -Type 'universalSecurityGroup' | Test-GroupWritebackChange -State NoWriteback
        $decision.After.IsEnabled | Should -BeFalse
        $decision.After.OnPremisesGroupType | Should -Be 'universalSecurityGroup'
    }

    It 'carries the group as it is now' {
        $decision = New-TestGroup -Kind Microsoft365 -IsEnabled $null -Type $null | Test-GroupWritebackChange -State Security
        $decision.CurrentState | Should -Be 'NoWriteback'
        $decision.EffectiveWriteback | Should -Be 'Distribution'
        $decision.Group.PSObject.TypeNames[0] | Should -Be 'GroupWriteback.Group'
        $decision.Id | Should -Be 'id-Microsoft365'
    }

    It 'offers the four portal states, and only those' {
        # The states are the library's: completion lists them, validation refuses others naming them.
        $line = 'Test-GroupWritebackChange -State '
        $states = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $states | Should -Be @('NoWriteback', 'Security', 'Distribution', 'MailEnabledSecurity')
        $group = New-TestGroup -Kind Security -IsEnabled $null -Type $null
        { $group | Test-GroupWritebackChange -State 'Universal' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        try { $group | Test-GroupWritebackChange -State 'Universal' -ErrorAction Stop } catch { "$_" | Should -Match 'NoWriteback, Security, Distribution, MailEnabledSecurity' }
        # The portal's words are read too.
        ($group | Test-GroupWritebackChange -State 'No writeback').Outcome | Should -Be 'Send'
    }

    It 'tab-completes -State and -OnPremisesGroupType' {
        $line = 'Test-GroupWritebackChange -State '
        $states = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $states | Should -Contain 'MailEnabledSecurity'
        $line = 'Test-GroupWritebackChange -OnPremisesGroupType '
        $types = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $types | Should -Be @('universalDistributionGroup', 'universalSecurityGroup', 'universalMailEnabledSecurityGroup')
    }

    It 'shows decisions in the default table view' {
        $text = New-TestGroup -Kind Security -IsEnabled $null -Type $null | Test-GroupWritebackChange -State Distribution | Out-String -Width 250
        $text | Should -Match 'Refused'
        $text | Should -Match 'typeNotAllowedForKind'
    }
}

Describe 'Test-GroupWritebackChange -IsEnabled / -OnPremisesGroupType' {
    It 'sends the documented camelCase for a PascalCase type' {
        $decision = New-TestGroup -Kind Security -IsEnabled $null -Type $null |
            Test-GroupWritebackChange -IsEnabled $true -OnPremisesGroupType 'UniversalSecurityGroup'
        $decision.Outcome | Should -Be 'Send'
        $decision.Body | Should -Be '{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}'
        $decision.Requested | Should -Be '{"isEnabled":true,"onPremisesGroupType":"UniversalSecurityGroup"}'
    }

    It 'sends isEnabled alone' {
        $decision = New-TestGroup -Kind Microsoft365 -IsEnabled $true -Type 'universalDistributionGroup' | Test-GroupWritebackChange -IsEnabled $false
        $decision.Outcome | Should -Be 'Send'
        $decision.Body | Should -Be '{"writebackConfiguration":{"isEnabled":false}}'
    }

    It 'refuses <Case> (<Code>)' -ForEach @(
        @{ Case = 'resetting the type to null'; Parameters = @{ OnPremisesGroupType = '' }; Code = 'typeCannotBeReset' }
        @{ Case = 'isEnabled null'; Parameters = @{ IsEnabled = $null }; Code = 'isEnabledNull' }
        @{ Case = 'an undocumented type'; Parameters = @{ IsEnabled = $true; OnPremisesGroupType = 'globalSecurityGroup' }; Code = 'unknownType' }
        @{ Case = 'a type the kind does not allow'; Parameters = @{ IsEnabled = $true; OnPremisesGroupType = 'universalDistributionGroup' }; Code = 'typeNotAllowedForKind' }
    ) {
        $decision = New-TestGroup -Kind Security -IsEnabled $false -Type 'universalSecurityGroup' | Test-GroupWritebackChange @Parameters
        $decision.Outcome | Should -Be 'Refused'
        $decision.RefusalCode | Should -Be $Code
        $decision.RefusalMessage | Should -Not -BeNullOrEmpty
    }

    It 'takes groups as -Json text too' {
        $json = '[{"id":"a","securityEnabled":true,"mailEnabled":false},{"id":"b","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true}]'
        $decisions = @(Test-GroupWritebackChange -Json $json -OnPremisesGroupType universalDistributionGroup -IsEnabled $true)
        $decisions.Outcome | Should -Be @('Refused', 'Send')
    }

    It 'takes the output of Resolve-GroupWriteback' {
        $json = '{"id":"r","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true,"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalDistributionGroup"}}'
        (Resolve-GroupWriteback -Json $json | Test-GroupWritebackChange -State Distribution).Outcome | Should -Be 'NoChange'
    }
}

Describe 'Test-GroupWritebackChange: bad input' {
    It 'writes a non-terminating error per bad group and decides the others' {
        $good = New-TestGroup -Kind Security -IsEnabled $null -Type $null
        $errors = $null
        $decisions = @('nope', 7, $good, [pscustomobject]@{ Id = 'x'; MailEnabled = 'no' } |
                Test-GroupWritebackChange -State Security -ErrorVariable errors -ErrorAction SilentlyContinue)
        $decisions.Count | Should -Be 1
        $decisions[0].Outcome | Should -Be 'Send'
        $errors.Count | Should -Be 3
        @($errors.CategoryInfo.Category) | Should -Be @('InvalidData', 'InvalidArgument', 'InvalidData')
        # The ErrorId before the comma; after it PowerShell names the command's implementing type.
        @($errors.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] }) | Should -Be @(
            'GroupWriteback.InvalidJson'
            'GroupWriteback.NotAGroup'
            'GroupWriteback.InvalidGroup'
        )
        $errors[2].TargetObject.Id | Should -Be 'x'
    }
}
