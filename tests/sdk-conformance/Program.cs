// Microsoft's Graph .NET SDK (Microsoft.Graph) and Azure.Identity against
// graph-sim over https: if the simulator answers as Microsoft Graph and the
// Microsoft identity platform do, Microsoft's own clients work against it
// unchanged. Each check prints one line; the program ends with
// "N passed, M failed" and exits 1 on a failure.
//
// usage: SdkConformance [GRAPH_SIM_BINARY]   (default: $GRAPH_SIM, else
// target/release/graph-sim, else target/debug/graph-sim from the repository)
//
// The program generates a self-signed certificate for 127.0.0.1/localhost,
// starts graph-sim with --tls-cert/--tls-key and trusts exactly that
// certificate (its SHA-256 thumbprint) in its own HttpClient handler, which
// both the credentials and the GraphServiceClient use; nothing is installed
// in a system or user store. The beta SDK package (Microsoft.Graph.Beta) is
// not in the package mirror, so the v1.0 SDK's request adapter is pointed at
// the simulator's /beta and writebackConfiguration (beta only) travels in
// AdditionalData.
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Authentication.Azure;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Process = System.Diagnostics.Process;

int passed = 0, failed = 0;
void Check(string name, bool ok, string detail = "")
{
    if (ok) passed++; else failed++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}{(detail.Length > 0 ? ": " + detail : "")}");
}
// SDK_CONFORMANCE_ONLY=word runs only the checks whose name contains it.
var only = Environment.GetEnvironmentVariable("SDK_CONFORMANCE_ONLY");
async Task Run(string name, Func<Task<(bool ok, string detail)>> body)
{
    if (!string.IsNullOrEmpty(only) && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) return;
    try
    {
        var sw = Stopwatch.StartNew();
        var (ok, detail) = await body();
        Check(name, ok, detail + $" [{sw.Elapsed.TotalSeconds:F1} s]");
    }
    catch (ODataError e)
    {
        Check(name, false, $"ODataError {e.ResponseStatusCode} {e.Error?.Code}: {e.Error?.Message}");
    }
    catch (Exception e)
    {
        var why = new StringBuilder();
        for (Exception? x = e; x != null; x = x.InnerException)
            why.Append(why.Length > 0 ? " <- " : "").Append(x.GetType().Name).Append(": ").Append(Short(x.Message));
        if (e is ServiceException se && !string.IsNullOrEmpty(se.RawResponseBody)) why.Append(" body: ").Append(Short(se.RawResponseBody));
        Check(name, false, why.ToString());
    }
}

var simBinary = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("GRAPH_SIM") ?? FindSim();
if (simBinary == null || !File.Exists(simBinary))
{
    Console.WriteLine($"graph-sim not found ({simBinary ?? "target/{release,debug}/graph-sim"}): build it first (cargo build -p graph-sim)");
    Console.WriteLine("0 passed, 1 failed");
    return 1;
}

// graph-sim's default app and tenant (tests/graph-sim/README.md, "Sign-in and
// the default credentials"): test values, never printed.
const string TenantId = "5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30";
const string DefaultClientId = "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
const string DefaultSecret = "graph-sim-secret";
// An app of this test's own, registered in a tenant file with the
// certificate generated below (the tenant file's "certificates").
const string CertClientId = "6a0f3c2e-5b1d-4e8f-9a7c-3d2e1f0a9b8c";
var graphScopes = new[] { "https://graph.microsoft.com/.default" };

var work = Directory.CreateTempSubdirectory("sdk-conformance-");
var sims = new List<Process>();
// A hang (graph-sim never answering, a retry loop) fails the run instead of
// holding up the suite: the checks take about 10 s.
var limit = TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("SDK_CONFORMANCE_TIMEOUT"), out var secs) ? secs : 300);
using var watchdog = new Timer(_ =>
{
    Console.WriteLine($"FAIL the checks did not finish within {limit.TotalSeconds:F0} s");
    foreach (var p in sims.ToArray()) { try { p.Kill(); } catch (Exception) { } }
    Console.WriteLine($"{passed} passed, {failed + 1} failed");
    Environment.Exit(1);
}, null, limit, Timeout.InfiniteTimeSpan);
try
{
    // -- The server certificate (TLS) and the app's certificate (sign-in).
    using var serverCert = SelfSigned("CN=127.0.0.1", serverAuth: true);
    var certPem = Path.Combine(work.FullName, "tls-cert.pem");
    var keyPem = Path.Combine(work.FullName, "tls-key.pem");
    File.WriteAllText(certPem, serverCert.ExportCertificatePem());
    using (var rsa = serverCert.GetRSAPrivateKey()!)
        File.WriteAllText(keyPem, rsa.ExportPkcs8PrivateKeyPem());
    var thumbprint = serverCert.GetCertHashString(HashAlgorithmName.SHA256);

    using var appCert = SelfSigned("CN=sdk-conformance app", serverAuth: false);
    var appPem = Path.Combine(work.FullName, "app-cert-and-key.pem");
    using (var rsa = appCert.GetRSAPrivateKey()!)
        File.WriteAllText(appPem, appCert.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem());
    var tenantFile = Path.Combine(work.FullName, "tenant.json");
    File.WriteAllText(tenantFile, JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["apps"] = new[]
        {
            new Dictionary<string, object>
            {
                ["clientId"] = CertClientId,
                ["displayName"] = "sdk-conformance (certificate)",
                ["permissions"] = new[] { "Group.ReadWrite.All" },
                ["certificates"] = new[] { appCert.ExportCertificatePem() },
            },
        },
        ["groups"] = Array.Empty<object>(),
    }));

    // Trust exactly the generated certificate, for this process only.
    HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
                cert != null && string.Equals(cert.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase),
        },
    };

    // -- graph-sim over https: 250 generated groups plus the test's app.
    const int GroupCount = 250;
    var baseUrl = StartSim(simBinary, sims, "--quiet", "--groups", GroupCount.ToString(), "--seed", "11", "--tenant", tenantFile,
        "--tls-cert", certPem, "--tls-key", keyPem);
    var control = new HttpClient(TrustingHandler()) { BaseAddress = new Uri(baseUrl + "/") };

    await Run("graph-sim serves https with the generated certificate", async () =>
    {
        var health = await control.GetStringAsync("_sim/health");
        return (baseUrl.StartsWith("https://") && health == "ok", baseUrl);
    });
    await Run("a client that does not trust the certificate is refused", async () =>
    {
        using var plain = new HttpClient();
        try
        {
            await plain.GetAsync(baseUrl + "/_sim/health");
            return (false, "the untrusted certificate was accepted");
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            return (true, "AuthenticationException");
        }
    });

    // -- Azure.Identity sign-in, over TLS, through the trusting handler.
    var transport = new HttpClientTransport(TrustingHandler());
    var secretCredential = new ClientSecretCredential(TenantId, DefaultClientId, DefaultSecret,
        new ClientSecretCredentialOptions { AuthorityHost = new Uri(baseUrl), DisableInstanceDiscovery = true, Transport = transport });
    var certCredential = new ClientCertificateCredential(TenantId, CertClientId, appPem,
        new ClientCertificateCredentialOptions { AuthorityHost = new Uri(baseUrl), DisableInstanceDiscovery = true, Transport = transport });

    await Run("ClientSecretCredential signs in", async () =>
    {
        var t = await secretCredential.GetTokenAsync(new TokenRequestContext(graphScopes), default);
        return (t.Token.Length > 0 && t.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(5), $"a token valid until {t.ExpiresOn:HH:mm} UTC");
    });
    await Run("ClientCertificateCredential signs in (a signed client assertion)", async () =>
    {
        var t = await certCredential.GetTokenAsync(new TokenRequestContext(graphScopes), default);
        return (t.Token.Length > 0, "a token");
    });
    await Run("a wrong client secret is refused with invalid_client (AADSTS7000215)", async () =>
    {
        var wrong = new ClientSecretCredential(TenantId, DefaultClientId, "not-the-secret-xyz",
            new ClientSecretCredentialOptions { AuthorityHost = new Uri(baseUrl), DisableInstanceDiscovery = true, Transport = transport });
        try
        {
            await wrong.GetTokenAsync(new TokenRequestContext(graphScopes), default);
            return (false, "signed in");
        }
        catch (AuthenticationFailedException e)
        {
            return (e.Message.Contains("AADSTS7000215") || e.InnerException?.Message.Contains("AADSTS7000215") == true, "AuthenticationFailedException");
        }
    });

    var client = GraphClient(secretCredential, baseUrl, TrustingHandler(), maxRetry: 3);
    var certClient = GraphClient(certCredential, baseUrl, TrustingHandler(), maxRetry: 3);

    await Run("GraphServiceClient with the certificate credential reads groups", async () =>
    {
        var page = await certClient.Groups.GetAsync(rc => rc.QueryParameters.Top = 5);
        return (page?.Value?.Count == 5, $"{page?.Value?.Count} groups");
    });

    // -- Listing with PageIterator across pages.
    var listed = new List<Group>();
    await Run("PageIterator lists every group across pages ($top=40)", async () =>
    {
        int pages = 1;
        var first = await client.Groups.GetAsync(rc =>
        {
            rc.QueryParameters.Top = 40;
            rc.QueryParameters.Select = new[] { "id", "displayName", "groupTypes", "securityEnabled", "mailEnabled", "onPremisesSyncEnabled", "writebackConfiguration" };
        });
        var it = PageIterator<Group, GroupCollectionResponse>.CreatePageIterator(client, first!, g => { listed.Add(g); return true; },
            rc => { pages++; return rc; });
        await it.IterateAsync();
        var stats = JsonDocument.Parse(await control.GetStringAsync("_sim/stats")).RootElement;
        var held = stats.GetProperty("groups").GetInt32();
        var distinct = listed.Select(g => g.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        return (listed.Count == held && distinct == held && held == GroupCount && pages == (GroupCount + 39) / 40,
            $"{listed.Count} listed ({distinct} distinct) in {pages} pages; graph-sim holds {held}");
    });
    await Run("writebackConfiguration arrives in AdditionalData on the listed groups", async () =>
    {
        int with = listed.Count(g => g.AdditionalData.TryGetValue("writebackConfiguration", out var v) && (v is UntypedObject || v is UntypedNull));
        return (listed.Count > 0 && with == listed.Count, $"{with} of {listed.Count}");
    });

    // -- writebackConfiguration: read, PATCH, read back.
    var m365 = listed.FirstOrDefault(g => g.GroupTypes?.Contains("Unified", StringComparer.OrdinalIgnoreCase) == true && g.OnPremisesSyncEnabled != true);
    await Run("PATCH writebackConfiguration (AdditionalData) of a Microsoft 365 group, read back", async () =>
    {
        if (m365?.Id == null) return (false, "no Microsoft 365 group listed");
        var before = Writeback(await client.Groups[m365.Id].GetAsync(rc => rc.QueryParameters.Select = new[] { "id", "writebackConfiguration" }));
        var results = new List<string>();
        bool ok = true;
        // Two documented values in turn, so the second differs from what was stored.
        foreach (var (enabled, type) in new[] { (true, "universalDistributionGroup"), (false, "universalSecurityGroup") })
        {
            var patch = new Group
            {
                AdditionalData = new Dictionary<string, object>
                {
                    ["writebackConfiguration"] = new UntypedObject(new Dictionary<string, UntypedNode>
                    {
                        ["isEnabled"] = new UntypedBoolean(enabled),
                        ["onPremisesGroupType"] = new UntypedString(type),
                    }),
                },
            };
            await client.Groups[m365.Id].PatchAsync(patch);
            var after = Writeback(await client.Groups[m365.Id].GetAsync(rc => rc.QueryParameters.Select = new[] { "id", "writebackConfiguration" }));
            ok &= after.enabled == enabled && string.Equals(after.type, type, StringComparison.Ordinal);
            results.Add($"sent {Show(enabled)}/{type}, read {Show(after.enabled)}/{after.type ?? "null"}");
        }
        return (ok, $"before {Show(before.enabled)}/{before.type ?? "null"}; " + string.Join("; ", results));
    });

    // -- $batch with more requests than one batch holds (20).
    await Run("$batch of 25 requests through BatchRequestContentCollection (split in two), every answer checked", async () =>
    {
        var batch = new BatchRequestContentCollection(client);
        var targets = listed.Take(24).ToList();
        var stepOf = new Dictionary<string, string>();
        foreach (var g in targets)
        {
            var ri = client.Groups[g.Id].ToGetRequestInformation(rc => rc.QueryParameters.Select = new[] { "id", "displayName" });
            stepOf[await batch.AddBatchRequestStepAsync(ri)] = g.Id!;
        }
        var missing = Guid.NewGuid().ToString();
        var missingStep = await batch.AddBatchRequestStepAsync(client.Groups[missing].ToGetRequestInformation());
        var batchesBefore = await Stat(control, "requests");
        var responses = await client.Batch.PostAsync(batch);
        var batchesSent = await Stat(control, "requests") - batchesBefore;
        var codes = await responses.GetResponsesStatusCodesAsync();
        int good = 0;
        var bad = new List<string>();
        foreach (var (step, id) in stepOf)
        {
            var g = await responses.GetResponseByIdAsync<Group>(step);
            if (codes.GetValueOrDefault(step) == HttpStatusCode.OK && string.Equals(g?.Id, id, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(g?.DisplayName))
                good++;
            else
                bad.Add($"{step}:{codes.GetValueOrDefault(step)}");
        }
        string missingCode = "";
        try
        {
            await responses.GetResponseByIdAsync<Group>(missingStep);
        }
        catch (ServiceException e)
        {
            // The batch response's own handler raises ServiceException (not
            // ODataError) with the sub-response's status and Graph error body.
            string? code = null;
            try { code = JsonDocument.Parse(e.RawResponseBody ?? "").RootElement.GetProperty("error").GetProperty("code").GetString(); }
            catch (Exception) { }
            missingCode = $"{e.ResponseStatusCode} {code}";
        }
        bool ok = codes.Count == 25 && good == 24 && missingCode == "404 Request_ResourceNotFound" && batchesSent == 2;
        return (ok, $"{codes.Count} answers, {good}/24 groups right, missing group: {missingCode}, {batchesSent} $batch requests{(bad.Count > 0 ? "; wrong: " + string.Join(",", bad) : "")}");
    });

    // -- Errors parsed as ODataError.
    await Run("a missing group is ODataError 404 Request_ResourceNotFound", async () =>
    {
        try
        {
            await client.Groups[Guid.NewGuid().ToString()].GetAsync();
            return (false, "found");
        }
        catch (ODataError e)
        {
            return (e.ResponseStatusCode == 404 && e.Error?.Code == "Request_ResourceNotFound" && !string.IsNullOrEmpty(e.Error?.Message),
                $"{e.ResponseStatusCode} {e.Error?.Code}: {e.Error?.Message}");
        }
    });
    await Run("a filter with a syntax error is ODataError 400 Request_BadRequest", async () =>
    {
        try
        {
            await client.Groups.GetAsync(rc => rc.QueryParameters.Filter = "displayName eq");
            return (false, "answered");
        }
        catch (ODataError e)
        {
            return (e.ResponseStatusCode == 400 && e.Error?.Code == "Request_BadRequest" && !string.IsNullOrEmpty(e.Error?.Message),
                $"{e.ResponseStatusCode} {e.Error?.Code}: {e.Error?.Message}");
        }
    });
    await Run("a filter on a property that is not filterable is ODataError 400 Request_UnsupportedQuery", async () =>
    {
        try
        {
            await client.Groups.GetAsync(rc => rc.QueryParameters.Filter = "writebackConfiguration/isEnabled eq true");
            return (false, "answered");
        }
        catch (ODataError e)
        {
            return (e.ResponseStatusCode == 400 && e.Error?.Code == "Request_UnsupportedQuery" && !string.IsNullOrEmpty(e.Error?.Message),
                $"{e.ResponseStatusCode} {e.Error?.Code}: {e.Error?.Message}");
        }
    });

    // -- Throttling met by the SDK's RetryHandler: a second graph-sim that
    // answers 20 % of requests (sign-in included) with 429 and
    // `Retry-After: 1`. Whole seconds, as the service writes them: the
    // RetryHandler reads Retry-After with Int32.TryParse, so the fractional
    // values graph-sim writes under --throttle-speed (0.04 at 25) would be
    // ignored for its RetryHandlerOption.Delay (3 s by default).
    var stormUrl = StartSim(simBinary, sims, "--quiet", "--groups", "60", "--seed", "12", "--tls-cert", certPem, "--tls-key", keyPem,
        "--fault-429-rate", "0.2", "--fault-retry-after", "1", "--fault-seed", "5");
    var stormControl = new HttpClient(TrustingHandler()) { BaseAddress = new Uri(stormUrl + "/") };
    var stormCredential = new ClientSecretCredential(TenantId, DefaultClientId, DefaultSecret,
        new ClientSecretCredentialOptions { AuthorityHost = new Uri(stormUrl), DisableInstanceDiscovery = true, Transport = new HttpClientTransport(TrustingHandler()) });
    var stormSeen = new Observer();
    var stormClient = GraphClient(stormCredential, stormUrl, TrustingHandler(), maxRetry: 10, stormSeen);
    await Run("under a 429 storm the RetryHandler still gets every answer", async () =>
    {
        var sw = Stopwatch.StartNew();
        var first = await stormClient.Groups.GetAsync(rc => rc.QueryParameters.Top = 10);
        var seen = new List<string>();
        var it = PageIterator<Group, GroupCollectionResponse>.CreatePageIterator(stormClient, first!, g => { seen.Add(g.Id!); return true; });
        await it.IterateAsync();
        int reads = 0;
        foreach (var id in seen.Take(15))
        {
            var g = await stormClient.Groups[id].GetAsync(rc => rc.QueryParameters.Select = new[] { "id" });
            if (string.Equals(g?.Id, id, StringComparison.OrdinalIgnoreCase)) reads++;
        }
        var throttled = await Stat(stormControl, "throttled");
        // Each 429 asked for a 1 s wait: a client that honoured them took
        // at least that long (a lower bound, which load only lengthens).
        var waited = sw.Elapsed.TotalSeconds >= 0.9 * throttled;
        return (seen.Count == 60 && seen.Distinct().Count() == 60 && reads == 15 && throttled > 0 && waited && stormSeen.Throttled > 0,
            $"{seen.Count}/60 listed, {reads}/15 read, {throttled} answers were 429 ({stormSeen.Throttled} to the SDK, Retry-After: {stormSeen.RetryAfter}), {sw.Elapsed.TotalSeconds:F1} s");
    });

    // -- The write quota, as published (3,000 writes per 150 s per app and
    // tenant, 20 a second), with a burst of 30 (--throttle-scale 0.01):
    // 80 PATCHes meet its 429s, which the RetryHandler waits out.
    var quotaUrl = StartSim(simBinary, sims, "--quiet", "--groups", "80", "--seed", "13", "--tls-cert", certPem, "--tls-key", keyPem,
        "--throttle-scale", "0.01");
    var quotaControl = new HttpClient(TrustingHandler()) { BaseAddress = new Uri(quotaUrl + "/") };
    var quotaCredential = new ClientSecretCredential(TenantId, DefaultClientId, DefaultSecret,
        new ClientSecretCredentialOptions { AuthorityHost = new Uri(quotaUrl), DisableInstanceDiscovery = true, Transport = new HttpClientTransport(TrustingHandler()) });
    var quotaSeen = new Observer();
    var quotaClient = GraphClient(quotaCredential, quotaUrl, TrustingHandler(), maxRetry: 10, quotaSeen);
    await Run("80 PATCHes over the write quota: the RetryHandler waits out its 429s and every PATCH is applied", async () =>
    {
        var page = await quotaClient.Groups.GetAsync(rc =>
        {
            rc.QueryParameters.Top = 999;
            rc.QueryParameters.Select = new[] { "id", "groupTypes", "onPremisesSyncEnabled" };
        });
        var m365s = page!.Value!.Where(g => g.GroupTypes?.Contains("Unified", StringComparer.OrdinalIgnoreCase) == true && g.OnPremisesSyncEnabled != true)
            .Select(g => g.Id!).ToList();
        if (m365s.Count == 0) return (false, "no Microsoft 365 group");
        // Eight at a time: 80 writes go faster than the 2.5 s the quota
        // would need to let them all through, even on a loaded machine.
        await Parallel.ForEachAsync(Enumerable.Range(0, 80), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            await quotaClient.Groups[m365s[i % m365s.Count]].PatchAsync(new Group
            {
                AdditionalData = new Dictionary<string, object>
                {
                    ["writebackConfiguration"] = new UntypedObject(new Dictionary<string, UntypedNode> { ["isEnabled"] = new UntypedBoolean(i % 2 == 0) }),
                },
            }, cancellationToken: ct);
        });
        var writes = await Stat(quotaControl, "writes");
        var throttled = await Stat(quotaControl, "throttled");
        return (writes == 80 && throttled > 0 && quotaSeen.Throttled == throttled && quotaSeen.WriteLimit == throttled,
            $"{writes}/80 applied, {throttled} answers were 429 ({quotaSeen.WriteLimit} WriteLimitExceeded, Retry-After: {quotaSeen.RetryAfter})");
    });
}
catch (Exception e)
{
    // Setting up (certificates, starting graph-sim) failed.
    Check("setting up", false, $"{e.GetType().Name}: {Short(e.Message)}");
}
finally
{
    foreach (var p in sims) StopSim(p);
    try { work.Delete(true); } catch (IOException) { }
}

Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;

static GraphServiceClient GraphClient(TokenCredential credential, string baseUrl, HttpMessageHandler finalHandler, int maxRetry, Observer? observer = null)
{
    // The SDK's default middleware (RetryHandler among them), with the retry
    // count raised where a storm is expected, over the trusting handler; an
    // observer, innermost, sees every attempt the RetryHandler makes.
    var handlers = GraphClientFactory.CreateDefaultHandlers(new GraphClientOptions());
    for (int i = 0; i < handlers.Count; i++)
        if (handlers[i] is RetryHandler)
            handlers[i] = new RetryHandler(new RetryHandlerOption { MaxRetry = maxRetry });
    if (observer != null) handlers.Add(observer);
    var http = GraphClientFactory.Create(handlers, "beta", GraphClientFactory.Global_Cloud, null, finalHandler, true);
    var host = new Uri(baseUrl).Host;
    var auth = new AzureIdentityAuthenticationProvider(credential, new[] { host }, null, false, "https://graph.microsoft.com/.default");
    return new GraphServiceClient(http, auth, baseUrl + "/beta");
}

static (bool? enabled, string? type) Writeback(Group? g)
{
    if (g?.AdditionalData == null || !g.AdditionalData.TryGetValue("writebackConfiguration", out var wb) || wb is not UntypedObject obj)
        return (null, null);
    var props = obj.GetValue();
    bool? enabled = props.TryGetValue("isEnabled", out var e) && e is UntypedBoolean b ? b.GetValue() : null;
    string? type = props.TryGetValue("onPremisesGroupType", out var t) && t is UntypedString s ? s.GetValue() : null;
    return (enabled, type);
}

static string Show(bool? b) => b == null ? "null" : b.Value ? "true" : "false";

static string Short(string s) => s.Length > 700 ? s[..700] + "..." : s;

static async Task<long> Stat(HttpClient control, string name)
{
    var stats = JsonDocument.Parse(await control.GetStringAsync("_sim/stats")).RootElement;
    return stats.GetProperty(name).GetInt64();
}

static X509Certificate2 SelfSigned(string subject, bool serverAuth)
{
    using var rsa = RSA.Create(2048);
    var req = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
    req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
    if (serverAuth)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
    }
    return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
}

static string StartSim(string binary, List<Process> sims, params string[] simArgs)
{
    var psi = new ProcessStartInfo(binary)
    {
        RedirectStandardOutput = true,
        RedirectStandardInput = true,
        UseShellExecute = false,
    };
    foreach (var a in simArgs) psi.ArgumentList.Add(a);
    psi.ArgumentList.Add("--exit-on-stdin-eof");
    var p = Process.Start(psi) ?? throw new InvalidOperationException("graph-sim did not start");
    sims.Add(p);
    var line = p.StandardOutput.ReadLine();
    if (line == null || !line.StartsWith("http"))
        throw new InvalidOperationException($"graph-sim printed no base URL (exit {(p.HasExited ? p.ExitCode : -1)})");
    return line.Trim();
}

static void StopSim(Process p)
{
    try
    {
        if (!p.HasExited)
        {
            p.StandardInput.Close();
            if (!p.WaitForExit(10_000)) p.Kill();
        }
    }
    catch (InvalidOperationException) { }
    p.Dispose();
}

static string? FindSim()
{
    var exe = OperatingSystem.IsWindows() ? "graph-sim.exe" : "graph-sim";
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        foreach (var profile in new[] { "release", "debug" })
        {
            var candidate = Path.Combine(dir.FullName, "target", profile, exe);
            if (File.Exists(candidate)) return candidate;
        }
    }
    return null;
}

/// Sees every attempt below the RetryHandler: the 429s it met, their
/// `Retry-After` and `x-ms-throttle-information`.
sealed class Observer : DelegatingHandler
{
    private int _throttled, _writeLimit;
    public int Throttled => _throttled;
    public int WriteLimit => _writeLimit;
    public string RetryAfter { get; private set; } = "none";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode == 429)
        {
            Interlocked.Increment(ref _throttled);
            if (response.Headers.TryGetValues("Retry-After", out var ra)) RetryAfter = string.Join(",", ra);
            if (response.Headers.TryGetValues("x-ms-throttle-information", out var info) && info.Contains("WriteLimitExceeded"))
                Interlocked.Increment(ref _writeLimit);
        }
        return response;
    }
}
