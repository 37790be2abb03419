# What a server sends never makes the cmdlets show the token, and answers
# that are not what was asked for are errors, not empty groups. The server is
# a stand-in on a loopback port (GraphSim.psm1 Start-TestHostileServer).

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:token = 'pester-Hostile-Token-0123456789abcdef'
    $upper = $token.ToUpperInvariant()
    $lower = $token.ToLowerInvariant()
    $script:server = Start-TestHostileServer -Route @(
        @{ Match = 'echo'; Status = 400
            Body = "{""error"":{""code"":""Code_$lower"",""message"":""not $upper"",""innerError"":{""request-id"":""rid-$upper""}}}"
            Headers = @{ 'request-id' = "rid-$upper" }
        }
        @{ Match = '/beta/groups/'; Status = 200
            Body = '{"@odata.context":"x","value":[{"id":"a"},{"id":"b"}]}'
        }
        @{ Match = '/beta/groups'; Status = 200
            # The nextLink points at this host on another port.
            Body = '{"value":[{"id":"00000000-0000-4000-8000-000000000001","groupTypes":["Unified"]}],"@odata.nextLink":"http://127.0.0.1:1/beta/groups?$skiptoken=' + $lower + '"}'
        }
    )
    $secure = [securestring]::new()
    foreach ($c in $token.ToCharArray()) { $secure.AppendChar($c) }
    Connect-GroupWriteback -Endpoint $server.Url -AccessToken $secure

    function Get-TestShownText {
        param([System.Management.Automation.ErrorRecord] $Record)
        @($Record.ToString(), $Record.ErrorDetails.Message, $Record.Exception.Message, $Record.FullyQualifiedErrorId,
            $Record.Exception.GraphCode, $Record.Exception.RequestId, ($Record | Format-List * -Force | Out-String)) -join "`n"
    }
}

AfterAll {
    Disconnect-GroupWriteback -ErrorAction Ignore
    Stop-TestHostileServer -Server $server
}

Describe 'A hostile server' {
    It 'cannot get the token shown through an error''s code, message or request id, in any letter case' {
        Get-GroupWriteback -GroupId 'echo' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $shown = Get-TestShownText -Record $failures[0]
        $shown | Should -Not -Match ([regex]::Escape($token))   # -match ignores case
        $shown | Should -Match 'request id rid-\[redacted\]'
    }

    It 'answering a one-group read with a page gives an error naming what came back' {
        Get-GroupWriteback -GroupId '00000000-0000-4000-8000-000000000001' -ErrorVariable failures -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].Exception.Status | Should -Be 'InvalidResponse'
        $failures[0].ToString() | Should -Match 'was not that group: Graph sent a collection page of 2 object'
    }

    It 'sending a nextLink to another port is refused, naming both origins and not the token' {
        $listed = @(Get-GroupWriteback -All -ErrorVariable failures -ErrorAction SilentlyContinue)
        $listed.Count | Should -Be 1
        $failures.Count | Should -Be 1
        $failures[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $failures[0].ToString() | Should -Match ([regex]::Escape('http://127.0.0.1:1'))
        $failures[0].ToString() | Should -Match ([regex]::Escape($server.Url))
        Get-TestShownText -Record $failures[0] | Should -Not -Match ([regex]::Escape($token))
    }
}
