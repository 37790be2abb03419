# The Graph-backed commands against graph-sim (tests/graph-sim), with the
# module imported as a user imports it.

BeforeDiscovery {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $noPemCertificate = [bool](Get-TestSkipReason -Capability PemCertificate)
    $noArcAgentFolder = [bool](Get-TestSkipReason -Capability ArcAgentFolder)
}

BeforeAll {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'GraphSim.psm1') -Force
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TestPlatform.psm1') -Force
    $script:moduleDir = Get-TestModulePath
    Import-Module -Name $moduleDir -Force -ErrorAction Stop
    $script:repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $script:tenantId = '5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30'
    $script:appId = '8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b'
    $script:readOnlyAppId = '2b7e9f40-13c5-4d8a-b6e2-7f0a1c3d5e6f'
    $script:staticToken = 'pester-static-token'
    $script:federatedIssuer = 'https://token.actions.githubusercontent.com'
    $script:federatedSubject = 'repo:contoso/writeback:environment:production'
    $script:sim = Start-TestGraphSim -ArgumentList @('--groups', '300', '--seed', '42', '--static-token', $staticToken,
        '--auto-approve-after', '0.2', '--device-code-interval', '1',
        '--federated-credential', "$federatedIssuer|$federatedSubject")

    function New-TestSecret {
        param([string] $Text)
        $secure = [securestring]::new()
        foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
        $secure.MakeReadOnly()
        $secure
    }

    function Connect-TestSim {
        Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken)
    }

    Connect-TestSim
    $script:groups = @(Get-GroupWriteback -All)
}

AfterAll {
    Disconnect-GroupWriteback -ErrorAction Ignore
    Stop-TestGraphSim -Sim $sim
}

Describe 'Connect-GroupWriteback' {
    AfterEach {
        Connect-TestSim
    }

    It 'signs in with an access token (-AccessToken)' {
        $context = Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken) -PassThru
        $context.PSObject.TypeNames[0] | Should -Be 'GroupWriteback.Context'
        $context.AuthType | Should -Be 'accessToken'
        $context.GraphEndpoint | Should -Be "$($sim.Url)/"
        @(Get-GroupWriteback -Top 3).Count | Should -Be 3
    }

    It 'keeps one connection per runspace: connecting and disconnecting in another leaves this one working' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModuleDir, $Url, $Token)
                    Import-Module -Name $ModuleDir -Force
                    Connect-GroupWriteback -Endpoint $Url -AccessToken (ConvertTo-SecureString -String $Token -AsPlainText -Force)
                    Disconnect-GroupWriteback
                    'done'
                }).AddArgument($moduleDir).AddArgument($sim.Url).AddArgument($staticToken)
            @($ps.Invoke()) | Should -Be @('done')
            $ps.HadErrors | Should -BeFalse
        }
        finally {
            $ps.Dispose()
        }
        Get-GroupWritebackContext | Should -Not -BeNullOrEmpty
        @(Get-GroupWriteback -Top 1).Count | Should -Be 1
    }

    It 'signs in with a client secret (-ClientSecretCredential)' {
        $credential = [pscredential]::new($appId, (New-TestSecret 'graph-sim-secret'))
        Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientSecretCredential $credential
        $context = Get-GroupWritebackContext
        $context.AuthType | Should -Be 'clientSecret'
        $context.ClientId | Should -Be $appId
        $context.TenantId | Should -Be $tenantId
        # The paces, as configured until the service slows them.
        $context.ResourceUnitsPerSecond | Should -Be 350
        $context.WritesPerSecond | Should -Be 20
        ($context | Out-String) | Should -Not -Match 'graph-sim-secret'
        @(Get-GroupWriteback -Top 2).Count | Should -Be 2
    }

    It 'fails at connect time with a wrong secret, as an AuthenticationError' {
        $credential = [pscredential]::new($appId, (New-TestSecret 'not-the-secret'))
        $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientSecretCredential $credential } | Should -Throw -PassThru
        $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $thrown.Exception.Message | Should -Not -Match 'not-the-secret'
    }

    It 'signs in with a certificate (-Certificate)' -Tag 'Needs:PemCertificate' -Skip:$noPemCertificate {
        $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile(
            (Join-Path -Path $repoRoot -ChildPath 'tests/graph-sim/testdata/client-assertion-cert.pem'),
            (Join-Path -Path $repoRoot -ChildPath 'tests/graph-sim/testdata/client-assertion-key.pem'))
        $context = Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientId $appId -Certificate $certificate -PassThru
        $context.AuthType | Should -Be 'certificate'
        @(Get-GroupWriteback -Top 1).Count | Should -Be 1
    }

    It 'reports a missing certificate thumbprint as ObjectNotFound' {
        $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientId $appId -CertificateThumbprint '0000000000000000000000000000000000000000' } |
            Should -Throw -PassThru
        $thrown.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $thrown.FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.CertificateNotFound*'
    }

    It 'signs in with a device code, showing the sign-in message as a warning' {
        $context = Connect-GroupWriteback -Endpoint $sim.Url -UseDeviceCode -TenantId $tenantId -ClientId $appId -PassThru -WarningVariable prompt -WarningAction SilentlyContinue
        $context.AuthType | Should -Be 'deviceCode'
        "$prompt" | Should -Match 'code'
        @(Get-GroupWriteback -Top 1).Count | Should -Be 1
    }

    It "falls back to Azure Identity's environment variables" {
        $saved = @{}
        foreach ($name in 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH') {
            $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
        }
        try {
            $env:AZURE_TENANT_ID = $tenantId
            $env:AZURE_CLIENT_ID = $readOnlyAppId
            $env:AZURE_CLIENT_SECRET = 'graph-sim-readonly-secret'
            $env:AZURE_CLIENT_CERTIFICATE_PATH = $null
            $context = Connect-GroupWriteback -Endpoint $sim.Url -PassThru
            $context.ClientId | Should -Be $readOnlyAppId
            $context.CredentialSource | Should -BeLike 'Environment*'
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
        }
        finally {
            foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    It 'says what is missing when the environment holds only part of a credential' {
        $saved = @{}
        foreach ($name in 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE') {
            $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
            [System.Environment]::SetEnvironmentVariable($name, $null)
        }
        try {
            $env:AZURE_CLIENT_ID = $readOnlyAppId
            $thrown = { Connect-GroupWriteback -Endpoint $sim.Url } | Should -Throw -PassThru
            $thrown.FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.NoCredential*'
            $thrown.Exception.Message | Should -Match 'AZURE_TENANT_ID'
            $thrown.Exception.Message | Should -Match 'AZURE_CLIENT_SECRET'
        }
        finally {
            foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    Context 'browser sign-in (no credential at all, as Connect-MgGraph)' {
        BeforeAll {
            $script:browserVariables = 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH',
                'AZURE_FEDERATED_TOKEN_FILE', 'GWB_BROWSER', 'SSH_CONNECTION'
            $script:savedBrowser = @{}
            foreach ($name in $browserVariables) {
                $savedBrowser[$name] = [System.Environment]::GetEnvironmentVariable($name)
                [System.Environment]::SetEnvironmentVariable($name, $null)
            }
        }
        AfterAll {
            foreach ($name in $savedBrowser.Keys) { [System.Environment]::SetEnvironmentVariable($name, $savedBrowser[$name]) }
            Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken)
        }
        AfterEach {
            $env:GWB_BROWSER = $null
            $env:SSH_CONNECTION = $null
        }

        It 'signs in through the browser (graph-sim stands in for it) and shows the flow, never a secret' {
            # graph-sim run with a URL GETs it and follows the redirect to the module's loopback listener.
            $env:GWB_BROWSER = $sim.Process.StartInfo.FileName
            $context = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -PassThru
            $context.AuthType | Should -Be 'browser'
            $context.CredentialSource | Should -Be 'Browser'
            $context.TenantId | Should -Be $tenantId
            $context.ClientId | Should -Be '14d82eec-204b-4c2f-b7e8-296a70dab67e'
            (Get-GroupWritebackContext | Out-String) | Should -Not -Match 'gsim'
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
        }

        It 'asks for Group.ReadWrite.All by default and for -Scopes instead (Group.Read.All: a change is refused, 403)' {
            $env:GWB_BROWSER = $sim.Process.StartInfo.FileName
            $context = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -PassThru
            $context.Scopes | Should -Be @("$($sim.Url)/Group.ReadWrite.All")
            $context = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -Scopes Group.Read.All -PassThru
            $context.Scopes | Should -Be @("$($sim.Url)/Group.Read.All")
            $target = @($groups | Where-Object { -not $_.OnPremisesSyncEnabled -and $_.SecurityEnabled -and -not $_.MailEnabled -and
                    $_.GroupTypes -notcontains 'Unified' -and $_.WritebackState -ne 'NoWriteback' } | Select-Object -First 1)
            $target | Should -HaveCount 1
            $target | Set-GroupWriteback -State NoWriteback -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            # An app's sign-in gets the permissions granted to the app: -Scopes is refused, saying why.
            $env:AZURE_TENANT_ID = $tenantId; $env:AZURE_CLIENT_ID = $appId; $env:AZURE_CLIENT_SECRET = 'graph-sim-secret'
            try {
                $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -Scopes Group.Read.All } | Should -Throw -PassThru
                $thrown.Exception.Message | Should -Match "'scopes' applies to a person's sign-in"
            }
            finally {
                $env:AZURE_TENANT_ID = $null; $env:AZURE_CLIENT_ID = $null; $env:AZURE_CLIENT_SECRET = $null
            }
        }

        It 'keeps a person''s sign-in between sessions with -ContextScope CurrentUser where DPAPI protects it (Windows), and refuses it elsewhere' {
            $savedLocal = $env:LOCALAPPDATA
            $env:LOCALAPPDATA = Join-Path -Path $TestDrive -ChildPath 'LocalAppData'
            $env:GWB_BROWSER = $sim.Process.StartInfo.FileName
            try {
                if ($IsWindows) {
                    $context = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -ContextScope CurrentUser -PassThru
                    $context.ContextScope | Should -Be 'CurrentUser'
                    $context.TokenCache | Should -Be (Join-Path -Path $env:LOCALAPPDATA -ChildPath 'GroupWriteback\TokenCache.dat')
                    [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($context.TokenCache)) | Should -Not -Match 'gsim'
                    # The next session: the browser cannot even start, and the kept sign-in serves.
                    $env:GWB_BROWSER = Join-Path -Path $TestDrive -ChildPath 'no-such-browser.exe'
                    $again = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -ContextScope CurrentUser -PassThru
                    $again.AuthType | Should -Be 'browser'
                    @(Get-GroupWriteback -Top 1).Count | Should -Be 1
                    # As Disconnect-MgGraph: the cache goes with the connection.
                    Disconnect-GroupWriteback
                    Test-Path -LiteralPath $context.TokenCache | Should -BeFalse
                    { Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -ContextScope CurrentUser } | Should -Throw
                }
                else {
                    $thrown = { Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -ContextScope CurrentUser } | Should -Throw -PassThru
                    $thrown.Exception.Message | Should -Match 'DPAPI, which only Windows has'
                    Test-Path -LiteralPath (Join-Path -Path $env:LOCALAPPDATA -ChildPath 'GroupWriteback') | Should -BeFalse
                }
            }
            finally {
                $env:LOCALAPPDATA = $savedLocal
            }
        }

        It 'reports a declined browser sign-in and a code bound to another PKCE challenge as AuthenticationError' {
            $env:GWB_BROWSER = $sim.Process.StartInfo.FileName
            foreach ($case in @(@{ Fault = 'deny'; Says = 'AADSTS65004' }, @{ Fault = 'challenge'; Says = 'AADSTS501481' })) {
                $faulty = Start-TestGraphSim -ArgumentList @('--groups', '1', '--authorize-fault', $case.Fault)
                try {
                    $thrown = { Connect-GroupWriteback -TenantId $tenantId -Endpoint $faulty.Url } | Should -Throw -PassThru
                    $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
                    $thrown.Exception.Message | Should -Match $case.Says
                }
                finally {
                    Stop-TestGraphSim -Sim $faulty
                }
            }
        }

        It 'falls back to device code in an SSH session and says why' {
            $env:SSH_CONNECTION = '10.0.0.2 50000 10.0.0.1 22'
            $context = Connect-GroupWriteback -TenantId $tenantId -Endpoint $sim.Url -PassThru -WarningVariable warned -WarningAction SilentlyContinue
            ($warned -join ' ') | Should -Match 'No browser can be opened here \(this is an SSH session\)'
            $context.AuthType | Should -Be 'deviceCode'
            $context.CredentialSource | Should -BeLike 'Browser (device code*'
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
        }
    }

    Context 'managed identity and workload identity federation' {
        BeforeAll {
            # graph-sim plays the managed identity endpoints; nothing goes to 169.254.169.254.
            $script:identityVariables = 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IMDS_ENDPOINT',
                'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH'
            $script:userIdentity = '6e0f1a2b-3c4d-4e5f-9a6b-7c8d9e0f1a2b'
            $script:identityHeader = 'graph-sim-identity-header-5f3a'
            $script:assertionSignature = 'fedsig-7c1e9bxyz'
            function New-FederatedToken {
                param([int] $ExpiresIn = 600)
                $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
                $b64 = {
                    param($o)
                    [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(($o | ConvertTo-Json -Compress))).TrimEnd('=').Replace('+', '-').Replace('/', '_')
                }
                $header = & $b64 ([ordered]@{ alg = 'RS256'; typ = 'JWT' })
                $claims = & $b64 ([ordered]@{ iss = $federatedIssuer; sub = $federatedSubject; aud = 'api://AzureADTokenExchange'; nbf = $now - 60; exp = $now + $ExpiresIn })
                "$header.$claims.$assertionSignature"
            }
        }
        BeforeEach {
            $script:savedIdentity = @{}
            foreach ($name in $identityVariables) {
                $savedIdentity[$name] = [System.Environment]::GetEnvironmentVariable($name)
                [System.Environment]::SetEnvironmentVariable($name, $null)
            }
        }
        AfterEach {
            foreach ($name in $savedIdentity.Keys) { [System.Environment]::SetEnvironmentVariable($name, $savedIdentity[$name]) }
        }

        It 'signs in as the system-assigned managed identity (-Identity), from the instance metadata service' {
            $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $sim.Url
            $context = Connect-GroupWriteback -Endpoint $sim.Url -Identity -PassThru
            $context.AuthType | Should -Be 'managedIdentity'
            $context.ManagedIdentity | Should -Be 'systemAssigned'
            $context.TokenSource | Should -Be 'imds'
            $context.ClientId | Should -BeNullOrEmpty
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
        }

        It 'signs in as a user-assigned managed identity (-Identity -ClientId), and reports an unknown one' {
            $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $sim.Url
            $context = Connect-GroupWriteback -Endpoint $sim.Url -Identity -ClientId $userIdentity -PassThru
            $context.ManagedIdentity | Should -Be 'userAssigned'
            $context.ClientId | Should -Be $userIdentity
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
            $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -Identity -ClientId $appId } | Should -Throw -PassThru
            $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $thrown.Exception.Message | Should -Match 'Identity not found'
        }

        It 'signs in with the App Service / Automation endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER)' {
            $env:IDENTITY_ENDPOINT = "$($sim.Url)/msi/token"
            $env:IDENTITY_HEADER = $identityHeader
            $context = Connect-GroupWriteback -Endpoint $sim.Url -Identity -PassThru
            $context.TokenSource | Should -Be 'appService'
            ($context | Format-List * | Out-String) | Should -Not -Match $identityHeader
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
            $env:IDENTITY_HEADER = 'wrong-identity-header-42'
            $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -Identity } | Should -Throw -PassThru
            $thrown.Exception.Message | Should -Match '401'
            $thrown.Exception.Message | Should -Not -Match 'wrong-identity-header-42'
        }

        It 'signs in as an Azure Arc-enabled server (-Identity with IDENTITY_ENDPOINT and IMDS_ENDPOINT): the challenge''s key file' -Tag 'Needs:ArcAgentFolder' -Skip:$noArcAgentFolder {
            # A child session, whose agent key folder is one of the test's own (Get-TestArcServerCommand).
            $arc = Get-TestArcServerCommand -Root $TestDrive
            $saved = @{}
            foreach ($name in $arc.Environment.Keys) {
                $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
                [System.Environment]::SetEnvironmentVariable($name, $arc.Environment[$name])
            }
            try {
                $script = Join-Path -Path $PSScriptRoot -ChildPath 'SignInAsArcServer.ps1'
                $output = & $arc.Path @($arc.Argument) -NoProfile -NonInteractive -File $script -ModulePath $moduleDir -KeyFolder $arc.KeyFolder 2>&1
                $code = $LASTEXITCODE
            }
            finally {
                foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            }
            $text = ($output | Out-String)
            $code | Should -Be 0 -Because $text
            $line = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })[-1]
            $result = $line | ConvertFrom-Json
            $result.PSObject.Properties['Error'] | Should -BeNullOrEmpty -Because $text
            $result.AuthType | Should -Be 'managedIdentity'
            $result.ManagedIdentity | Should -Be 'systemAssigned'
            $result.TokenSource | Should -Be 'azureArc'
            $result.Groups | Should -Be 5
            $result.KeyFiles | Should -BeGreaterOrEqual 1
            $text | Should -Not -Match 'graph-sim-arc-key-'
        }

        It 'refuses an Azure Arc challenge naming a key file outside the agent''s folder, and a user-assigned identity there' {
            $elsewhere = Join-Path -Path $TestDrive -ChildPath 'not-the-agent-folder'
            $null = New-Item -ItemType Directory -Path $elsewhere -Force
            $arc = Start-TestGraphSim -ArgumentList @('--groups', '5', '--arc-key-dir', $elsewhere)
            try {
                $env:IDENTITY_ENDPOINT = "$($arc.Url)/metadata/identity/oauth2/token"
                $env:IMDS_ENDPOINT = $arc.Url
                $thrown = { Connect-GroupWriteback -Endpoint $arc.Url -Identity } | Should -Throw -PassThru
                $thrown.Exception.Message | Should -Match 'Azure Arc challenge is refused'
                $thrown.Exception.Message | Should -Not -Match 'graph-sim-arc-key-'
                $thrown = { Connect-GroupWriteback -Endpoint $arc.Url -Identity -ClientId $userIdentity } | Should -Throw -PassThru
                $thrown.Exception.Message | Should -Match 'system-assigned'
            }
            finally {
                Stop-TestGraphSim -Sim $arc
            }
        }

        It 'signs in with a federated token file (-FederatedTokenFile, and AZURE_FEDERATED_TOKEN_FILE)' {
            $file = Join-Path -Path $TestDrive -ChildPath 'federated-token'
            Set-Content -LiteralPath $file -Value (New-FederatedToken) -NoNewline
            $context = Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientId $appId -FederatedTokenFile $file -PassThru
            $context.AuthType | Should -Be 'workloadIdentity'
            $context.TokenSource | Should -Be $file
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1

            $env:AZURE_FEDERATED_TOKEN_FILE = $file
            $env:AZURE_TENANT_ID = $tenantId
            $env:AZURE_CLIENT_ID = $appId
            $context = Connect-GroupWriteback -Endpoint $sim.Url -PassThru
            $context.AuthType | Should -Be 'workloadIdentity'
            $context.CredentialSource | Should -Be 'Environment (workload identity)'

            Set-Content -LiteralPath $file -Value (New-FederatedToken -ExpiresIn -600) -NoNewline
            $thrown = { Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientId $appId -FederatedTokenFile $file } | Should -Throw -PassThru
            $thrown.Exception.Message | Should -Match 'AADSTS700024'
            $thrown.Exception.Message | Should -Not -Match $assertionSignature
        }

        It 'signs in with a client assertion (-ClientAssertion)' {
            $context = Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientId $appId -ClientAssertion (New-TestSecret (New-FederatedToken)) -PassThru
            $context.AuthType | Should -Be 'clientAssertion'
            @(Get-GroupWriteback -Top 1).Count | Should -Be 1
        }
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-GroupWritebackContext
        Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret 'other') -WhatIf
        (Get-GroupWritebackContext).ConnectedAt | Should -Be $before.ConnectedAt
    }
}

Describe 'Disconnect-GroupWriteback and Get-GroupWritebackContext' {
    AfterAll {
        Connect-TestSim
    }

    It 'ends the connection; the commands then ask to connect' {
        $ended = Disconnect-GroupWriteback -PassThru
        $ended.AuthType | Should -Be 'accessToken'
        Get-GroupWritebackContext | Should -BeNullOrEmpty
        $thrown = { Get-GroupWriteback -Top 1 } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.NotConnected*'
        $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'writes an error when there is nothing to end' {
        Disconnect-GroupWriteback -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.NotConnected*'
    }
}

Describe 'Get-GroupWriteback' {
    It 'returns the first page only without -All or -Top, like Get-MgBetaGroup' {
        @(Get-GroupWriteback).Count | Should -Be 100
        @(Get-GroupWriteback -PageSize 7).Count | Should -Be 7
    }

    It 'reads every group with -All, as GroupWriteback.Group objects like Resolve-GroupWriteback' {
        $groups.Count | Should -Be 300
        $first = $groups[0]
        $first.PSObject.TypeNames[0] | Should -Be 'GroupWriteback.Group'
        foreach ($name in 'Id', 'DisplayName', 'GroupTypes', 'SecurityEnabled', 'MailEnabled', 'OnPremisesSyncEnabled', 'WritebackConfiguration',
            'WritebackEnabled', 'TargetWritebackType', 'WritebackState', 'WrittenBack', 'EffectiveWriteback', 'Reason', 'Explanation', 'Caveats') {
            $first.PSObject.Properties[$name] | Should -Not -BeNullOrEmpty -Because "$name is part of GroupWriteback.Group"
        }
        $offline = Resolve-GroupWriteback -InputObject $first
        $offline.WritebackState | Should -Be $first.WritebackState
        $offline.EffectiveWriteback | Should -Be $first.EffectiveWriteback
    }

    It 'returns at most -Top groups' {
        @(Get-GroupWriteback -Top 5).Count | Should -Be 5
        @(Get-GroupWriteback -Top 150 -PageSize 40).Count | Should -Be 150
    }

    It "prints Microsoft's two columns with the docs' pipeline, only groups whose isEnabled is true" {
        $rows = @(Get-GroupWriteback -All | Where-Object {$_.writebackConfiguration.isEnabled -Like $true} | Select-Object Displayname,@{N="WriteBackEnabled";E={$_.writebackConfiguration.isEnabled}})
        $rows.Count | Should -BeGreaterThan 0
        @($rows[0].PSObject.Properties.Name) | Should -Be @('Displayname', 'WriteBackEnabled')
        $byName = @{}
        foreach ($g in $groups) { $byName[$g.DisplayName] = $g.Id }
        foreach ($row in $rows) {
            $row.WriteBackEnabled | Should -BeTrue
            (Get-TestSimGroup -Sim $sim -Id $byName[$row.Displayname]).writebackConfiguration.isEnabled | Should -BeTrue
        }
        $expected = @($groups | Where-Object { $_.Id -and (Get-TestSimGroup -Sim $sim -Id $_.Id).writebackConfiguration.isEnabled -eq $true })
        $rows.Count | Should -Be $expected.Count
        (($rows | Out-String) -split "`n")[1] | Should -Match 'Displayname\s+WriteBackEnabled'
    }

    It 'filters on the portal column and on the effective behaviour' {
        $enabled = @(Get-GroupWriteback -All -WritebackEnabled $true)
        $enabled.Count | Should -Be @($groups | Where-Object { $_.WritebackConfiguration.IsEnabled -eq $true }).Count
        $hidden = @(Get-GroupWriteback -All -WrittenBack $true | Where-Object WritebackState -eq 'NoWriteback')
        $hidden.Count | Should -BeGreaterThan 0
        $hidden | ForEach-Object { $_.WrittenBack | Should -BeTrue }
        @(Get-GroupWriteback -All -WrittenBack $false | Where-Object WrittenBack).Count | Should -Be 0
        # The third answer: groups whose writeback the rules cannot tell.
        $unknown = @(Get-GroupWriteback -All -WrittenBack Unknown)
        $unknown.Count | Should -Be @($groups | Where-Object { $null -eq $_.WrittenBack }).Count
        $unknown | ForEach-Object { $_.EffectiveWriteback | Should -Be 'Unknown' }
        $yes = @(Get-GroupWriteback -All -WrittenBack $true).Count
        $no = @(Get-GroupWriteback -All -WrittenBack $false).Count
        $yes + $no + $unknown.Count | Should -Be $groups.Count
        Get-GroupWriteback -All -WrittenBack 'maybe' -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -Match 'yes, no, unknown'
    }

    It 'reads one group by -GroupId and by piped objects with an Id' {
        $one = Get-GroupWriteback -GroupId $groups[3].Id
        $one.Id | Should -Be $groups[3].Id
        $piped = @($groups[0..2] | Get-GroupWriteback)
        $piped.Id | Should -Be $groups[0..2].Id
        @([pscustomobject]@{ Id = $groups[5].Id } | Get-GroupWriteback).Id | Should -Be $groups[5].Id
    }

    It 'passes -Filter and -Search to Graph' {
        $unified = @(Get-GroupWriteback -All -Filter "groupTypes/any(c:c eq 'Unified')")
        $unified.Count | Should -Be @($groups | Where-Object { $_.GroupTypes -contains 'Unified' }).Count
        $word = ($groups | Where-Object { $_.DisplayName -like 'SG-*' } | Select-Object -First 1).DisplayName
        $found = @(Get-GroupWriteback -All -Search '"displayName:SG"')
        $found.Count | Should -BeGreaterThan 0
        $found.DisplayName | Should -Contain $word
        $bad = Get-GroupWriteback -All -Filter 'createdDateTime ge 2020-01-01' -ErrorAction SilentlyContinue -ErrorVariable err
        $bad | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_UnsupportedQuery*'
    }

    It 'sets -CountVariable to the number of matching groups' {
        $null = Get-GroupWriteback -Top 3 -CountVariable total
        $total | Should -Be 300
        $null = Get-GroupWriteback -All -Filter "groupTypes/any(c:c eq 'Unified')" -CountVariable unified
        $unified | Should -Be @($groups | Where-Object { $_.GroupTypes -contains 'Unified' }).Count
    }

    It 'adds -Property values to the objects' {
        $g = Get-GroupWriteback -Top 1 -Property mail, createdDateTime
        $g.PSObject.Properties['createdDateTime'] | Should -Not -BeNullOrEmpty
    }

    It 'stops the listing early for Select-Object -First 5' {
        $null = Invoke-RestMethod -Method Post -Uri "$($sim.Url)/_sim/stats/reset"
        $five = @(Get-GroupWriteback -All -PageSize 20 | Select-Object -First 5)
        $five.Count | Should -Be 5
        Start-Sleep -Milliseconds 300
        (Get-TestSimStat -Sim $sim).graphRequests | Should -BeLessOrEqual 3 -Because 'all 300 groups at 20 a page would take 15 requests'
    }

    It 'reports an unknown group as ObjectNotFound with Graph''s code' {
        $null = Get-GroupWriteback -GroupId 00000000-0000-4000-8000-000000000000 -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_ResourceNotFound*'
        $err[0].TargetObject | Should -Be '00000000-0000-4000-8000-000000000000'
        $err[0].Exception.RequestId | Should -Not -BeNullOrEmpty
    }

    It 'reports a bad token as AuthenticationError (401) at Connect, with one cheap read' {
        try {
            $before = (Get-TestSimStat -Sim $sim).graphRequests
            $err = $null
            try { Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret 'wrong-token') } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty -Because 'a wrong token fails at Connect, as a wrong secret does'
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            "$err" | Should -Match 'the access token was refused'
            "$err" | Should -Not -Match 'wrong-token'
            ((Get-TestSimStat -Sim $sim).graphRequests - $before) | Should -Be 1
            # The connection before it is kept.
            Get-GroupWritebackContext | Should -Not -BeNullOrEmpty
        }
        finally {
            Connect-TestSim
        }
    }
}

Describe 'Set-GroupWriteback' {
    BeforeAll {
        function Find-TestGroup {
            param([scriptblock] $Where, [int] $Count = 1)
            @($groups | Where-Object $Where | Select-Object -First $Count)
        }
        $script:cloudSecurity = { -not $_.OnPremisesSyncEnabled -and $_.SecurityEnabled -and -not $_.MailEnabled -and $_.GroupTypes -notcontains 'Unified' }
        $script:cloudM365 = { -not $_.OnPremisesSyncEnabled -and $_.GroupTypes -contains 'Unified' }
    }

    It 'says with -WhatIf when a change only makes the stored value explicit, and sends it' {
        # A security group stored with isEnabled null and its type: the portal
        # shows Security and it is written back as security either way.
        $group = Find-TestGroup -Where $cloudSecurity
        $json = @{ id = $group.Id; displayName = $group.DisplayName; groupTypes = @(); securityEnabled = $true; mailEnabled = $false
            onPremisesSyncEnabled = $null; writebackConfiguration = @{ isEnabled = $null; onPremisesGroupType = 'universalSecurityGroup' } } |
            ConvertTo-Json -Depth 4
        $decision = Test-GroupWritebackChange -Json $json -State Security
        $decision.Outcome | Should -Be 'Send'
        $decision.MakesExplicit | Should -BeTrue
        $decision.Summary | Should -Match 'Security -> Security: makes the stored value explicit \(isEnabled null -> true\)'
        $before = (Get-TestSimStat -Sim $sim).writes
        # -WhatIf writes to the host: a transcript records it.
        $transcript = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "gwb-whatif-$PID.txt"
        $null = Start-Transcript -LiteralPath $transcript -Force
        try { Resolve-GroupWriteback -Json $json | Set-GroupWriteback -State Security -WhatIf }
        finally { $null = Stop-Transcript }
        $whatIf = (Get-Content -LiteralPath $transcript -Raw) -replace '\s+', ' '
        Remove-Item -LiteralPath $transcript
        (Get-TestSimStat -Sim $sim).writes | Should -Be $before
        $whatIf | Should -Match 'makes the stored value explicit'
        $whatIf | Should -Not -Match 'no change'
    }

    It 'changes nothing with -WhatIf, and says what would be sent' {
        $before = (Get-TestSimStat -Sim $sim).writes
        $targets = Find-TestGroup -Where $cloudSecurity -Count 3
        $targets | Set-GroupWriteback -State NoWriteback -WhatIf -InformationVariable info
        Set-GroupWriteback -GroupId $targets[0].Id -State Security -WhatIf
        (Get-TestSimStat -Sim $sim).writes | Should -Be $before
    }

    It 'reports a group given twice as the caller''s mistake, not as a Graph error' {
        # Already Distribution, so the first occurrence changes nothing other tests see.
        $target = Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -eq 'Distribution' }
        $failures = @()
        $target.Id, $target.Id.ToUpperInvariant() | Set-GroupWriteback -State Distribution -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        "$($failures[0])" | Should -Match 'appears more than once'
        "$($failures[0])" | Should -Not -Match 'Graph error'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'sets piped groups in bulk (end state checked in the simulator)' {
        $targets = Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -ne 'Security' } -Count 25
        $targets.Count | Should -Be 25
        $after = @($targets | Set-GroupWriteback -State Security -PassThru)
        $after.Count | Should -Be 25
        $after | ForEach-Object { $_.WritebackState | Should -Be 'Security' }
        foreach ($t in $targets) {
            $stored = Get-TestSimGroup -Sim $sim -Id $t.Id
            $stored.writebackConfiguration.isEnabled | Should -BeTrue
            $stored.writebackConfiguration.onPremisesGroupType | Should -Be 'universalSecurityGroup'
        }
    }

    It 'reads piped group ids fifteen to a request before changing them' {
        $targets = Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -ne 'Distribution' } -Count 45
        $targets.Count | Should -Be 45
        $before = Get-TestSimStat -Sim $sim
        $after = @($targets.Id | Set-GroupWriteback -State Distribution -PassThru)
        $after.Count | Should -Be 45
        $after | ForEach-Object { $_.WritebackState | Should -Be 'Distribution' }
        $stats = Get-TestSimStat -Sim $sim
        ($stats.reads - $before.reads) | Should -Be 3 -Because '45 ids, fifteen to a $filter=id in (...) request'
        ($stats.writes - $before.writes) | Should -Be 45
    }

    It 'previews piped ids with -WhatIf in one batched read, and writes nothing' {
        $targets = Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -ne 'MailEnabledSecurity' } -Count 30
        $targets.Count | Should -Be 30
        $before = Get-TestSimStat -Sim $sim
        $transcript = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "gwb-whatif-ids-$PID.txt"
        $null = Start-Transcript -LiteralPath $transcript -Force
        try { $targets.Id | Set-GroupWriteback -State MailEnabledSecurity -WhatIf }
        finally { $null = Stop-Transcript }
        $said = (Get-Content -LiteralPath $transcript -Raw) -replace '\s+', ' '
        Remove-Item -LiteralPath $transcript
        $stats = Get-TestSimStat -Sim $sim
        ($stats.reads - $before.reads) | Should -Be 2 -Because '30 ids with -WhatIf are read fifteen to a request, not one GET each'
        $stats.writes | Should -Be $before.writes
        ([regex]::Matches($said, 'What if: Group ')).Count | Should -Be 30
        $said | Should -Match '-> Mail-enabled security'
    }

    It 'with -Confirm asks once per group after one batched read, and sends only what was confirmed' {
        . (Join-Path -Path $PSScriptRoot -ChildPath 'TestHost.ps1')
        $targets = Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -notin 'Distribution', 'MailEnabledSecurity' } -Count 4
        $targets.Count | Should -Be 4
        $testHost = [TestHost]::new()
        $testHost.TheUI.Yes = 2
        $runspace = [runspacefactory]::CreateRunspace($testHost)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript({
                    param($ModuleDir, $Url, $Token, $Ids)
                    Import-Module -Name $ModuleDir -Force
                    Connect-GroupWriteback -Endpoint $Url -AccessToken (ConvertTo-SecureString -String $Token -AsPlainText -Force)
                    $Ids | Set-GroupWriteback -State MailEnabledSecurity -Confirm -PassThru
                }).AddArgument($moduleDir).AddArgument($sim.Url).AddArgument($staticToken).AddArgument(@($targets.Id))
            $before = Get-TestSimStat -Sim $sim
            $out = @($ps.Invoke())
            $stats = Get-TestSimStat -Sim $sim
            $ps.HadErrors | Should -BeFalse
            $testHost.TheUI.Asked.Count | Should -Be 4 -Because 'one question per group'
            $testHost.TheUI.Asked[0] | Should -Match '-> Mail-enabled security'
            $out.Count | Should -Be 2
            ($stats.writes - $before.writes) | Should -Be 2 -Because 'only the two confirmed changes are sent'
            # One read for the preview (the Connect token check is the other); the confirmed groups are not read again.
            ($stats.reads - $before.reads) | Should -Be 2
            foreach ($t in $targets) {
                $stored = (Get-TestSimGroup -Sim $sim -Id $t.Id).writebackConfiguration.onPremisesGroupType
                ($stored -eq 'universalMailEnabledSecurityGroup') | Should -Be ($t.Id -in $out.Id)
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }

    It 'paces writes at Connect-GroupWriteback -WritesPerSecond: <Case>' -ForEach @(
        # Faster than the quota: the service throttles, the pace backs off, nothing is lost.
        @{ Case = '200/s against a quota of 100/s'; Speed = '5'; Throttled = $true }
        # The quota run 10 times faster (200/s): the same pace draws no 429.
        @{ Case = '200/s against a quota of 200/s'; Speed = '10'; Throttled = $false }
    ) {
        $paced = Start-TestGraphSim -ArgumentList @('--groups', '400', '--seed', '43', '--static-token', $staticToken,
            '--throttle-scale', '0.01', '--throttle-speed', $Speed)
        try {
            Connect-GroupWriteback -Endpoint $paced.Url -AccessToken (New-TestSecret $staticToken) -WritesPerSecond 200
            $targets = @(Get-GroupWriteback -All | Where-Object { (& $cloudM365) -and $_.WritebackState -ne 'Security' } | Select-Object -First 80)
            $targets.Count | Should -Be 80
            $results = @($targets | Set-GroupWriteback -State Security -PassThru)
            $results.Count | Should -Be 80
            foreach ($t in $targets) {
                (Get-TestSimGroup -Sim $paced -Id $t.Id).writebackConfiguration.onPremisesGroupType | Should -Be 'universalSecurityGroup'
            }
            $stat = Get-TestSimStat -Sim $paced
            if ($Throttled) { $stat.throttled | Should -BeGreaterThan 0 } else { $stat.throttled | Should -Be 0 }
        }
        finally {
            Connect-TestSim
            Stop-TestGraphSim -Sim $paced
        }
    }

    It 'refuses a -WritesPerSecond that is not positive' {
        { Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken) -WritesPerSecond 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'paces every request at -ResourceUnitsPerSecond, and refuses one that is not positive' {
        { Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken) -ResourceUnitsPerSecond 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        try {
            Connect-GroupWriteback -Endpoint $sim.Url -AccessToken (New-TestSecret $staticToken) -ResourceUnitsPerSecond 8750 -WritesPerSecond 500
            $context = Get-GroupWritebackContext
            $context.ResourceUnitsPerSecond | Should -Be 8750
            $context.WritesPerSecond | Should -Be 500
            @(Get-GroupWriteback -Top 2).Count | Should -Be 2
        }
        finally {
            Connect-TestSim
        }
    }

    It 'sets one group by -GroupId with -IsEnabled and -OnPremisesGroupType' {
        $target = (Find-TestGroup -Where { (& $cloudM365) -and $_.WritebackState -ne 'Distribution' } -Count 40)[-1]
        $result = Set-GroupWriteback -GroupId $target.Id -IsEnabled $true -OnPremisesGroupType universalDistributionGroup -PassThru
        $result.WritebackState | Should -Be 'Distribution'
        (Get-TestSimGroup -Sim $sim -Id $target.Id).writebackConfiguration.onPremisesGroupType | Should -Be 'universalDistributionGroup'
        Set-GroupWriteback -GroupId $target.Id -State NoWriteback
        (Get-TestSimGroup -Sim $sim -Id $target.Id).writebackConfiguration.isEnabled | Should -BeFalse
    }

    It 'refuses <Case> as a non-terminating InvalidOperation error naming the group and the rule' -ForEach @(
        @{ Case = 'a synced group'; State = 'Security'; Code = 'syncedFromOnPremises'; Where = { $_.OnPremisesSyncEnabled -eq $true } }
        @{ Case = 'a distribution group'; State = 'Security'; Code = 'distributionGroupNotEligible'; Where = { -not $_.OnPremisesSyncEnabled -and $_.MailEnabled -and -not $_.SecurityEnabled -and $_.GroupTypes -notcontains 'Unified' } }
        @{ Case = 'a mail-enabled security group'; State = 'Security'; Code = 'mailEnabledSecurityGroupNotEligible'; Where = { -not $_.OnPremisesSyncEnabled -and $_.MailEnabled -and $_.SecurityEnabled -and $_.GroupTypes -notcontains 'Unified' } }
        @{ Case = 'security to Distribution'; State = 'Distribution'; Code = 'typeNotAllowedForKind'; Where = { -not $_.OnPremisesSyncEnabled -and $_.SecurityEnabled -and -not $_.MailEnabled -and $_.GroupTypes -notcontains 'Unified' } }
    ) {
        $target = Find-TestGroup -Where $Where
        $target | Should -Not -BeNullOrEmpty
        $before = (Get-TestSimStat -Sim $sim).writes
        $ok = Find-TestGroup -Where $cloudM365
        $out = @($target[0], $ok[0]) | Set-GroupWriteback -State $State -PassThru -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].FullyQualifiedErrorId | Should -BeLike "GroupWriteback.Refused.$Code,*"
        $err[0].Exception.Data['RefusalCode'] | Should -Be $Code
        $err[0].TargetObject.Id | Should -Be $target[0].Id
        "$($err[0])" | Should -Match ([regex]::Escape($target[0].DisplayName))
        (Get-TestSimStat -Sim $sim).writes - $before | Should -BeLessOrEqual 1
        if ($State -eq 'Security') { @($out).Count | Should -Be 1 }
        # By id only: the library reads the group and refuses it the same way.
        Set-GroupWriteback -GroupId $target[0].Id -State $State -ErrorAction SilentlyContinue -ErrorVariable err2
        $err2[0].FullyQualifiedErrorId | Should -BeLike "GroupWriteback.Refused.$Code,*"
    }

    # Nothing public shows the service refusing what the rules refuse:
    # graph-sim stores it as sent by default, and refuses it only with
    # --writeback-validation strict (an assumption). The rules refuse before
    # sending either way; a change sent on a stale description of a group is
    # stored as sent, or reported as that group's Graph error.
    It 'never relies on the service to refuse: graph-sim <Mode>' -ForEach @(
        @{ Mode = 'storing what it is sent (default)'; Strict = $false }
        @{ Mode = 'refusing what the rules refuse (strict)'; Strict = $true }
    ) {
        $arguments = @('--groups', '200', '--seed', '44', '--static-token', $staticToken, '--throttle', 'off')
        if ($Strict) { $arguments += @('--writeback-validation', 'strict') }
        $other = Start-TestGraphSim -ArgumentList $arguments
        try {
            Connect-GroupWriteback -Endpoint $other.Url -AccessToken (New-TestSecret $staticToken)
            $all = @(Get-GroupWriteback -All)
            $synced = @($all | Where-Object { $_.OnPremisesSyncEnabled -eq $true })[0]
            $security = @($all | Where-Object $cloudSecurity |
                Where-Object { $null -eq (Get-TestSimGroup -Sim $other -Id $_.Id).writebackConfiguration.onPremisesGroupType } | Select-Object -First 1)[0]
            $m365 = @($all | Where-Object { (& $cloudM365) -and $_.WritebackState -ne 'Distribution' })[0]
            $before = Get-TestSimStat -Sim $other
            Set-GroupWriteback -GroupId $synced.Id -State Security -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Refused.syncedFromOnPremises,*'
            $after = Get-TestSimStat -Sim $other
            $after.writes | Should -Be $before.writes
            $after.statusCounts.'400' | Should -Be $before.statusCounts.'400'

            $stale = @{ Id = $security.Id; DisplayName = 'Stale'; GroupTypes = @('Unified'); SecurityEnabled = $false; MailEnabled = $true
                OnPremisesSyncEnabled = $false; WritebackConfiguration = @{ isEnabled = $false; onPremisesGroupType = $null } }
            $out = @($stale, $m365) | Set-GroupWriteback -State Distribution -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed
            (Get-TestSimGroup -Sim $other -Id $m365.Id).writebackConfiguration.onPremisesGroupType | Should -Be 'universalDistributionGroup'
            $stored = (Get-TestSimGroup -Sim $other -Id $security.Id).writebackConfiguration
            if ($Strict) {
                $failed.Count | Should -Be 1
                $failed[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_BadRequest*'
                $failed[0].Exception.HttpStatus | Should -Be 400
                "$($failed[0])" | Should -Match ([regex]::Escape($security.Id))
                @($out).Count | Should -Be 1
                $stored.onPremisesGroupType | Should -BeNullOrEmpty
            }
            else {
                $failed.Count | Should -Be 0
                @($out).Count | Should -Be 2
                $stored.isEnabled | Should -BeTrue
                $stored.onPremisesGroupType | Should -Be 'universalDistributionGroup'
            }
        }
        finally {
            Connect-TestSim
            Stop-TestGraphSim -Sim $other
        }
    }

    It 'reports an unknown group as ObjectNotFound with Graph''s code and request id' {
        Set-GroupWriteback -GroupId 00000000-0000-4000-8000-000000000000 -State Security -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Request_ResourceNotFound*'
        $err[0].Exception.RequestId | Should -Not -BeNullOrEmpty
        $err[0].Exception.HttpStatus | Should -Be 404
    }

    It 'reports PermissionDenied (403) for the read-only app' {
        try {
            $credential = [pscredential]::new($readOnlyAppId, (New-TestSecret 'graph-sim-readonly-secret'))
            Connect-GroupWriteback -Endpoint $sim.Url -TenantId $tenantId -ClientSecretCredential $credential
            $target = Find-TestGroup -Where { (& $cloudSecurity) -and $_.WritebackState -ne 'Security' }
            $target | Set-GroupWriteback -State Security -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'GroupWriteback.Authorization_RequestDenied*'
        }
        finally {
            Connect-TestSim
        }
    }

    It 'asks for a change with the Properties parameter set' {
        { Set-GroupWriteback -GroupId $groups[0].Id -PassThru -IsEnabled:$false -OnPremisesGroupType:$null } | Should -Throw
    }
}
