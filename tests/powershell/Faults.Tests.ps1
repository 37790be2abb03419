# The fault matrix through the cmdlets: graph-sim (tests/graph-sim) started
# with fault flags, the end state checked in the simulator. A listing returns
# every group once; a bulk change leaves the simulator holding the requested
# states with one result (output object or ErrorRecord) per group; a stopped
# bulk change (the Ctrl+C path) reports exactly the writes the simulator saw.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:faultToken = 'pester-fault-token-5150'

    function New-TestSecret {
        param([string] $Text)
        $secure = [securestring]::new()
        foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
        $secure.MakeReadOnly()
        $secure
    }

    function Start-FaultSim {
        param([string[]] $Flag = @(), [int] $Groups = 300, [int] $Seed = 71)
        Start-TestGraphSim -ArgumentList (@('--groups', "$Groups", '--seed', "$Seed", '--static-token', $faultToken, '--fault-seed', '3') + $Flag)
    }

    function Connect-FaultSim {
        param($Sim)
        Connect-GroupWriteback -Endpoint $Sim.Url -AccessToken (New-TestSecret $faultToken)
    }

    # The tenant's ids, read from a simulator without faults (same seed, same tenant).
    function Get-TenantId {
        param([int] $Groups = 300, [int] $Seed = 71)
        $clean = Start-FaultSim -Groups $Groups -Seed $Seed -Flag @('--throttle', 'off')
        try {
            Connect-FaultSim -Sim $clean
            @(Get-GroupWriteback -All | ForEach-Object Id)
        }
        finally {
            Stop-TestGraphSim -Sim $clean
        }
    }

    # Groups that take the requested state as a real change.
    function Select-ChangeTarget {
        param([object[]] $Group, [int] $Count)
        @($Group | Where-Object {
                -not $_.OnPremisesSyncEnabled -and $_.GroupTypes -contains 'Unified' -and $_.WritebackState -ne 'Security' -and
                ($null -eq $_.OnPremisesGroupType -or "$($_.OnPremisesGroupType)" -like 'universal*')
            } | Select-Object -First $Count)
    }

    $script:tenant = Get-TenantId
}

AfterAll {
    Disconnect-GroupWriteback -ErrorAction Ignore
}

Describe 'Fault: Get-GroupWriteback -All under faults' {
    It 'Fault: listing returns every group exactly once under <Case>' -ForEach @(
        @{ Case = '500/502/503/504'; Flag = @('--throttle', 'off', '--error-rate', '0.25', '--fault-retry-after', '1', '--throttle-speed', '20') }
        @{ Case = 'resets before any byte'; Flag = @('--throttle', 'off', '--reset-rate', '0.2') }
        @{ Case = 'resets in the middle of the body'; Flag = @('--throttle', 'off', '--truncate-rate', '0.2') }
        @{ Case = 'truncated JSON'; Flag = @('--throttle', 'off', '--truncate-json-rate', '0.2') }
        @{ Case = 'a 429 storm'; Flag = @('--throttle', 'off', '--fault-429-rate', '0.4', '--fault-retry-after', '1', '--throttle-speed', '20') }
    ) {
        $sim = Start-FaultSim -Flag $Flag
        try {
            Connect-FaultSim -Sim $sim
            $listed = @(Get-GroupWriteback -All -PageSize 25 -ErrorVariable err)
            $err.Count | Should -Be 0
            $ids = @($listed | ForEach-Object Id)
            $ids.Count | Should -Be $tenant.Count
            @($ids | Sort-Object -Unique).Count | Should -Be $tenant.Count
            Compare-Object -ReferenceObject $tenant -DifferenceObject $ids | Should -BeNullOrEmpty
            $stats = Get-TestSimStat -Sim $sim
            ($stats.faults.errors + $stats.faults.resets + $stats.faults.truncations + $stats.faults.badJson) | Should -BeGreaterThan 0
        }
        finally {
            Stop-TestGraphSim -Sim $sim
        }
    }
}

Describe 'Fault: Get-GroupWriteback -All over short and empty pages' {
    # graph-sim --page-shape: pages with fewer groups than asked for, or
    # none, each but the last with an @odata.nextLink, as the service can send.
    It 'Fault: listing returns every group exactly once when pages are <Case>' -ForEach @(
        @{ Case = 'short'; Shape = 'short' }
        @{ Case = 'short or empty'; Shape = 'with-empty' }
    ) {
        $sim = Start-FaultSim -Flag @('--throttle', 'off', '--page-shape', $Shape)
        try {
            Connect-FaultSim -Sim $sim
            $listed = @(Get-GroupWriteback -All -PageSize 40 -ErrorVariable err)
            $err.Count | Should -Be 0
            $ids = @($listed | ForEach-Object Id)
            $ids.Count | Should -Be $tenant.Count
            @($ids | Sort-Object -Unique).Count | Should -Be $tenant.Count
            Compare-Object -ReferenceObject $tenant -DifferenceObject $ids | Should -BeNullOrEmpty
        }
        finally {
            Stop-TestGraphSim -Sim $sim
        }
    }
}

Describe 'Fault: Set-GroupWriteback from the pipeline under faults' {
    It 'Fault: bulk change ends with the requested states and one result per group under <Case>' -ForEach @(
        @{ Case = 'a 429 storm (quota, whole batches and sub-requests)'; Flag = @('--throttle-scale', '0.01', '--fault-429-rate', '0.2', '--batch-fault-rate', '0.2', '--fault-retry-after', '1', '--throttle-speed', '20') }
        @{ Case = '5xx on batches and sub-requests'; Flag = @('--throttle', 'off', '--error-rate', '0.2', '--batch-fault-rate', '0.2', '--fault-retry-after', '1', '--throttle-speed', '20') }
        @{ Case = 'resets and truncated JSON'; Flag = @('--throttle', 'off', '--reset-rate', '0.1', '--truncate-json-rate', '0.1') }
    ) {
        $sim = Start-FaultSim -Flag $Flag
        try {
            Connect-FaultSim -Sim $sim
            $targets = Select-ChangeTarget -Group @(Get-GroupWriteback -All) -Count 40
            $targets.Count | Should -Be 40
            $out = @($targets | Set-GroupWriteback -State Security -PassThru -ErrorAction SilentlyContinue -ErrorVariable err)
            # One result per group: an output object or an ErrorRecord naming it.
            ($out.Count + $err.Count) | Should -Be $targets.Count
            $resultIds = @(@($out | ForEach-Object Id) + @($err | ForEach-Object { $_.TargetObject.Id }))
            @($resultIds | Sort-Object -Unique).Count | Should -Be $targets.Count
            $err.Count | Should -Be 0 -Because "retries carry every change through: $($err | Out-String)"
            foreach ($t in $targets) {
                $stored = Get-TestSimGroup -Sim $sim -Id $t.Id
                $stored.writebackConfiguration.isEnabled | Should -BeTrue
                $stored.writebackConfiguration.onPremisesGroupType | Should -Be 'universalSecurityGroup'
            }
        }
        finally {
            Stop-TestGraphSim -Sim $sim
        }
    }

    It 'Fault: a group that fails amid sub-request faults is one ErrorRecord naming it with Graph''s code' {
        # Sub-requests meet 429/5xx on the way; the unknown group still ends
        # with exactly one error, Graph's Request_ResourceNotFound.
        $sim = Start-FaultSim -Flag @('--throttle', 'off', '--batch-fault-rate', '0.2', '--fault-retry-after', '1', '--throttle-speed', '20')
        try {
            Connect-FaultSim -Sim $sim
            $targets = Select-ChangeTarget -Group @(Get-GroupWriteback -All) -Count 10
            $ghost = '0f0f0f0f-0000-4000-8000-00000000dead'
            $out = @(@($targets | ForEach-Object Id) + $ghost | Set-GroupWriteback -State Security -PassThru -ErrorAction SilentlyContinue -ErrorVariable err)
            $out.Count | Should -Be $targets.Count
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_ResourceNotFound*'
            "$($err[0].TargetObject)" | Should -Be $ghost
            "$($err[0])" | Should -Match $ghost
        }
        finally {
            Stop-TestGraphSim -Sim $sim
        }
    }
}

Describe 'Fault: stopping Set-GroupWriteback (the Ctrl+C path)' {
    It 'Fault: stop mid-run reports exactly the writes the simulator saw, and the module still works' {
        $sim = Start-FaultSim -Groups 600 -Seed 72 -Flag @('--throttle', 'off', '--latency-ms', '250')
        try {
            Connect-FaultSim -Sim $sim
            $all = @(Get-GroupWriteback -All)
            $targets = Select-ChangeTarget -Group $all -Count 150
            $targets.Count | Should -BeGreaterThan 100
            $before = (Get-TestSimStat -Sim $sim).writes

            $runspace = [runspacefactory]::CreateRunspace()
            $runspace.Open()
            try {
                $ps = [powershell]::Create()
                $ps.Runspace = $runspace
                $null = $ps.AddScript({
                        param($ModuleDir, $Url, $Token, $Ids)
                        Import-Module -Name $ModuleDir -Force
                        $secure = ConvertTo-SecureString -String $Token -AsPlainText -Force
                        Connect-GroupWriteback -Endpoint $Url -AccessToken $secure
                        $Ids | Set-GroupWriteback -State Security -PassThru
                    }).AddArgument($moduleDir).AddArgument($sim.Url).AddArgument($faultToken).AddArgument(@($targets | ForEach-Object Id))
                $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
                $inputData = [System.Management.Automation.PSDataCollection[psobject]]::new()
                $inputData.Complete()
                $async = $ps.BeginInvoke($inputData, $output)
                Start-Sleep -Milliseconds 1200
                $ps.Stop()
                $async.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $ps.Dispose()

                # The command's own account of the stop.
                $ask = [powershell]::Create()
                $ask.Runspace = $runspace
                $summary = @($ask.AddScript({ [GroupWriteback.Commands.SetGroupWritebackCommand]::LastStopSummary }).Invoke())[0]
                $ask.Dispose()
                $summary | Should -Match 'Set-GroupWriteback was stopped: (\d+) written'
                $null = $summary -match 'stopped: (\d+) written.* (\d+) not sent, of (\d+) groups'
                $written = [int]$Matches[1]
                $notSent = [int]$Matches[2]
                [int]$Matches[3] | Should -Be $targets.Count
                $notSent | Should -BeGreaterThan 0 -Because 'the stop came before the end'

                # What it said it wrote is what the simulator saw written, and
                # exactly those groups hold the new state.
                ((Get-TestSimStat -Sim $sim).writes - $before) | Should -Be $written
                $changed = @($targets | Where-Object {
                        $s = (Get-TestSimGroup -Sim $sim -Id $_.Id).writebackConfiguration
                        $s.isEnabled -eq $true -and $s.onPremisesGroupType -eq 'universalSecurityGroup'
                    }).Count
                $changed | Should -Be $written
                $output.Count | Should -BeLessOrEqual $written

                # The module still works in that runspace, and in this one.
                $again = [powershell]::Create()
                $again.Runspace = $runspace
                $after = @($again.AddScript({ param($Id) Get-GroupWriteback -GroupId $Id }).AddArgument($targets[0].Id).Invoke())
                $again.HadErrors | Should -BeFalse
                $after.Count | Should -Be 1
                $again.Dispose()
            }
            finally {
                $runspace.Dispose()
            }
            @(Get-GroupWriteback -Top 3).Count | Should -Be 3
        }
        finally {
            Stop-TestGraphSim -Sim $sim
        }
    }
}
