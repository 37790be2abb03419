# Every cmdlet given bad input: wrong types, empty strings, $null, huge
# values, nonexistent ids and objects from other modules. Each gives clean
# ErrorRecords (terminating or not) with a sensible category: never a crash
# of pwsh, never a raw .NET exception message, never a write.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:badToken = 'pester-badinput-token-8086'
    $script:sim = Start-TestGraphSim -ArgumentList @('--groups', '200', '--seed', '81', '--static-token', $badToken, '--throttle', 'off')

    function New-TestSecret {
        param([string] $Text)
        $secure = [securestring]::new()
        foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
        $secure.MakeReadOnly()
        $secure
    }

    function Connect-BadInputSim {
        Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $badToken)
    }

    # Runs a script and returns every ErrorRecord it produced, terminating
    # or not; its other output is dropped.
    function Get-BadInputError {
        param([scriptblock] $Script)
        $records = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        try {
            # Non-terminating errors stay non-terminating, and are collected.
            $ErrorActionPreference = 'Continue'
            $PSDefaultParameterValues = @{ '*:ErrorAction' = 'Continue' }
            foreach ($o in @(& $Script 2>&1)) {
                if ($o -is [System.Management.Automation.ErrorRecord]) { $records.Add($o) }
            }
        }
        catch {
            $records.Add($_)
        }
        , $records.ToArray()
    }

    # Messages that betray an exception nobody handled.
    $script:rawPatterns = @(
        'Object reference not set', 'NullReferenceException', 'IndexOutOfRange', 'Index was outside',
        'Exception calling "', 'Unhandled exception', 'panicked', 'AccessViolation', 'StackOverflow',
        '(?m)^\s+at [A-Z][\w.]+\(', 'You cannot call a method on a null-valued expression'
    )

    function Assert-CleanError {
        param([object[]] $Record, [int] $AtLeast = 1)
        @($Record).Count | Should -BeGreaterOrEqual $AtLeast -Because 'bad input must give an error'
        foreach ($r in $Record) {
            $r | Should -BeOfType ([System.Management.Automation.ErrorRecord])
            $r.CategoryInfo.Category | Should -Not -Be 'NotSpecified' -Because "every error has a category: $r"
            $text = "$r"
            $text | Should -Not -BeNullOrEmpty
            foreach ($p in $rawPatterns) {
                $text | Should -Not -Match $p -Because "a raw .NET exception message leaked: $text"
            }
            $text | Should -Not -Match ([regex]::Escape($badToken))
        }
    }

    Connect-BadInputSim
    $script:groups = @(Get-GroupWriteback -All)
    $script:m365 = @($groups | Where-Object { -not $_.OnPremisesSyncEnabled -and $_.GroupTypes -contains 'Unified' -and $_.WritebackState -ne 'Security' })[0]
    $script:huge = 'a' * 1MB
    $script:ghost = '0f0f0f0f-0000-4000-8000-00000000beef'
}

AfterAll {
    Disconnect-GroupWriteback -ErrorAction Ignore
    Stop-TestGraphSim -Sim $sim
}

Describe 'Bad input: Get-GroupWriteback' {
    BeforeEach { $script:writesBefore = (Get-TestSimStat -Sim $sim).writes }
    AfterEach { (Get-TestSimStat -Sim $sim).writes | Should -Be $writesBefore }

    It 'Bad input: Get-GroupWriteback <Case>' -ForEach @(
        @{ Case = 'with an empty -GroupId'; Script = { Get-GroupWriteback -GroupId '' } }
        @{ Case = 'with a $null -GroupId'; Script = { Get-GroupWriteback -GroupId $null } }
        @{ Case = 'with a -GroupId that is not a GUID'; Script = { Get-GroupWriteback -GroupId 'not-a-guid' } }
        @{ Case = 'with a 1 MB -GroupId'; Script = { Get-GroupWriteback -GroupId $huge } }
        @{ Case = 'with control characters in -GroupId'; Script = { Get-GroupWriteback -GroupId "a`r`nb" } }
        @{ Case = 'with a nonexistent id'; Script = { Get-GroupWriteback -GroupId $ghost } }
        @{ Case = 'with -Top 0'; Script = { Get-GroupWriteback -Top 0 } }
        @{ Case = 'with -Top of the wrong type'; Script = { Get-GroupWriteback -Top 'many' } }
        @{ Case = 'with -PageSize 1000'; Script = { Get-GroupWriteback -PageSize 1000 } }
        @{ Case = 'with an unsupported -Filter'; Script = { Get-GroupWriteback -Filter 'writebackConfiguration/isEnabled eq true' } }
        @{ Case = 'with a 64 KB -Filter'; Script = { Get-GroupWriteback -Filter ('x' * 64KB) } }
        @{ Case = 'with -WrittenBack of the wrong type'; Script = { Get-GroupWriteback -WrittenBack 'perhaps' } }
        @{ Case = 'with Get-Process output piped'; Script = { Get-Process -Id $PID | Get-GroupWriteback } }
        @{ Case = 'with a hashtable piped'; Script = { @{ Id = 'not-a-guid'; DisplayName = 'x' } | Get-GroupWriteback } }
        @{ Case = 'with an unknown parameter'; Script = { Get-GroupWriteback -Everything } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: Get-GroupWriteback maps a nonexistent id to ObjectNotFound with Graph''s code' {
        $e = Get-BadInputError { Get-GroupWriteback -GroupId $ghost }
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_ResourceNotFound*'
        "$($e[0])" | Should -Match $ghost
    }
}

Describe 'Bad input: Set-GroupWriteback' {
    BeforeEach { $script:writesBefore = (Get-TestSimStat -Sim $sim).writes }
    AfterEach { (Get-TestSimStat -Sim $sim).writes | Should -Be $writesBefore -Because 'bad input writes nothing' }

    It 'Bad input: Set-GroupWriteback <Case>' -ForEach @(
        @{ Case = 'with an empty -GroupId'; Script = { Set-GroupWriteback -GroupId '' -State Security } }
        @{ Case = 'with a $null -GroupId'; Script = { Set-GroupWriteback -GroupId $null -State Security } }
        @{ Case = 'with an unknown -State'; Script = { Set-GroupWriteback -GroupId $m365.Id -State Sideways } }
        @{ Case = 'with an empty -State'; Script = { Set-GroupWriteback -GroupId $m365.Id -State '' } }
        @{ Case = 'with -IsEnabled of the wrong type'; Script = { Set-GroupWriteback -GroupId $m365.Id -IsEnabled 'maybe' } }
        @{ Case = 'with an unknown -OnPremisesGroupType'; Script = { Set-GroupWriteback -GroupId $m365.Id -IsEnabled $true -OnPremisesGroupType globalSecurityGroup } }
        @{ Case = 'with -OnPremisesGroupType $null'; Script = { Set-GroupWriteback -GroupId $m365.Id -OnPremisesGroupType $null } }
        @{ Case = 'with no change named'; Script = { Set-GroupWriteback -GroupId $m365.Id } }
        @{ Case = 'with a 1 MB -GroupId'; Script = { Set-GroupWriteback -GroupId $huge -State Security } }
        @{ Case = 'with a -GroupId that is not a GUID'; Script = { Set-GroupWriteback -GroupId 'not-a-guid' -State Security } }
        @{ Case = 'with a nonexistent id'; Script = { Set-GroupWriteback -GroupId $ghost -State Security } }
        @{ Case = 'with a nonexistent id and -WhatIf'; Script = { Set-GroupWriteback -GroupId $ghost -State Security -WhatIf } }
        @{ Case = 'with a hashtable piped'; Script = { @{ Id = $ghost; displayName = 'x' } | Set-GroupWriteback -State Security } }
        @{ Case = 'with $null piped'; Script = { $null | Set-GroupWriteback -State Security } }
        @{ Case = 'with an integer piped'; Script = { 42 | Set-GroupWriteback -State Security } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: Set-GroupWriteback with Get-Process output piped' {
        Assert-CleanError (Get-BadInputError { Get-Process -Id $PID | Set-GroupWriteback -State Security })
    }

    It 'Bad input: Set-GroupWriteback with a blank -GroupId names the input, not an internal change number' {
        $records = Get-BadInputError { Set-GroupWriteback -GroupId ' ' -State Security }
        Assert-CleanError $records
        "$($records[0])" | Should -Not -Match 'change 0'
        "$($records[0])" | Should -Match "' '"
    }

    It 'Bad input: Set-GroupWriteback with Microsoft.Graph-shaped objects missing properties writes only what the rules allow' {
        # Shaped like Get-MgBetaGroup output, with the writeback and kind
        # properties missing: the group must be read, not guessed.
        $shaped = [pscustomobject]@{ Id = $m365.Id; DisplayName = $m365.DisplayName; AdditionalProperties = @{}; GroupTypes = $null }
        $shaped.PSObject.TypeNames.Insert(0, 'Microsoft.Graph.Beta.PowerShell.Models.MicrosoftGraphGroup')
        $ghostShaped = [pscustomobject]@{ Id = $ghost; DisplayName = 'Ghost'; AdditionalProperties = @{} }
        $out = @($shaped, $ghostShaped | Set-GroupWriteback -State Security -PassThru -ErrorAction SilentlyContinue -ErrorVariable err)
        $out.Count | Should -Be 1
        $out[0].Id | Should -Be $m365.Id
        Assert-CleanError $err
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $stored = Get-TestSimGroup -Sim $sim -Id $m365.Id
        $stored.writebackConfiguration.onPremisesGroupType | Should -Be 'universalSecurityGroup'
        Set-GroupWriteback -GroupId $m365.Id -State NoWriteback
        $script:writesBefore = (Get-TestSimStat -Sim $sim).writes
    }

    It 'Bad input: Set-GroupWriteback with a 20,000-element pipeline of one id gives one result per element and one write' {
        $ids = [string[]]::new(20000)
        for ($i = 0; $i -lt $ids.Length; $i++) { $ids[$i] = $m365.Id }
        $out = @($ids | Set-GroupWriteback -State Distribution -PassThru -ErrorAction SilentlyContinue -ErrorVariable err)
        $out.Count | Should -Be 1
        $err.Count | Should -Be 19999
        Assert-CleanError @($err[0], $err[-1])
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -Match 'more than once'
        (Get-TestSimStat -Sim $sim).writes - $writesBefore | Should -Be 1
        Set-GroupWriteback -GroupId $m365.Id -State NoWriteback
        $script:writesBefore = (Get-TestSimStat -Sim $sim).writes
    }
}

Describe 'Bad input: Test-GroupWritebackChange and Resolve-GroupWriteback' {
    It 'Bad input: <Case>' -ForEach @(
        @{ Case = 'Test-GroupWritebackChange with -Json ""'; Script = { Test-GroupWritebackChange -Json '' -State Security } }
        @{ Case = 'Test-GroupWritebackChange with broken JSON'; Script = { Test-GroupWritebackChange -Json '{"id": ' -State Security } }
        @{ Case = 'Test-GroupWritebackChange with JSON nested 100,000 deep'; Script = { Test-GroupWritebackChange -Json ('[' * 100000) -State Security } }
        @{ Case = 'Test-GroupWritebackChange with a 1 MB JSON string value'; Script = { Test-GroupWritebackChange -Json ('{"groupTypes": "' + $huge + '"}') -State Security } }
        @{ Case = 'Test-GroupWritebackChange with wrong JSON types'; Script = { Test-GroupWritebackChange -Json '{"securityEnabled": "yes", "groupTypes": 7}' -State Security } }
        @{ Case = 'Test-GroupWritebackChange with $null piped'; Script = { $null | Test-GroupWritebackChange -State Security } }
        @{ Case = 'Test-GroupWritebackChange with a hashtable of wrong types'; Script = { @{ securityEnabled = 'yes'; groupTypes = 7 } | Test-GroupWritebackChange -State Security } }
        @{ Case = 'Test-GroupWritebackChange with an unknown -State'; Script = { Test-GroupWritebackChange -Json '{}' -State Sideways } }
        @{ Case = 'Test-GroupWritebackChange with -IsEnabled of the wrong type'; Script = { Test-GroupWritebackChange -Json '{}' -IsEnabled 'maybe' } }
        @{ Case = 'Resolve-GroupWriteback with -Json ""'; Script = { Resolve-GroupWriteback -Json '' } }
        @{ Case = 'Resolve-GroupWriteback with broken JSON'; Script = { Resolve-GroupWriteback -Json '{"value": [' } }
        @{ Case = 'Resolve-GroupWriteback with a 1 MB non-JSON string'; Script = { Resolve-GroupWriteback -Json $huge } }
        @{ Case = 'Resolve-GroupWriteback with wrong JSON types'; Script = { Resolve-GroupWriteback -Json '{"writebackConfiguration": {"isEnabled": "on"}}' } }
        @{ Case = 'Resolve-GroupWriteback with a hashtable of wrong types'; Script = { @{ mailEnabled = 'no'; groupTypes = @{ a = 1 } } | Resolve-GroupWriteback } }
        @{ Case = 'Resolve-GroupWriteback with an unknown parameter'; Script = { Resolve-GroupWriteback -Everything } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: <Case>' -ForEach @(
        @{ Case = 'Test-GroupWritebackChange with Get-Process output'; Script = { Get-Process -Id $PID | Test-GroupWritebackChange -State Security } }
        @{ Case = 'Resolve-GroupWriteback with Get-Process output'; Script = { Get-Process -Id $PID | Resolve-GroupWriteback } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: Test-GroupWritebackChange with an unknown -OnPremisesGroupType is a refused decision, not an error' {
        $e = Get-BadInputError { Test-GroupWritebackChange -Json '{"groupTypes":["Unified"]}' -OnPremisesGroupType 'globalSecurityGroup' }
        $e.Count | Should -Be 0
        $d = Test-GroupWritebackChange -Json '{"groupTypes":["Unified"]}' -OnPremisesGroupType 'globalSecurityGroup'
        $d.Outcome | Should -Be 'Refused'
        $d.RefusalCode | Should -Be 'unknownType'
    }

    It 'Bad input: Resolve-GroupWriteback with a 100,000-element pipeline of wrong types' {
        $started = [datetime]::UtcNow
        $e = Get-BadInputError { 1..100000 | Resolve-GroupWriteback }
        $e.Count | Should -Be 100000 -Because 'one error per element'
        Assert-CleanError @($e[0], $e[50000], $e[-1])
        ([datetime]::UtcNow - $started).TotalSeconds | Should -BeLessThan 120
    }
}

Describe 'Bad input: Connect-GroupWriteback and the context commands' {
    AfterAll { Connect-BadInputSim }

    It 'Bad input: Connect-GroupWriteback <Case>' -ForEach @(
        @{ Case = 'with an -Endpoint that is not a URL'; Script = { Connect-GroupWriteback -Endpoint 'not a url' -AccessToken (New-TestSecret 'x') } }
        @{ Case = 'with an http -Endpoint that is not loopback'; Script = { Connect-GroupWriteback -Endpoint 'http://graph.example.com' -AccessToken (New-TestSecret 'x') } }
        @{ Case = 'with a 1 MB -Endpoint'; Script = { Connect-GroupWriteback -Endpoint ('https://' + ('a' * 1MB) + '.example.com') -AccessToken (New-TestSecret 'x') } }
        @{ Case = 'with an empty -TenantId'; Script = { Connect-GroupWriteback -TenantId '' -ClientId 'x' -CertificateThumbprint 'AB' } }
        @{ Case = 'with a $null -AccessToken'; Script = { Connect-GroupWriteback -AccessToken $null } }
        @{ Case = 'with a plain string -AccessToken'; Script = { Connect-GroupWriteback -Endpoint $sim.Url -AccessToken 'plain-string' } }
        @{ Case = 'with an unknown -Environment'; Script = { Connect-GroupWriteback -Environment Mars -AccessToken (New-TestSecret 'x') } }
        @{ Case = 'with an unknown certificate thumbprint'; Script = { Connect-GroupWriteback -TenantId 'contoso.onmicrosoft.com' -ClientId '00000000-0000-0000-0000-000000000001' -CertificateThumbprint ('F' * 40) } }
        @{ Case = 'with a hashtable as -ClientSecretCredential'; Script = { Connect-GroupWriteback -TenantId 'contoso.onmicrosoft.com' -ClientSecretCredential @{ UserName = 'a'; Password = 'b' } } }
        @{ Case = 'with Get-Process output as -Certificate'; Script = { Connect-GroupWriteback -TenantId 't' -ClientId 'c' -Certificate (Get-Process -Id $PID) } }
        @{ Case = 'with a wrong token against the simulator'; Script = { Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret 'wrong-token'); Get-GroupWriteback -Top 1 } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: <Case>' -ForEach @(
        @{ Case = 'Get-GroupWritebackContext with an argument'; Script = { Get-GroupWritebackContext 'extra' } }
        @{ Case = 'Disconnect-GroupWriteback with an unknown parameter'; Script = { Disconnect-GroupWriteback -Everything } }
        @{ Case = 'Get-GroupWriteback when not connected'; Script = { Disconnect-GroupWriteback; Get-GroupWriteback -Top 1 } }
        @{ Case = 'Set-GroupWriteback when not connected'; Script = { Disconnect-GroupWriteback; Set-GroupWriteback -GroupId $ghost -State Security } }
    ) {
        Assert-CleanError (Get-BadInputError $Script)
    }

    It 'Bad input: the module still works after all of it' {
        Connect-BadInputSim
        @(Get-GroupWriteback -Top 2).Count | Should -Be 2
    }
}
