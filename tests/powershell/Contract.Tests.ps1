# The contract between the library's JSON and the module's C# model: for
# every shape the library emits (an explained group, a listing page, bulk
# results of every kind, a decision, a piped object's group), the keys the
# model reads (recorded by GroupWriteback.Native.JsonRead) are compared with
# the keys the library wrote. A key the library writes that the model never
# reads, or a key the model reads that the library never writes, fails here:
# a rename on either side cannot pass unnoticed.

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:token = 'pester-contract-token'
    $script:sim = Start-TestGraphSim -ArgumentList @('--groups', '120', '--seed', '77', '--static-token', $token, '--throttle', 'off')
    $secure = ConvertTo-SecureString -String $token -AsPlainText -Force
    $script:client = [GroupWriteback.Native.GraphClient]::Create((@{ endpoint = $sim.Url } | ConvertTo-Json -Compress), $secure)

    # Every key of every object in a JSON text, at any depth.
    function Get-TestJsonKey {
        param([string[]] $Json)
        $keys = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
        $walk = {
            param($node)
            if ($node -is [System.Collections.IDictionary]) {
                foreach ($k in $node.Keys) { $null = $keys.Add($k); & $walk $node[$k] }
            }
            elseif ($node -is [System.Collections.IEnumerable] -and $node -isnot [string]) {
                foreach ($item in $node) { & $walk $item }
            }
        }
        foreach ($text in $Json) { & $walk (ConvertFrom-Json -InputObject $text -AsHashtable -NoEnumerate) }
        , @($keys | Sort-Object)
    }

    # Runs $Action with the model's reads recorded; compares them with the keys of the JSON it returns.
    function Assert-TestContract {
        # $Optional: keys the library writes only when there is a value (membershipRule).
        param([scriptblock] $Action, [string[]] $ReadElsewhere = @(), [string[]] $Optional = @('membershipRule'))
        [GroupWriteback.Native.JsonRead]::StartRecording()
        try { $json = @(& $Action) }
        finally { $read = [GroupWriteback.Native.JsonRead]::StopRecording() }
        $written = Get-TestJsonKey -Json $json
        $leftOver = @($written | Where-Object { $_ -notin $read -and $_ -notin $ReadElsewhere })
        $missing = @($read | Where-Object { $_ -notin $written -and $_ -notin $Optional })
        $leftOver | Should -BeNullOrEmpty -Because 'every key the library writes is read by the model (or named as read elsewhere)'
        $missing | Should -BeNullOrEmpty -Because 'every key the model reads is one the library writes'
    }
}

AfterAll {
    if ($client) { $client.Dispose() }
    Stop-TestGraphSim -Sim $sim
}

Describe 'The library''s JSON and the module''s model' {
    It 'agree on an explained group (with caveats and a membership rule)' {
        Assert-TestContract -Optional @() -Action {
            $groups = '{"id":"c1","displayName":"A","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true,"onPremisesSyncEnabled":null,"membershipRule":"user.department -eq \"x\"","writebackConfiguration":{"isEnabled":null,"onPremisesGroupType":null}}'
            [GroupWriteback.Native.Rules]::Explain($groups).Json
        }
    }

    It 'agree on a listing page' {
        Assert-TestContract -Action {
            $cursor = $client.ListGroups('{"pageSize":50,"maxItems":50,"count":true}')
            try { $cursor.NextPage().Json } finally { $cursor.Dispose() }
        }
    }

    It 'agree on bulk results of every kind: written, noChange, refused, failed' {
        $cursor = $client.ListGroups('{}')
        $groups = @(); while (-not ($page = $cursor.NextPage()).Done) { $groups += $page.Groups }
        $cursor.Dispose()
        $m365 = @($groups | Where-Object { $_.Kind -eq 'microsoft365' -and -not $_.IsSynced })
        $synced = @($groups | Where-Object IsSynced)[0]
        $changes = @(
            @{ id = $m365[0].Id; state = 'Security' }
            # Stored exactly as asked: no change.
            @($m365 | Where-Object { $_.IsEnabled -eq $false } | Select-Object -First 1 | ForEach-Object { @{ id = $_.Id; state = 'NoWriteback' } })[0]
            @{ id = $synced.Id; state = 'Security' }
            @{ id = '00000000-0000-4000-8000-00000000dead'; state = 'Security' }
        ) | ConvertTo-Json -Compress
        $script:bulkJson = @()
        Assert-TestContract -ReadElsewhere @('code', 'after') -Action {
            $bulk = $client.BulkSet($changes)
            try {
                do { $poll = $bulk.Poll(500); if ($poll.Json -and $poll.Json -ne '[]') { $script:bulkJson += @($poll.Json); $poll.Json } } until ($poll.Done)
            }
            finally { $bulk.Dispose() }
        }
        # The sample really holds every kind of result.
        $kinds = @($script:bulkJson | ForEach-Object { (ConvertFrom-Json -InputObject $_) } | ForEach-Object result | Sort-Object -Unique)
        $kinds | Should -Be @('failed', 'noChange', 'refused', 'written')
    }

    It 'agree on a decision' {
        Assert-TestContract -ReadElsewhere @('body', 'makesExplicit', 'summary', 'refusal') -Action {
            $group = '{"id":"c2","groupTypes":[],"securityEnabled":true,"mailEnabled":false,"writebackConfiguration":{"isEnabled":null,"onPremisesGroupType":"universalSecurityGroup"}}'
            $decision = [GroupWriteback.Native.Rules]::ValidateState($group, 'Security')
            $decision.Json
            $decision.Group.Json
        }
    }
}
