using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>Connect-GroupWriteback: signs in to Graph, like Connect-MgGraph (see its help).</summary>
    [Cmdlet(VerbsCommunications.Connect, "GroupWriteback", DefaultParameterSetName = "Environment", SupportsShouldProcess = true)]
    [OutputType("GroupWriteback.Context")]
    public sealed class ConnectGroupWritebackCommand : PSCmdlet
    {
        // Azure Identity's environment variables are read here, by the names
        // the library gives (gwb_environment_variables_json), because on Linux
        // and macOS variables set in PowerShell ($env:X = ...) are not visible
        // to native code, which reads the environment it was started with.
        /// <summary>The program that opens the browser sign-in's page (the library's GWB_BROWSER), read here for the same reason.</summary>
        private const string BrowserVariable = "GWB_BROWSER";

        private static string Env(string role) => Rules.EnvironmentVariables().TryGetValue(role, out string name) ? name : role;

        [Parameter(Mandatory = true, ParameterSetName = "ClientSecret")]
        [Parameter(Mandatory = true, ParameterSetName = "CertificateThumbprint")]
        [Parameter(Mandatory = true, ParameterSetName = "Certificate")]
        [Parameter(Mandatory = true, ParameterSetName = "ClientAssertion")]
        [Parameter(ParameterSetName = "DeviceCode")]
        [Parameter(ParameterSetName = "Environment")]
        [Parameter(ParameterSetName = "FederatedTokenFile")]
        [Alias("Tenant")]
        [ValidateNotNullOrEmpty]
        public string TenantId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "CertificateThumbprint")]
        [Parameter(Mandatory = true, ParameterSetName = "Certificate")]
        [Parameter(Mandatory = true, ParameterSetName = "ClientAssertion")]
        [Parameter(ParameterSetName = "DeviceCode")]
        [Parameter(ParameterSetName = "Environment")]
        [Parameter(ParameterSetName = "FederatedTokenFile")]
        [Parameter(ParameterSetName = "ManagedIdentity")]
        [Alias("AppId", "ApplicationId")]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ClientSecret")]
        [Credential]
        public PSCredential ClientSecretCredential { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "CertificateThumbprint")]
        [ValidateNotNullOrEmpty]
        public string CertificateThumbprint { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Certificate")]
        public X509Certificate2 Certificate { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "AccessToken")]
        public SecureString AccessToken { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "DeviceCode")]
        [Alias("DeviceCode")]
        public SwitchParameter UseDeviceCode { get; set; }

        /// <summary>A person's sign-in (browser or device code): the delegated permissions to ask for, as Connect-MgGraph -Scopes takes them (the library's default when not given).</summary>
        [Parameter(ParameterSetName = "DeviceCode")]
        [Parameter(ParameterSetName = "Environment")]
        [ValidateNotNullOrEmpty]
        public string[] Scopes { get; set; }

        /// <summary>
        /// A person's sign-in (browser or device code): Process (default) keeps it for this session only;
        /// CurrentUser keeps its refresh token between sessions in a DPAPI-protected file (Windows only), as Connect-MgGraph -ContextScope does.
        /// </summary>
        [Parameter(ParameterSetName = "DeviceCode")]
        [Parameter(ParameterSetName = "Environment")]
        [ValidateSet("Process", "CurrentUser")]
        public string ContextScope { get; set; } = "Process";

        /// <summary>Sign in as the managed identity (system-assigned, or user-assigned with -ClientId), as Connect-MgGraph -Identity does.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "ManagedIdentity")]
        [Alias("ManagedIdentity")]
        public SwitchParameter Identity { get; set; }

        /// <summary>Workload identity federation: the file holding the federated token (re-read at each token request).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "FederatedTokenFile")]
        [ValidateNotNullOrEmpty]
        public string FederatedTokenFile { get; set; }

        /// <summary>A client assertion (a federated token) issued elsewhere.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "ClientAssertion")]
        public SecureString ClientAssertion { get; set; }

        [Parameter]
        [ValidateCloud]
        [ArgumentCompleter(typeof(CloudCompleter))]
        public string Environment { get; set; } = "Global";

        [Parameter]
        [ValidateNotNull]
        public Uri Endpoint { get; set; }

        [Parameter]
        [ValidateRange(0.1, 100000)]
        public double WritesPerSecond { get; set; } = 20;

        [Parameter]
        [ValidateRange(0.1, 10000000)]
        public double ResourceUnitsPerSecond { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private volatile GraphClient _pending;

        /// <summary>The token cache of -ContextScope CurrentUser: in the user's local application data (LOCALAPPDATA).</summary>
        internal static string TokenCachePath()
        {
            string local = System.Environment.GetEnvironmentVariable("LOCALAPPDATA");
            if (string.IsNullOrEmpty(local)) local = System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData);
            return System.IO.Path.Combine(local, "GroupWriteback", "TokenCache.dat");
        }

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        private static string Variable(string name)
        {
            string value = System.Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        /// <summary>
        /// The variables the library reads that are set in this session, by
        /// name, for the client option "environment" (native code does not
        /// see variables set in PowerShell on Linux and macOS). The secret
        /// ones (the client secret, the identity header, the certificate
        /// password) are left out: they go as the secret, or are used here.
        /// </summary>
        private static OrderedDictionary EnvironmentOption()
        {
            var map = new OrderedDictionary();
            foreach (KeyValuePair<string, string> role in Rules.EnvironmentVariables())
            {
                if (role.Key == "clientSecret" || role.Key == "identityHeader" || role.Key == "certificatePassword") continue;
                string value = Variable(role.Value);
                if (value != null) map[role.Value] = value;
            }
            return map;
        }

        /// <summary>
        /// The variables the library reads to tell whether a browser can be
        /// opened (a display, an SSH session), as set in this session.
        /// </summary>
        private static OrderedDictionary BrowserEnvironment()
        {
            var map = new OrderedDictionary();
            foreach (string name in new[] { "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY" })
            {
                string value = Variable(name);
                if (value != null) map[name] = value;
            }
            return map;
        }

        protected override void EndProcessing()
        {
            var options = new OrderedDictionary { ["cloud"] = Environment };
            if (Bound(nameof(WritesPerSecond))) options["writesPerSecond"] = WritesPerSecond;
            if (Bound(nameof(ResourceUnitsPerSecond))) options["resourceUnitsPerSecond"] = ResourceUnitsPerSecond;
            if (Bound(nameof(Endpoint)))
            {
                if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != "https" && Endpoint.Scheme != "http"))
                {
                    string shown = Endpoint.OriginalString;
                    if (shown.Length > 200) shown = shown.Substring(0, 200) + "...";
                    ThrowTerminatingError(ErrorRecords.Input(
                        "-Endpoint '" + shown + "' is not an absolute http(s) URL: give the Graph base URL, e.g. https://graph.microsoft.com or the simulated tenant's http://127.0.0.1:<port>.",
                        "GroupWriteback.InvalidEndpoint", ErrorCategory.InvalidArgument, Endpoint));
                }
                options["endpoint"] = Endpoint.AbsoluteUri;
            }
            // The library checks them, and refuses them for an app's sign-in.
            if (Bound(nameof(Scopes))) options["scopes"] = Scopes;
            // Where the user's files go is the platform's (.NET's) to say; whether a cache may be
            // kept there is the library's (DPAPI: Windows only; it refuses elsewhere).
            if (string.Equals(ContextScope, "CurrentUser", StringComparison.OrdinalIgnoreCase)) options["tokenCache"] = TokenCachePath();
            SecureString secret = null;
            X509Certificate2 certificate = null;
            string certificatePath = null;
            string source = ParameterSetName;
            switch (ParameterSetName)
            {
                case "AccessToken":
                    options["auth"] = "accessToken";
                    secret = AccessToken;
                    break;
                case "ClientSecret":
                    options["auth"] = "clientSecret";
                    options["tenantId"] = TenantId;
                    options["clientId"] = ClientSecretCredential.UserName;
                    secret = ClientSecretCredential.Password;
                    break;
                case "Certificate":
                    options["auth"] = "certificate";
                    options["tenantId"] = TenantId;
                    options["clientId"] = ClientId;
                    certificate = Certificate;
                    break;
                case "CertificateThumbprint":
                    options["auth"] = "certificate";
                    options["tenantId"] = TenantId;
                    options["clientId"] = ClientId;
                    certificate = Credentials.FindByThumbprint(CertificateThumbprint);
                    if (certificate == null)
                    {
                        ThrowTerminatingError(new ErrorRecord(
                            new ItemNotFoundException("No certificate with the thumbprint '" + CertificateThumbprint + "' and its private key was found in the CurrentUser or LocalMachine 'My' store."),
                            "GroupWriteback.CertificateNotFound", ErrorCategory.ObjectNotFound, CertificateThumbprint));
                    }
                    break;
                case "ManagedIdentity":
                    // The library finds the endpoint (IMDS, App Service, ...) in the environment.
                    options["auth"] = "managedIdentity";
                    options["environment"] = EnvironmentOption();
                    if (Bound(nameof(ClientId))) options["clientId"] = ClientId;
                    source = Bound(nameof(ClientId)) ? "ManagedIdentity (user-assigned)" : "ManagedIdentity (system-assigned)";
                    break;
                case "FederatedTokenFile":
                    options["auth"] = "workloadIdentity";
                    options["environment"] = EnvironmentOption();
                    options["federatedTokenFile"] = SessionState.Path.GetUnresolvedProviderPathFromPSPath(FederatedTokenFile);
                    if (Bound(nameof(ClientId))) options["clientId"] = ClientId;
                    if (Bound(nameof(TenantId))) options["tenantId"] = TenantId;
                    break;
                case "ClientAssertion":
                    options["auth"] = "clientAssertion";
                    options["tenantId"] = TenantId;
                    options["clientId"] = ClientId;
                    secret = ClientAssertion;
                    break;
                case "DeviceCode":
                    // Without -ClientId the library uses its default public client.
                    options["auth"] = "deviceCode";
                    if (Bound(nameof(ClientId))) options["clientId"] = ClientId;
                    if (Bound(nameof(TenantId))) options["tenantId"] = TenantId;
                    break;
                default:
                    {
                        string envTenantId = Env("tenantId"), envClientId = Env("clientId"), envClientSecret = Env("clientSecret"),
                            envCertificatePath = Env("certificatePath");
                        string tenant = Bound(nameof(TenantId)) ? TenantId : Variable(envTenantId);
                        string clientId = Bound(nameof(ClientId)) ? ClientId : Variable(envClientId);
                        bool hasSecret = Variable(envClientSecret) != null;
                        certificatePath = Variable(envCertificatePath);
                        string tokenFile = Variable(Env("federatedTokenFile"));
                        string authority = Variable(Env("authorityHost"));
                        if (tenant != null) options["tenantId"] = tenant;
                        if (clientId != null) options["clientId"] = clientId;
                        if (authority != null && !Bound(nameof(Endpoint)))
                        {
                            options["authority"] = authority.Contains("://") ? authority : "https://" + authority;
                        }
                        // No credential at all, not even part of one in the
                        // environment: sign a person in through the browser,
                        // as Connect-MgGraph does (device code where no browser
                        // can be opened: the library says why).
                        if (!hasSecret && certificatePath == null && tokenFile == null && Variable(envClientId) == null)
                        {
                            options["auth"] = "browser";
                            if (Variable(BrowserVariable) is string browser) options["browserCommand"] = browser;
                            options["environment"] = BrowserEnvironment();
                            source = "Browser";
                            certificatePath = null;
                            break;
                        }
                        var missing = new List<string>();
                        if (tenant == null) missing.Add(envTenantId);
                        if (clientId == null) missing.Add(envClientId);
                        if (!hasSecret && certificatePath == null && tokenFile == null) missing.Add(envClientSecret + ", " + envCertificatePath + " or " + Env("federatedTokenFile"));
                        if (missing.Count > 0)
                        {
                            ThrowTerminatingError(new ErrorRecord(
                                new ArgumentException("No credential was given and Azure Identity's environment variables are incomplete (missing: " + string.Join(", ", missing) +
                                    "). Pass -ClientSecretCredential, -CertificateThumbprint, -Certificate, -AccessToken, -UseDeviceCode, -Identity, -FederatedTokenFile or -ClientAssertion, or set the variables."),
                                "GroupWriteback.NoCredential", ErrorCategory.AuthenticationError, null));
                        }
                        if (hasSecret)
                        {
                            options["auth"] = "clientSecret";
                            source = "Environment (client secret)";
                            certificatePath = null;
                        }
                        else if (certificatePath == null)
                        {
                            options["auth"] = "workloadIdentity";
                            options["environment"] = EnvironmentOption();
                            source = "Environment (workload identity)";
                        }
                        else
                        {
                            options["auth"] = "certificate";
                            source = "Environment (certificate)";
                        }
                        break;
                    }
            }

            string target = options.Contains("endpoint") ? (string)options["endpoint"] : "Microsoft Graph (" + Environment + ")";
            var who = new List<string>();
            if (options["clientId"] is string c && c.Length > 0) who.Add(c);
            if (options["tenantId"] is string t && t.Length > 0) who.Add(t);
            string action = who.Count > 0 ? "Sign in (" + options["auth"] + ", " + string.Join(" in tenant ", who) + ")" : "Sign in (" + options["auth"] + ")";
            if (!ShouldProcess(target, action)) return;

            string optionsJson = OptionsJson.Write(options);
            RuleResult created;
            if (certificate != null) created = GraphClient.TryCreateWithCertificate(optionsJson, certificate);
            else if (certificatePath != null) created = GraphClient.TryCreateWithCertificateFile(optionsJson, certificatePath, Env("certificatePassword"));
            else if (source == "Environment (client secret)") created = GraphClient.TryCreateWithEnvironmentSecret(optionsJson, Env("clientSecret"));
            else if (ParameterSetName == "ManagedIdentity" && Variable(Env("identityHeader")) != null) created = GraphClient.TryCreateWithEnvironmentSecret(optionsJson, Env("identityHeader"));
            else created = GraphClient.TryCreate(optionsJson, secret);
            if (!created.Success)
            {
                ThrowTerminatingError(ErrorRecords.Graph(created.Error, "Creating the Graph client", target));
            }
            var client = (GraphClient)created.Value;
            _pending = client;
            bool connected = false;
            try
            {
                RuleResult signedIn;
                bool deviceCode = ParameterSetName == "DeviceCode";
                if (source == "Browser")
                {
                    using (JsonDocument shown = JsonDocument.Parse(client.ContextJson()))
                    {
                        if (GroupReport.Str(shown.RootElement, "auth") == "deviceCode")
                        {
                            deviceCode = true;
                            source = "Browser (device code: no browser here)";
                        }
                    }
                    if (!deviceCode) WriteVerbose("Opening the browser to sign in; waiting for it (Ctrl+C cancels).");
                }
                // A kept sign-in (-ContextScope CurrentUser) is tried first: the library renews it
                // from the token cache (then the sign-in below returns at once); without one, or one
                // the service refuses, the person signs in with a device code.
                if (deviceCode && options.Contains("tokenCache") && client.TrySignIn().Success) deviceCode = false;
                if (deviceCode)
                {
                    RuleResult begun = client.TryBeginDeviceCode();
                    signedIn = begun;
                    if (begun.Success)
                    {
                        using (JsonDocument prompt = JsonDocument.Parse((string)begun.Value))
                        {
                            WriteWarning(GroupReport.Str(prompt.RootElement, "message"));
                        }
                        // Waits in the library; Ctrl+C (StopProcessing) cancels the client.
                        do
                        {
                            signedIn = client.TryWaitDeviceCode(500);
                        } while (signedIn.Success && !(bool)signedIn.Value && !Stopping);
                    }
                }
                else
                {
                    signedIn = client.TrySignIn();
                }
                if (Stopping) return;
                if (!signedIn.Success)
                {
                    ThrowTerminatingError(ErrorRecords.Graph(signedIn.Error, "Signing in", target, ErrorCategory.AuthenticationError));
                }
                Connection.Replace(new Connection(client, source));
                connected = true;
            }
            finally
            {
                _pending = null;
                if (!connected) client.Dispose();
            }

            PSObject context = Connection.Current?.ToContext();
            if (context == null) return;
            var parts = new List<string> { "Connected to " + context.Properties["GraphEndpoint"]?.Value };
            if (context.Properties["ClientId"]?.Value is string id && id.Length > 0) parts.Add("as " + id);
            if (context.Properties["TenantId"]?.Value is string tenantShown && tenantShown.Length > 0) parts.Add("in tenant " + tenantShown);
            WriteVerbose(string.Join(" ", parts) + " (" + context.Properties["AuthType"]?.Value + ").");
            if (PassThru) WriteObject(context);
        }

        protected override void StopProcessing()
        {
            _pending?.Cancel();
        }
    }
}
