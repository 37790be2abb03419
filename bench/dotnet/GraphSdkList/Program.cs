// W1 contender: Microsoft Graph .NET SDK (Microsoft.Graph, v1.0 models) and its
// PageIterator, pointed at the simulated tenant's beta endpoint with a static
// token. writebackConfiguration is not in the v1.0 model, so it is read from
// AdditionalData. Prints one JSON line: groups read, kept, seconds.
using System.Diagnostics;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: GraphSdkList BASE_URL_BETA TOKEN [default|careful]");
    return 2;
}
var baseUrl = args[0];
var token = args[1];
var careful = args.Length > 2 && args[2] == "careful";

var sw = Stopwatch.StartNew();
var client = new GraphServiceClient(new StaticTokenAuth(token), baseUrl);
var first = await client.Groups.GetAsync(rc =>
{
    if (careful)
    {
        rc.QueryParameters.Top = 999;
        rc.QueryParameters.Select = new[] { "id", "displayName", "groupTypes", "securityEnabled", "mailEnabled", "onPremisesSyncEnabled", "writebackConfiguration" };
    }
});
long read = 0, kept = 0;
var iterator = PageIterator<Group, GroupCollectionResponse>.CreatePageIterator(client, first!, g =>
{
    read++;
    if (WrittenBack(g)) kept++;
    return true;
});
await iterator.IterateAsync();
sw.Stop();
Console.WriteLine($"{{\"read\":{read},\"kept\":{kept},\"seconds\":{sw.Elapsed.TotalSeconds:F3}}}");
return 0;

static bool WrittenBack(Group g)
{
    if (g.OnPremisesSyncEnabled == true) return false;
    bool m365 = g.GroupTypes != null && g.GroupTypes.Any(t => string.Equals(t, "Unified", StringComparison.OrdinalIgnoreCase));
    bool security = !m365 && g.SecurityEnabled == true && g.MailEnabled == false;
    if (!m365 && !security) return false;
    bool? enabled = null;
    string? type = null;
    if (g.AdditionalData != null && g.AdditionalData.TryGetValue("writebackConfiguration", out var wb) && wb is UntypedObject obj)
    {
        var props = obj.GetValue();
        if (props.TryGetValue("isEnabled", out var e) && e is UntypedBoolean b) enabled = b.GetValue();
        if (props.TryGetValue("onPremisesGroupType", out var t) && t is UntypedString s) type = s.GetValue();
    }
    if (enabled == false) return false;
    // A stored type counts only when documented and allowed for the kind (the
    // library calls any other "unknown", not written back).
    if (type != null)
    {
        string[] allowed = m365
            ? new[] { "universalDistributionGroup", "universalSecurityGroup", "universalMailEnabledSecurityGroup" }
            : new[] { "universalSecurityGroup" };
        return allowed.Any(a => string.Equals(a, type, StringComparison.OrdinalIgnoreCase));
    }
    if (enabled == true) return true;
    return m365;
}

sealed class StaticTokenAuth : IAuthenticationProvider
{
    private readonly string _token;
    public StaticTokenAuth(string token) => _token = token;
    public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        request.Headers.Add("Authorization", "Bearer " + _token);
        return Task.CompletedTask;
    }
}
