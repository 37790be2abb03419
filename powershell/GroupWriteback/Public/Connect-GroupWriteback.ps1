function Connect-GroupWriteback {
    <#
    .SYNOPSIS
    Signs in to Microsoft Graph for the GroupWriteback commands, like Connect-MgGraph.

    .DESCRIPTION
    Connect-GroupWriteback creates the module's Graph client and signs in at
    once, so a wrong secret, certificate or token id fails here with an
    AuthenticationError rather than at the first command. The connection
    belongs to the module (one per session); Connect-GroupWriteback again
    replaces it and Disconnect-GroupWriteback ends it.

    Sign-in methods, as Connect-MgGraph names them:

    - -ClientSecretCredential: app-only with a client secret (the credential's
      user name is the application (client) id, its password the secret).
    - -CertificateThumbprint or -Certificate: app-only with a certificate and
      its private key (RSA). The thumbprint is looked up in the CurrentUser
      and LocalMachine "My" stores that exist on this platform.
    - -AccessToken: a token you already have, as a SecureString.
    - -UseDeviceCode: a person signs in on another device; the sign-in
      message is shown as a warning and the command waits (Ctrl+C stops it).
    - No credential parameter: Azure Identity's environment variables
      (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or
      AZURE_CLIENT_CERTIFICATE_PATH with AZURE_CLIENT_CERTIFICATE_PASSWORD,
      AZURE_AUTHORITY_HOST). -TenantId and -ClientId override the variables.

    Secrets are taken only as SecureString or PSCredential and turned into
    plain text only for the native call, in memory that is zeroed right after;
    the native library keeps its own copy and wipes it when disconnected.

    The app needs Group.Read.All to read and Group.ReadWrite.All to change
    writeback (application permissions, with admin consent).

    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .PARAMETER TenantId
    The directory (tenant) id or a verified domain, e.g. contoso.onmicrosoft.com.

    .PARAMETER ClientId
    The application (client) id. For -UseDeviceCode it defaults to the
    Microsoft Graph Command Line Tools app (14d82eec-204b-4c2f-b7e8-296a70dab67e),
    as Connect-MgGraph does.

    .PARAMETER ClientSecretCredential
    The app's id as user name and its client secret as password (Get-Credential).

    .PARAMETER CertificateThumbprint
    The thumbprint of a certificate with its private key in the CurrentUser or LocalMachine "My" store.

    .PARAMETER Certificate
    A certificate with its RSA private key (X509Certificate2), for example from
    Get-PfxCertificate or [X509Certificate2]::CreateFromPemFile().

    .PARAMETER AccessToken
    A Microsoft Graph access token, as a SecureString.

    .PARAMETER UseDeviceCode
    Signs in a person with the device code flow.

    .PARAMETER Environment
    The national cloud: Global (default), USGov (GCC High), USGovDoD or China (21Vianet).

    .PARAMETER Endpoint
    A Graph base URL other than the cloud's, such as a simulated tenant's
    (http://127.0.0.1:port); sign-in goes to the same address. https is
    required except for loopback addresses.

    .PARAMETER WritesPerSecond
    The pace of the writes Set-GroupWriteback sends (default 20: the
    published quota of 3,000 writes per 150 s per app and tenant). Raise it
    only where the quota is known to be higher, such as a simulated tenant
    run faster (graph-sim --throttle-speed); 429 answers still slow the pace
    down.

    .PARAMETER ResourceUnitsPerSecond
    The pace of the resource units every request spends (reads, writes and
    listing pages alike; default 350: the smallest published quota, 3,500
    per 10 s per app and tenant). Like -WritesPerSecond, raise it only where
    the quota is known to be higher; 429 answers and the service's warnings
    that a limit is near still slow the pace down.

    .PARAMETER PassThru
    Returns the connection's context (as Get-GroupWritebackContext).

    .EXAMPLE
    Connect-GroupWriteback -TenantId contoso.onmicrosoft.com -ClientSecretCredential (Get-Credential -UserName 8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b)

    Signs in as an app with its client secret, as Connect-MgGraph -ClientSecretCredential does.

    .EXAMPLE
    Connect-GroupWriteback -TenantId $tenantId -ClientId $appId -CertificateThumbprint 3A7F0C2B9E1D4F56A8B7C6D5E4F3A2B1C0D9E8F7

    Signs in as an app with a certificate from the certificate store.

    .EXAMPLE
    Connect-GroupWriteback -UseDeviceCode -TenantId contoso.onmicrosoft.com

    Shows a code to enter at the device login page, then waits for the sign-in.

    .EXAMPLE
    $env:AZURE_TENANT_ID = $tenantId; $env:AZURE_CLIENT_ID = $appId; $env:AZURE_CLIENT_SECRET = $secret
    Connect-GroupWriteback

    Signs in with Azure Identity's environment variables, as in a pipeline job.

    .EXAMPLE
    Connect-GroupWriteback -Environment USGov -TenantId $tenantId -Certificate (Get-PfxCertificate ./app.pfx)

    Signs in to the US Government (GCC High) cloud with a certificate file.

    .EXAMPLE
    Connect-GroupWriteback -Endpoint http://127.0.0.1:41234 -AccessToken (Read-Host -AsSecureString 'Token') -PassThru

    Connects to a simulated tenant with a token and shows the context.

    .INPUTS
    None.

    .OUTPUTS
    GroupWriteback.Context (with -PassThru)

    .NOTES
    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .LINK
    Disconnect-GroupWriteback

    .LINK
    Get-GroupWritebackContext
    #>
    [CmdletBinding(DefaultParameterSetName = 'Environment', SupportsShouldProcess)]
    [OutputType('GroupWriteback.Context')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [Parameter(Mandatory, ParameterSetName = 'Certificate')]
        [Parameter(ParameterSetName = 'DeviceCode')]
        [Parameter(ParameterSetName = 'Environment')]
        [Alias('Tenant')]
        [ValidateNotNullOrEmpty()]
        [string] $TenantId,

        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [Parameter(Mandatory, ParameterSetName = 'Certificate')]
        [Parameter(ParameterSetName = 'DeviceCode')]
        [Parameter(ParameterSetName = 'Environment')]
        [Alias('AppId', 'ApplicationId')]
        [ValidateNotNullOrEmpty()]
        [string] $ClientId,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $ClientSecretCredential,

        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [ValidateNotNullOrEmpty()]
        [string] $CertificateThumbprint,

        [Parameter(Mandatory, ParameterSetName = 'Certificate')]
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [securestring] $AccessToken,

        [Parameter(Mandatory, ParameterSetName = 'DeviceCode')]
        [Alias('DeviceCode')]
        [switch] $UseDeviceCode,

        [ValidateSet('Global', 'USGov', 'USGovDoD', 'China')]
        [string] $Environment = 'Global',

        [ValidateNotNull()]
        [uri] $Endpoint,

        [ValidateRange(0.1, 100000)]
        [double] $WritesPerSecond = 20,

        [ValidateRange(0.1, 10000000)]
        [double] $ResourceUnitsPerSecond,

        [switch] $PassThru
    )

    $options = [ordered]@{ cloud = $Environment }
    if ($PSBoundParameters.ContainsKey('WritesPerSecond')) {
        $options.writesPerSecond = $WritesPerSecond
    }
    if ($PSBoundParameters.ContainsKey('ResourceUnitsPerSecond')) {
        $options.resourceUnitsPerSecond = $ResourceUnitsPerSecond
    }
    if ($PSBoundParameters.ContainsKey('Endpoint')) {
        if (-not $Endpoint.IsAbsoluteUri -or $Endpoint.Scheme -notin 'https', 'http') {
            $shown = "$Endpoint"
            if ($shown.Length -gt 200) { $shown = $shown.Substring(0, 200) + '...' }
            $exception = [System.ArgumentException]::new(
                "-Endpoint '$shown' is not an absolute http(s) URL: give the Graph base URL, e.g. https://graph.microsoft.com or the simulated tenant's http://127.0.0.1:<port>.")
            $record = [System.Management.Automation.ErrorRecord]::new(
                $exception, 'GroupWriteback.InvalidEndpoint', [System.Management.Automation.ErrorCategory]::InvalidArgument, $Endpoint)
            $PSCmdlet.ThrowTerminatingError($record)
        }
        $options.endpoint = $Endpoint.AbsoluteUri
    }
    $secret = $null
    $certificateToUse = $null
    $certificatePath = $null
    $source = $PSCmdlet.ParameterSetName
    switch ($PSCmdlet.ParameterSetName) {
        'AccessToken' {
            $options.auth = 'accessToken'
            $secret = $AccessToken
        }
        'ClientSecret' {
            $options.auth = 'clientSecret'
            $options.tenantId = $TenantId
            $options.clientId = $ClientSecretCredential.UserName
            $secret = $ClientSecretCredential.Password
        }
        'Certificate' {
            $options.auth = 'certificate'
            $options.tenantId = $TenantId
            $options.clientId = $ClientId
            $certificateToUse = $Certificate
        }
        'CertificateThumbprint' {
            $options.auth = 'certificate'
            $options.tenantId = $TenantId
            $options.clientId = $ClientId
            $certificateToUse = [GroupWriteback.Native.Credentials]::FindByThumbprint($CertificateThumbprint)
            if ($null -eq $certificateToUse) {
                $exception = [System.Management.Automation.ItemNotFoundException]::new(
                    "No certificate with the thumbprint '$CertificateThumbprint' and its private key was found in the CurrentUser or LocalMachine 'My' store.")
                $record = [System.Management.Automation.ErrorRecord]::new(
                    $exception, 'GroupWriteback.CertificateNotFound', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $CertificateThumbprint)
                $PSCmdlet.ThrowTerminatingError($record)
            }
        }
        'DeviceCode' {
            $options.auth = 'deviceCode'
            $options.clientId = if ($PSBoundParameters.ContainsKey('ClientId')) { $ClientId } else { '14d82eec-204b-4c2f-b7e8-296a70dab67e' }
            if ($PSBoundParameters.ContainsKey('TenantId')) {
                $options.tenantId = $TenantId
            }
        }
        'Environment' {
            $variables = Get-GwbAzureEnvironment
            $options.tenantId = if ($PSBoundParameters.ContainsKey('TenantId')) { $TenantId } else { $variables.TenantId }
            $options.clientId = if ($PSBoundParameters.ContainsKey('ClientId')) { $ClientId } else { $variables.ClientId }
            if ($variables.AuthorityHost -and -not $PSBoundParameters.ContainsKey('Endpoint')) {
                $options.authority = if ($variables.AuthorityHost -match '://') { $variables.AuthorityHost } else { "https://$($variables.AuthorityHost)" }
            }
            $missing = @(
                if (-not $options.tenantId) { 'AZURE_TENANT_ID' }
                if (-not $options.clientId) { 'AZURE_CLIENT_ID' }
                if (-not $variables.HasSecret -and -not $variables.CertificatePath) { 'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH' }
            )
            if ($missing.Count -gt 0) {
                $exception = [System.ArgumentException]::new(
                    "No credential was given and Azure Identity's environment variables are incomplete (missing: $($missing -join ', ')). Pass -ClientSecretCredential, -CertificateThumbprint, -Certificate, -AccessToken or -UseDeviceCode, or set the variables.")
                $record = [System.Management.Automation.ErrorRecord]::new(
                    $exception, 'GroupWriteback.NoCredential', [System.Management.Automation.ErrorCategory]::AuthenticationError, $null)
                $PSCmdlet.ThrowTerminatingError($record)
            }
            if ($variables.HasSecret) {
                $options.auth = 'clientSecret'
                $source = 'Environment (client secret)'
            }
            else {
                $options.auth = 'certificate'
                $source = 'Environment (certificate)'
                $certificatePath = $variables.CertificatePath
            }
        }
    }

    $target = if ($options.Contains('endpoint')) { $options.endpoint } else { "Microsoft Graph ($Environment)" }
    $who = @($options['clientId'], $options['tenantId']) | Where-Object { $_ }
    $action = if ($who) { "Sign in ($($options['auth']), $($who -join ' in tenant '))" } else { "Sign in ($($options['auth']))" }
    if (-not $PSCmdlet.ShouldProcess($target, $action)) {
        return
    }

    $optionsJson = [GroupWriteback.Native.OptionsJson]::Write($options)
    $created = if ($null -ne $certificateToUse) {
        [GroupWriteback.Native.GraphClient]::TryCreateWithCertificate($optionsJson, $certificateToUse)
    }
    elseif ($null -ne $certificatePath) {
        [GroupWriteback.Native.GraphClient]::TryCreateWithCertificateFile($optionsJson, $certificatePath, 'AZURE_CLIENT_CERTIFICATE_PASSWORD')
    }
    elseif ($source -like 'Environment*') {
        [GroupWriteback.Native.GraphClient]::TryCreateWithEnvironmentSecret($optionsJson, 'AZURE_CLIENT_SECRET')
    }
    else {
        [GroupWriteback.Native.GraphClient]::TryCreate($optionsJson, $secret)
    }
    if (-not $created.Success) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-GwbGraphErrorRecord -Exception $created.Error -Activity 'Creating the Graph client' -TargetObject $target))
    }
    $client = $created.Value
    $connected = $false
    try {
        $signedIn = if ($PSCmdlet.ParameterSetName -eq 'DeviceCode') {
            $begun = $client.TryBeginDeviceCode()
            if ($begun.Success) {
                $prompt = ConvertFrom-Json -InputObject $begun.Value
                Write-Warning -Message $prompt.message
                do {
                    $waited = $client.TryWaitDeviceCode(500)
                } while ($waited.Success -and -not $waited.Value)
                $waited
            }
            else {
                $begun
            }
        }
        else {
            $client.TrySignIn()
        }
        if (-not $signedIn.Success) {
            $record = ConvertTo-GwbGraphErrorRecord -Exception $signedIn.Error -Activity 'Signing in' -TargetObject $target -Category AuthenticationError
            $PSCmdlet.ThrowTerminatingError($record)
        }

        $previous = $script:GwbConnection
        $script:GwbConnection = [pscustomobject]@{
            Client      = $client
            Source      = $source
            ConnectedAt = [datetime]::Now
        }
        $connected = $true
        if ($null -ne $previous) {
            $previous.Client.Dispose()
        }
    }
    finally {
        if (-not $connected) {
            $client.Dispose()
        }
    }

    # The context is built only when it is shown: reading it costs the
    # session's first ConvertFrom-Json, a good part of a start-up.
    if ($PassThru -or $VerbosePreference -ne 'SilentlyContinue') {
        $context = Get-GwbContextObject -Connection $script:GwbConnection
        Write-Verbose -Message "Connected to $($context.GraphEndpoint) as $($context.ClientId) in tenant $($context.TenantId) ($($context.AuthType))."
        if ($PassThru) {
            $context
        }
    }
}
