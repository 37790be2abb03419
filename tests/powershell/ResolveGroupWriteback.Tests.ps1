# Resolve-GroupWriteback against the module as a user imports it.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop

    function New-TestGroupJson {
        param(
            [string] $Kind,
            [AllowNull()] [object] $IsEnabled,
            [AllowNull()] [object] $Type,
            [switch] $Synced
        )
        $group = [ordered]@{ id = [guid]::NewGuid().ToString(); displayName = "$Kind group" }
        switch ($Kind) {
            'Microsoft365' { $group.groupTypes = @('Unified'); $group.securityEnabled = $false; $group.mailEnabled = $true }
            'Security' { $group.groupTypes = @(); $group.securityEnabled = $true; $group.mailEnabled = $false }
            'MailEnabledSecurity' { $group.groupTypes = @(); $group.securityEnabled = $true; $group.mailEnabled = $true }
            'Distribution' { $group.groupTypes = @(); $group.securityEnabled = $false; $group.mailEnabled = $true }
        }
        $group.onPremisesSyncEnabled = if ($Synced) { $true } else { $null }
        $group.writebackConfiguration = [ordered]@{ isEnabled = $IsEnabled; onPremisesGroupType = $Type }
        ConvertTo-Json -InputObject $group -Compress
    }

    # Shaped like the Microsoft Graph PowerShell SDK's beta models
    # (Get-MgBetaGroup): PascalCase properties, nullable booleans, a nested
    # writeback object and AdditionalProperties for what the model lacks.
    if (-not ('GwbTests.MicrosoftGraphGroup' -as [type])) {
        Add-Type -TypeDefinition @'
using System.Collections.Generic;
namespace GwbTests {
    public class MicrosoftGraphGroupWritebackConfiguration {
        public bool? IsEnabled { get; set; }
        public string OnPremisesGroupType { get; set; }
        public IDictionary<string, object> AdditionalProperties { get; set; } = new Dictionary<string, object>();
    }
    public class MicrosoftGraphGroup {
        public string Id { get; set; }
        public string DisplayName { get; set; }
        public string[] GroupTypes { get; set; }
        public bool? SecurityEnabled { get; set; }
        public bool? MailEnabled { get; set; }
        public bool? OnPremisesSyncEnabled { get; set; }
        public string Mail { get; set; }
        public MicrosoftGraphGroupWritebackConfiguration WritebackConfiguration { get; set; }
        public IDictionary<string, object> AdditionalProperties { get; set; } = new Dictionary<string, object>();
    }
    public class MicrosoftGraphDirectoryObject {
        public string Id { get; set; }
        public IDictionary<string, object> AdditionalProperties { get; set; } = new Dictionary<string, object>();
    }
}
'@
    }
}

Describe 'Resolve-GroupWriteback: the effective-behaviour table' {
    # DOMAIN: isEnabled x onPremisesGroupType, for Microsoft 365 and security groups.
    It '<Kind> with isEnabled=<IsEnabled> and type=<Type>: written back <WrittenBack> as <As> (<Reason>)' -ForEach @(
        @{ Kind = 'Microsoft365'; IsEnabled = $false; Type = 'universalSecurityGroup'; WrittenBack = $false; As = $null; Reason = 'disabled'; State = 'NoWriteback'; Caveats = @() }
        @{ Kind = 'Microsoft365'; IsEnabled = $false; Type = $null; WrittenBack = $false; As = $null; Reason = 'disabled'; State = 'NoWriteback'; Caveats = @() }
        @{ Kind = 'Microsoft365'; IsEnabled = $true; Type = 'universalMailEnabledSecurityGroup'; WrittenBack = $true; As = 'universalMailEnabledSecurityGroup'; Reason = 'enabledWithType'; State = 'MailEnabledSecurity'; Caveats = @() }
        @{ Kind = 'Microsoft365'; IsEnabled = $true; Type = $null; WrittenBack = $true; As = 'universalDistributionGroup'; Reason = 'enabledDefaultType'; State = $null; Caveats = $null }
        @{ Kind = 'Microsoft365'; IsEnabled = $null; Type = $null; WrittenBack = $true; As = 'universalDistributionGroup'; Reason = 'legacyMicrosoft365Default'; State = 'NoWriteback'; Caveats = @('portalShowsNoWriteback') }
        @{ Kind = 'Microsoft365'; IsEnabled = $null; Type = 'universalSecurityGroup'; WrittenBack = $true; As = 'universalSecurityGroup'; Reason = 'unsetEnabledWithType'; State = $null; Caveats = @('unsetEnabledWithType') }
        @{ Kind = 'Security'; IsEnabled = $false; Type = 'universalSecurityGroup'; WrittenBack = $false; As = $null; Reason = 'disabled'; State = 'NoWriteback'; Caveats = @() }
        @{ Kind = 'Security'; IsEnabled = $true; Type = 'universalSecurityGroup'; WrittenBack = $true; As = 'universalSecurityGroup'; Reason = 'enabledWithType'; State = 'Security'; Caveats = @() }
        @{ Kind = 'Security'; IsEnabled = $true; Type = $null; WrittenBack = $true; As = 'universalSecurityGroup'; Reason = 'enabledDefaultType'; State = $null; Caveats = $null }
        @{ Kind = 'Security'; IsEnabled = $null; Type = $null; WrittenBack = $false; As = $null; Reason = 'notConfigured'; State = 'NoWriteback'; Caveats = @('documentsDisagree') }
        @{ Kind = 'Security'; IsEnabled = $null; Type = 'universalSecurityGroup'; WrittenBack = $true; As = 'universalSecurityGroup'; Reason = 'unsetEnabledWithType'; State = $null; Caveats = @('unsetEnabledWithType') }
    ) {
        $result = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind $Kind -IsEnabled $IsEnabled -Type $Type)
        $result.PSObject.TypeNames[0] | Should -Be 'GroupWriteback.Group'
        $result.Kind | Should -Be $Kind
        $result.WrittenBack | Should -Be $WrittenBack
        $result.WrittenBackAs | Should -Be $As
        $result.Reason | Should -Be $Reason
        $result.Explanation | Should -Not -BeNullOrEmpty
        $result.WritebackEnabled | Should -Be ($IsEnabled -eq $true)
        $result.WritebackConfiguration.IsEnabled | Should -Be $IsEnabled
        $result.WritebackConfiguration.OnPremisesGroupType | Should -Be $Type
        if ($null -ne $State) {
            $result.WritebackState | Should -Be $State
        }
        if ($null -ne $Caveats) {
            @($result.Caveats.Code) | Should -Be $Caveats
        }
    }

    It 'shows the portal''s "No writeback" next to the effective distribution writeback of a never-configured Microsoft 365 group' {
        $result = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind Microsoft365 -IsEnabled $null -Type $null)
        $result.WritebackStateDisplayName | Should -Be 'No writeback'
        $result.EffectiveWriteback | Should -Be 'Distribution'
        $result.Caveats[0].PSObject.TypeNames[0] | Should -Be 'GroupWriteback.Caveat'
        $result.Caveats[0].Message | Should -Match 'No writeback'
    }

    It '<Kind> groups are not eligible and not written back (<Reason>)' -ForEach @(
        @{ Kind = 'Distribution'; Synced = $false; Reason = 'kindNotEligible' }
        @{ Kind = 'MailEnabledSecurity'; Synced = $false; Reason = 'kindNotEligible' }
        @{ Kind = 'Security'; Synced = $true; Reason = 'syncedFromOnPremises' }
        @{ Kind = 'Microsoft365'; Synced = $true; Reason = 'syncedFromOnPremises' }
    ) {
        $result = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind $Kind -IsEnabled $true -Type 'universalSecurityGroup' -Synced:$Synced)
        $result.Kind | Should -Be $Kind
        $result.WrittenBack | Should -BeFalse
        $result.EffectiveWriteback | Should -Be 'Not written back'
        $result.Reason | Should -Be $Reason
        $result.OnPremisesSyncEnabled | Should -Be ($(if ($Synced) { $true } else { $null }))
    }

    It 'keeps an unknown type and reports it, and reads PascalCase types' {
        $unknown = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind Microsoft365 -IsEnabled $true -Type 'globalSecurityGroup')
        $unknown.WritebackConfiguration.OnPremisesGroupType | Should -Be 'globalSecurityGroup'
        @($unknown.Caveats.Code) | Should -Contain 'unknownType'
        # What the sync engine does with it is not documented: unknown, not written back as it.
        $unknown.WrittenBack | Should -BeNullOrEmpty
        $unknown.WrittenBackAs | Should -BeNullOrEmpty
        $unknown.EffectiveWriteback | Should -Be 'Unknown'
        $unknown.Reason | Should -Be 'unknownType'

        $pascal = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind Security -IsEnabled $true -Type 'UniversalSecurityGroup')
        $pascal.WritebackConfiguration.OnPremisesGroupType | Should -Be 'universalSecurityGroup'
        $pascal.WrittenBackAs | Should -Be 'universalSecurityGroup'
        @($pascal.Caveats.Code) | Should -Contain 'typeNotCanonical'
    }

    It 'says unknown, not written back, for a type the documents do not name, one the kind may not have, or a kind not read (<Case>)' -ForEach @(
        @{ Case = 'universalFooGroup'; Reason = 'unknownType'
            Json = '{"id":"a10","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true,"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalFooGroup"}}' }
        @{ Case = 'a security group stored as distribution'; Reason = 'typeNotAllowedForKind'
            Json = '{"id":"a11","groupTypes":[],"securityEnabled":true,"mailEnabled":false,"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalDistributionGroup"}}' }
        @{ Case = 'kind not read'; Reason = 'kindUndetermined'
            Json = '{"id":"a12","displayName":"Selected","writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}' }
    ) {
        $result = Resolve-GroupWriteback -Json $Json
        $result.WrittenBack | Should -BeNullOrEmpty
        $null -eq $result.WrittenBack | Should -BeTrue
        $result.EffectiveWriteback | Should -Be 'Unknown'
        $result.Reason | Should -Be $Reason
        # Counted neither as written back nor as not written back.
        @(Resolve-GroupWriteback -Json $Json | Where-Object { $_.WrittenBack -eq $true }).Count | Should -Be 0
        @(Resolve-GroupWriteback -Json $Json | Where-Object { $_.WrittenBack -eq $false }).Count | Should -Be 0
    }

    It 'reads a group the same whether it is piped as an object or given as -Json (membershipRule too)' {
        $json = '{"id":"d2","displayName":"Rule","groupTypes":[],"securityEnabled":true,"mailEnabled":false,"membershipRule":"user.department -eq \"Sales\"","writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":null}}'
        $fromJson = Resolve-GroupWriteback -Json $json
        $fromObject = $json | ConvertFrom-Json | Resolve-GroupWriteback
        $fromHashtable = @{ ID = 'd2'; DisplayName = 'Rule'; GroupTypes = @(); SecurityEnabled = $true; MailEnabled = $false
            MembershipRule = 'user.department -eq "Sales"'; AdditionalProperties = @{ writebackConfiguration = @{ isEnabled = $true } } } |
            Resolve-GroupWriteback
        $fromJson.IsDynamic | Should -BeTrue
        foreach ($other in $fromObject, $fromHashtable) {
            $other.IsDynamic | Should -Be $fromJson.IsDynamic
            $other.WritebackState | Should -Be $fromJson.WritebackState
            $other.EffectiveWriteback | Should -Be $fromJson.EffectiveWriteback
        }
    }

    It 'shows dynamic membership' {
        $json = '{"id":"d1","displayName":"Dyn","groupTypes":["Unified","DynamicMembership"],"securityEnabled":false,"mailEnabled":true}'
        $result = Resolve-GroupWriteback -Json $json
        $result.IsDynamic | Should -BeTrue
        $result.GroupTypes | Should -Be @('Unified', 'DynamicMembership')
    }
}

Describe 'Resolve-GroupWriteback: inputs' {
    It 'reads objects shaped like Get-MgBetaGroup output' {
        $group = [GwbTests.MicrosoftGraphGroup]::new()
        $group.Id = '00000000-0000-0000-0000-000000000001'
        $group.DisplayName = 'Sales'
        $group.GroupTypes = @('Unified')
        $group.SecurityEnabled = $false
        $group.MailEnabled = $true
        $group.WritebackConfiguration = [GwbTests.MicrosoftGraphGroupWritebackConfiguration]::new()
        $group.WritebackConfiguration.IsEnabled = $true
        $group.WritebackConfiguration.OnPremisesGroupType = 'universalSecurityGroup'

        $result = $group | Resolve-GroupWriteback
        $result.Id | Should -Be $group.Id
        $result.DisplayName | Should -Be 'Sales'
        $result.Kind | Should -Be 'microsoft365'
        $result.WritebackEnabled | Should -BeTrue
        $result.TargetWritebackType | Should -Be 'Security'
        $result.WrittenBackAs | Should -Be 'universalSecurityGroup'
    }

    It 'reads only stored properties: a script property is never run' {
        $script:scriptPropertyRuns = 0
        $group = [pscustomobject]@{
            id              = '00000000-0000-0000-0000-000000000002'
            displayName     = 'Script'
            groupTypes      = @()
            securityEnabled = $true
            mailEnabled     = $false
        }
        $group | Add-Member -MemberType ScriptProperty -Name Expensive -Value { $script:scriptPropertyRuns++; 'computed' }
        $result = $group | Resolve-GroupWriteback
        $result.DisplayName | Should -Be 'Script'
        $result.Kind | Should -Be 'security'
        $script:scriptPropertyRuns | Should -Be 0
    }

    It 'reads a Get-MgBetaGroup object whose writeback properties are null (not selected or never set)' {
        $group = [GwbTests.MicrosoftGraphGroup]@{ Id = 'g2'; DisplayName = 'Team'; GroupTypes = @('Unified'); SecurityEnabled = $false; MailEnabled = $true }
        $result = $group | Resolve-GroupWriteback
        $result.Reason | Should -Be 'legacyMicrosoft365Default'
    }

    It 'reads the properties a model lacks from AdditionalProperties (camelCase)' {
        $object = [GwbTests.MicrosoftGraphDirectoryObject]::new()
        $object.Id = 'g3'
        $object.AdditionalProperties['@odata.type'] = '#microsoft.graph.group'
        $object.AdditionalProperties['displayName'] = 'Finance'
        $object.AdditionalProperties['groupTypes'] = [object[]]@()
        $object.AdditionalProperties['securityEnabled'] = $true
        $object.AdditionalProperties['mailEnabled'] = $false
        $writeback = [System.Collections.Generic.Dictionary[string, object]]::new()
        $writeback['isEnabled'] = $true
        $writeback['onPremisesGroupType'] = 'universalSecurityGroup'
        $object.AdditionalProperties['writebackConfiguration'] = $writeback

        $result = $object | Resolve-GroupWriteback
        $result.DisplayName | Should -Be 'Finance'
        $result.Kind | Should -Be 'security'
        $result.WritebackState | Should -Be 'Security'
    }

    It 'reads ConvertFrom-Json objects, dictionaries and its own output' {
        $json = New-TestGroupJson -Kind Security -IsEnabled $true -Type 'universalSecurityGroup'
        $fromJson = $json | ConvertFrom-Json | Resolve-GroupWriteback
        $fromDictionary = $json | ConvertFrom-Json -AsHashtable | Resolve-GroupWriteback
        $again = $fromJson | Resolve-GroupWriteback
        foreach ($result in $fromJson, $fromDictionary, $again) {
            $result.Kind | Should -Be 'security'
            $result.WritebackState | Should -Be 'Security'
            $result.WrittenBack | Should -BeTrue
        }
        $again.Id | Should -Be $fromJson.Id
    }

    It 'accepts a single group type given as a string' {
        $result = [pscustomobject]@{ Id = 'g4'; GroupTypes = 'Unified'; SecurityEnabled = $false; MailEnabled = $true } | Resolve-GroupWriteback
        $result.Kind | Should -Be 'microsoft365'
    }

    It 'reads JSON text: an object, an array and a Graph list response, from -Json or the pipeline' {
        $a = New-TestGroupJson -Kind Security -IsEnabled $false -Type $null
        $b = New-TestGroupJson -Kind Microsoft365 -IsEnabled $null -Type $null
        @(Resolve-GroupWriteback -Json $a).Count | Should -Be 1
        @(Resolve-GroupWriteback -Json "[$a,$b]").Count | Should -Be 2
        $list = "{""@odata.context"":""https://graph.microsoft.com/beta/`$metadata#groups"",""value"":[$a,$b]}"
        $results = @($list | Resolve-GroupWriteback)
        $results.Count | Should -Be 2
        $results[1].Reason | Should -Be 'legacyMicrosoft365Default'
    }

    It 'keeps text as text: a display name that looks like a date, and non-ASCII names' {
        $json = '{"id":"x","displayName":"2024-01-01T00:00:00Z","securityEnabled":true,"mailEnabled":false}'
        (Resolve-GroupWriteback -Json $json).DisplayName | Should -BeOfType [string]
        (Resolve-GroupWriteback -Json $json).DisplayName | Should -Be '2024-01-01T00:00:00Z'
        $name = "Ventes Élysée ✓ 営業"
        ([pscustomobject]@{ Id = 'u'; DisplayName = $name; SecurityEnabled = $true; MailEnabled = $false } | Resolve-GroupWriteback).DisplayName | Should -Be $name
    }

    It 'is shown by the default table view with the portal columns and the effective behaviour' {
        $text = Resolve-GroupWriteback -Json (New-TestGroupJson -Kind Microsoft365 -IsEnabled $null -Type $null) | Out-String -Width 200
        foreach ($column in 'Name', 'Kind', 'WritebackEnabled', 'TargetWritebackType', 'WritebackState', 'EffectiveWriteback') {
            $text | Should -Match $column
        }
        $text | Should -Match 'No writeback'
        $text | Should -Match 'Distribution \(!\)'
    }
}

Describe 'Resolve-GroupWriteback: bad input' {
    It 'gives <Category> (<ErrorId>) for <Case>, with the target object and what to do' -ForEach @(
        @{ Case = 'text that is not JSON'; Json = 'not json'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidJson'; Hint = 'Get-MgBetaGroup' }
        @{ Case = 'a JSON number'; Json = '42'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidGroup'; Hint = 'Get-MgBetaGroup' }
        @{ Case = 'a property of the wrong type'; Json = '{"id":"1","securityEnabled":"yes"}'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidGroup'; Hint = 'securityEnabled' }
        @{ Case = 'an id that is a number'; Json = '{"id":7}'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidGroup'; Hint = 'id' }
        @{ Case = 'a writebackConfiguration that is a string'; Json = '{"id":"1","writebackConfiguration":"on"}'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidGroup'; Hint = 'writebackConfiguration' }
        @{ Case = 'truncated JSON'; Json = '{"id":"1",'; Category = 'InvalidData'; ErrorId = 'GroupWriteback.InvalidJson'; Hint = 'JSON' }
    ) {
        $errors = $null
        $output = Resolve-GroupWriteback -Json $Json -ErrorVariable errors -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be $Category
        # The ErrorId before the comma; after it PowerShell names the command's implementing type.
        ($errors[0].FullyQualifiedErrorId -split ',')[0] | Should -Be $ErrorId
        $errors[0].TargetObject | Should -Not -BeNullOrEmpty
        $errors[0].Exception.Message | Should -Match ([regex]::Escape($Hint))
    }

    It 'gives InvalidArgument for objects that are not groups, and goes on with the next item' {
        $good = New-TestGroupJson -Kind Security -IsEnabled $true -Type 'universalSecurityGroup' | ConvertFrom-Json
        $folder = Get-Item -LiteralPath $PSHOME
        $errors = $null
        $output = @(42, $folder, @{ name = 'x' }, $good, $null | Resolve-GroupWriteback -ErrorVariable errors -ErrorAction SilentlyContinue)
        $output.Count | Should -Be 1
        $output[0].Kind | Should -Be 'security'
        $errors.Count | Should -Be 4
        foreach ($record in $errors) {
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $record.Exception.Message | Should -Match 'Get-MgBetaGroup'
        }
        $errors[0].TargetObject | Should -Be 42
        $errors[1].TargetObject.FullName | Should -Be $folder.FullName
    }

    It 'names the group in the error and keeps the target object' {
        $bad = [pscustomobject]@{ Id = 'g-bad'; DisplayName = 'Broken'; SecurityEnabled = 'yes' }
        $errors = $null
        $bad | Resolve-GroupWriteback -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].Exception.Message | Should -Match "Group 'Broken'"
        $errors[0].TargetObject | Should -Be $bad
        $errors[0].Exception.InnerException | Should -BeOfType [GroupWriteback.Native.GwbException]
        $errors[0].Exception.InnerException.StatusName | Should -Be 'invalidJson'
    }

    It 'reports each bad element of an array and explains the others' {
        $good = New-TestGroupJson -Kind Security -IsEnabled $false -Type $null
        $errors = $null
        $output = @(Resolve-GroupWriteback -Json "[$good, 5, {""id"": true}, $good]" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $output.Count | Should -Be 2
        $errors.Count | Should -Be 2
    }

    It 'survives hostile input without crashing the session' {
        $deep = ('[' * 5000) + (']' * 5000)
        $inputs = @(
            $deep,
            ('{"id":"' + ('x' * 1000000) + '"}'),
            "{""id"":""a`0b""}",
            '{"id":"\ud800"}',
            '{"displayName":"\u0000"}',
            ('{"groupTypes":[' + ((1..10000 | ForEach-Object { '"Unified"' }) -join ',') + ']}'),
            '',
            ' '
        )
        foreach ($text in $inputs) {
            { Resolve-GroupWriteback -Json $text -ErrorAction SilentlyContinue } | Should -Not -Throw
        }
        (Resolve-GroupWriteback -Json '{"id":"still-alive","securityEnabled":true,"mailEnabled":false}').Id | Should -Be 'still-alive'
    }
}
