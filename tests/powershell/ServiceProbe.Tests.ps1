# powershell/tools/Test-GroupWritebackService.ps1 (the probe an administrator
# runs on a real tenant) run against graph-sim standing in for the service:
# every answer matches graph-sim's own (the one the probe starts, and the
# probe's table), the group is restored and no other group changes, it refuses
# without -GroupId or -Confirm and sends nothing then, the token never appears
# in its output, and where the two graph-sims differ (--writeback-validation
# strict against store) the report flags exactly the refusal rows.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    $script:probe = [System.IO.Path]::GetFullPath((Join-Path -Path $PSScriptRoot -ChildPath '../../powershell/tools/Test-GroupWritebackService.ps1'))
    $script:token = 'probe-static-token-' + [guid]::NewGuid().ToString('N')
    $script:secure = ConvertTo-SecureString -String $token -AsPlainText -Force
    $script:ids = @{
        Security     = '11111111-1111-4111-8111-111111111111'
        Synced       = '22222222-2222-4222-8222-222222222222'
        Distribution = '33333333-3333-4333-8333-333333333333'
        MailSecurity = '44444444-4444-4444-8444-444444444444'
        Unified      = '55555555-5555-4555-8555-555555555555'
    }
    $tenant = @{ groups = @(
            @{ id = $ids.Security; displayName = 'SG probe'; groupTypes = @(); securityEnabled = $true; mailEnabled = $false; mailNickname = 'sgprobe'
                writebackConfiguration = @{ isEnabled = $false; onPremisesGroupType = 'universalSecurityGroup' } },
            @{ id = $ids.Synced; displayName = 'CORP probe'; groupTypes = @(); securityEnabled = $true; mailEnabled = $false; onPremisesSyncEnabled = $true; mailNickname = 'corpprobe'
                writebackConfiguration = @{ isEnabled = $null; onPremisesGroupType = $null } },
            @{ id = $ids.Distribution; displayName = 'DL probe'; groupTypes = @(); securityEnabled = $false; mailEnabled = $true; mailNickname = 'dlprobe'; mail = 'dlprobe@graphsim.onmicrosoft.com'
                writebackConfiguration = @{ isEnabled = $true; onPremisesGroupType = 'universalDistributionGroup' } },
            @{ id = $ids.MailSecurity; displayName = 'MESG probe'; groupTypes = @(); securityEnabled = $true; mailEnabled = $true; mailNickname = 'mesgprobe'; mail = 'mesgprobe@graphsim.onmicrosoft.com'
                writebackConfiguration = @{ isEnabled = $null; onPremisesGroupType = 'UniversalSecurityGroup' } },
            @{ id = $ids.Unified; displayName = 'Sales probe'; groupTypes = @('Unified'); securityEnabled = $false; mailEnabled = $true; mailNickname = 'salesprobe'; mail = 'salesprobe@graphsim.onmicrosoft.com'
                writebackConfiguration = @{ isEnabled = $true; onPremisesGroupType = 'universalDistributionGroup' } },
            # Only for the restore-failure test (left with a type it cannot clear).
            @{ id = '66666666-6666-4666-8666-666666666666'; displayName = 'SG untyped probe'; groupTypes = @(); securityEnabled = $true; mailEnabled = $false; mailNickname = 'sguntyped'
                writebackConfiguration = @{ isEnabled = $false; onPremisesGroupType = $null } })
    }
    $script:tenantFile = Join-Path -Path $TestDrive -ChildPath 'probe-tenant.json'
    Set-Content -LiteralPath $tenantFile -Value ($tenant | ConvertTo-Json -Depth 10) -Encoding utf8
    function Start-ProbeService([string] $Mode) {
        Start-TestGraphSim -ArgumentList @('--tenant', $tenantFile, '--groups', '20', '--seed', '5', '--static-token', $token, '--throttle', 'off', '--writeback-validation', $Mode)
    }
    $script:store = Start-ProbeService 'store'
    $script:strict = Start-ProbeService 'strict'

    # Every group's stored state, as graph-sim keeps it.
    function Get-TenantState($Sim) {
        $state = @{}
        foreach ($id in $ids.Values) { $state[$id] = (Get-TestSimGroup -Sim $Sim -Id $id | ConvertTo-Json -Depth 10 -Compress) }
        $state
    }
    function Invoke-Probe($Sim, [string] $GroupId, [hashtable] $Extra = @{}) {
        & $probe -GroupId $GroupId -AccessToken $secure -Endpoint "$($Sim.Url)/beta" -Confirm:$false -PassThru @Extra
    }
    function Get-MismatchId($Result) { @($Result.Rows | Where-Object { $false -eq $_.Match } | ForEach-Object { $_.Id } | Sort-Object) }
}

AfterAll {
    Stop-TestGraphSim -Sim $store
    Stop-TestGraphSim -Sim $strict
}

Describe 'Test-GroupWritebackService refuses to run' {
    It 'without -GroupId, and sends nothing' {
        $before = (Get-TestSimStat -Sim $store).requests
        { & $probe -AccessToken $secure -Endpoint "$($store.Url)/beta" -Confirm:$false } | Should -Throw '*-GroupId is required*'
        (Get-TestSimStat -Sim $store).requests | Should -Be $before
    }

    It 'without -Confirm, and sends nothing' {
        $before = (Get-TestSimStat -Sim $store).requests
        { & $probe -GroupId $ids.Security -AccessToken $secure -Endpoint "$($store.Url)/beta" } | Should -Throw '*refusing to run without -Confirm*'
        (Get-TestSimStat -Sim $store).requests | Should -Be $before
    }

    It 'with a plain http endpoint that is not loopback (the token would travel in clear)' {
        { & $probe -GroupId $ids.Security -AccessToken $secure -Endpoint 'http://graph.example.com/beta' -Confirm:$false } | Should -Throw '*must be an https URL*'
    }

    It 'when the group cannot be read, having changed nothing' {
        $writes = (Get-TestSimStat -Sim $store).writes
        { & $probe -GroupId ([guid]::NewGuid()) -AccessToken $secure -Endpoint "$($store.Url)/beta" -Confirm:$false } | Should -Throw '*answered 404 Request_ResourceNotFound*nothing was changed*'
        (Get-TestSimStat -Sim $store).writes | Should -Be $writes
    }

    It 'with -WhatIf, sending nothing' {
        $before = (Get-TestSimStat -Sim $store).requests
        $out = & $probe -GroupId $ids.Security -AccessToken $secure -Endpoint "$($store.Url)/beta" -Confirm:$false -WhatIf
        $out | Should -BeNullOrEmpty
        (Get-TestSimStat -Sim $store).requests | Should -Be $before
    }
}

Describe 'Test-GroupWritebackService against graph-sim (store) as the service' {
    It 'matches graph-sim on every row for a <Name> group, restores it and leaves the others as they were' -ForEach @(
        @{ Name = 'security'; Key = 'Security'; Sent = @('W1', 'W2', 'W3', 'W4') },
        @{ Name = 'synced'; Key = 'Synced'; Sent = @('W3', 'W5') },
        @{ Name = 'cloud distribution'; Key = 'Distribution'; Sent = @('W1', 'W3', 'W4', 'W6') },
        @{ Name = 'mail-enabled security'; Key = 'MailSecurity'; Sent = @('W1', 'W3', 'W4', 'W7') },
        @{ Name = 'Microsoft 365'; Key = 'Unified'; Sent = @('W1', 'W3', 'W4') }
    ) {
        $before = Get-TenantState $store
        $writesBefore = (Get-TestSimStat -Sim $store).writes
        $result = Invoke-Probe $store $ids[$Key]
        $result.Restored | Should -BeTrue
        Get-MismatchId $result | Should -BeNullOrEmpty
        $result.Mismatches | Should -Be 0
        $result.Report | Should -Match 'Compared with: graph-sim started by the probe'
        $result.Report | Should -Not -Match 'mismatch\)'
        foreach ($id in $Sent) { ($result.Rows | Where-Object Id -EQ $id).Match | Should -BeTrue -Because "$id applies to this group" }
        $sentRows = @($result.Rows | Where-Object { $null -ne $_.Match })
        $sentRows.Count | Should -BeGreaterThan 25
        # The PATCHes were really applied (and undone), not all refused.
        (Get-TestSimStat -Sim $store).writes | Should -BeGreaterThan $writesBefore
        $after = Get-TenantState $store
        foreach ($id in $ids.Values) { $after[$id] | Should -Be $before[$id] -Because "group $id is restored or untouched" }
    }

    It 'matches the table in the script for a <Name> group' -ForEach @(
        @{ Name = 'security'; Key = 'Security' }, @{ Name = 'synced'; Key = 'Synced' }, @{ Name = 'mail-enabled security'; Key = 'MailSecurity' }
    ) {
        $result = Invoke-Probe $store $ids[$Key] @{ NoSimulator = $true }
        $result.Report | Should -Match 'Compared with: the table'
        Get-MismatchId $result | Should -BeNullOrEmpty
        $result.Restored | Should -BeTrue
    }

    It 'never writes the token, even with -Verbose' {
        $text = & $probe -GroupId $ids.Security -AccessToken $secure -Endpoint "$($store.Url)/beta" -Confirm:$false -Verbose *>&1 | Out-String
        $text | Should -Match '\| W1 \|'
        $text | Should -Match 'service: PATCH http'
        $text.Contains($token) | Should -BeFalse
    }

    It 'writes the report to -ReportPath' {
        $path = Join-Path -Path $TestDrive -ChildPath 'probe.md'
        $text = & $probe -GroupId $ids.Security -AccessToken $secure -Endpoint "$($store.Url)/beta" -Confirm:$false -ReportPath $path
        (Get-Content -LiteralPath $path -Raw).Trim() | Should -Be ($text | Out-String).Trim()
        $text | Should -Match '^## Group writeback service probe'
        $text | Should -Match '\| # \| request \| assumed in graph-sim \| service \| graph-sim \| match \|'
    }
}

Describe 'Test-GroupWritebackService where the service and graph-sim differ (--writeback-validation strict)' {
    It 'flags the refusal rows as mismatches when the service is strict and graph-sim stores (<Name> group)' -ForEach @(
        @{ Name = 'security'; Key = 'Security'; Refused = @('W1', 'W2', 'W3', 'W4') },
        @{ Name = 'synced'; Key = 'Synced'; Refused = @('W3', 'W5') }
    ) {
        $before = Get-TenantState $strict
        $result = Invoke-Probe $strict $ids[$Key]
        Get-MismatchId $result | Should -Be @($Refused | Sort-Object)
        $result.Mismatches | Should -Be $Refused.Count
        foreach ($id in $Refused) {
            $line = ($result.Report -split "`n") | Where-Object { $_ -like "| $id |*" }
            $line | Should -Match '\| 400 / Request_BadRequest / stored: .* \| 204 / - / stored: .* \| \*\*no \(mismatch\)\*\* \|'
        }
        $result.Report | Should -Match "Rows: \d+ sent, $($Refused.Count) mismatch"
        $result.Restored | Should -BeTrue
        $after = Get-TenantState $strict
        foreach ($id in $ids.Values) { $after[$id] | Should -Be $before[$id] }
    }

    It 'flags them when the service stores and graph-sim is strict' {
        $result = Invoke-Probe $store $ids.Security @{ SimulatorWritebackValidation = 'strict' }
        Get-MismatchId $result | Should -Be @('W1', 'W2', 'W3', 'W4')
        $result.Report | Should -Match '--writeback-validation strict'
        $result.Restored | Should -BeTrue
    }

    It 'compares with a running graph-sim given by -SimulatorEndpoint' {
        $result = Invoke-Probe $store $ids.Security @{ SimulatorEndpoint = $strict.Url; SimulatorAccessToken = $secure }
        Get-MismatchId $result | Should -Be @('W1', 'W2', 'W3', 'W4')
        $result.Report | Should -Match "a running graph-sim at $([regex]::Escape($strict.Url))"
    }
}

Describe 'Test-GroupWritebackService when the group cannot be restored' {
    It 'says so loudly and gives the PATCH body to restore by hand (-AllowTypeChange on a group without a type)' {
        $untyped = '66666666-6666-4666-8666-666666666666'
        $out = Invoke-Probe $store $untyped @{ AllowTypeChange = $true } 3>&1
        $warnings = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $result = $out | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] }
        $warnings.Count | Should -Be 1
        $result.Restored | Should -BeFalse
        $result.RestoreBody | Should -Be '{"writebackConfiguration":{"onPremisesGroupType":null}}'
        "$warnings" | Should -Match "RESTORING GROUP $untyped FAILED"
        "$warnings" | Should -Match ([regex]::Escape('{"writebackConfiguration":{"onPremisesGroupType":null}}'))
        $result.Report | Should -Match '\*\*Restored: NO\*\*'
        # After the first row could not be undone, no further PATCH was sent.
        ($result.Rows | Where-Object Id -EQ 'W3').Skipped | Should -Match '^not sent: restoring after W1 failed'
        (Get-TestSimGroup -Sim $store -Id $untyped).writebackConfiguration.isEnabled | Should -BeFalse
    }
}
