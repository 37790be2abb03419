using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using GroupWriteback.Native;

// Usage: Net472Smoke <module folder> [<graph-sim executable> <certificate.pfx> <key.pem> <cert.pem>]
// The module folder holds runtimes/<rid>/native/<library>, as `make module` lays it out.
internal static class Program
{
    private static int _passed;
    private static int _failed;

    private static int Main(string[] args)
    {
        Console.WriteLine("runtime: " + RuntimeInformation.FrameworkDescription + " (" +
            (Type.GetType("Mono.Runtime") != null ? "Mono" : ".NET Framework") + "), " + RuntimeInformation.OSDescription +
            ", " + RuntimeIdentifierOrError());
        string moduleDir = Path.GetFullPath(args[0]);

        Check("the native library loads by full path and its ABI version is checked", () =>
        {
            NativeLoader.Initialize(moduleDir);
            Equal(true, NativeLoader.IsReady);
            Equal(NativeLoader.ExpectedAbiVersion, NativeLoader.LoadedAbiVersion);
            Equal(Path.Combine(moduleDir, "runtimes", NativeLoader.RuntimeIdentifier, "native", NativeLoader.LibraryFileName), NativeLoader.LoadedPath);
            Console.WriteLine("    loaded " + NativeLoader.LoadedPath + " version " + NativeLoader.LoadedVersion);
        });

        Check("DllImport binds to the module loaded by path (one copy in the process)", () =>
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Console.WriteLine("    (Windows: see the module list of the process)");
                foreach (ProcessModule m in Process.GetCurrentProcess().Modules)
                {
                    if (m.ModuleName.Equals(NativeLoader.LibraryFileName, StringComparison.OrdinalIgnoreCase)) Console.WriteLine("    module " + m.FileName);
                }
                return;
            }
            int copies = 0;
            foreach (string line in File.ReadAllLines("/proc/self/maps"))
            {
                if (line.EndsWith("/" + NativeLoader.LibraryFileName, StringComparison.Ordinal) && line.Contains(" r--p 00000000 ")) copies++;
            }
            Equal(1, copies);
        });

        Check("a second Initialize with the same path is accepted, another path refused", () =>
        {
            NativeLoader.Initialize(moduleDir);
            Throws<InvalidOperationException>(() => NativeLoader.Initialize(Path.Combine(moduleDir, "elsewhere")), "already loaded");
        });

        Check("static names come back as UTF-8 strings (borrowed)", () =>
        {
            string[] states = Rules.StateNames();
            Console.WriteLine("    states: " + string.Join(", ", states));
            True(states.Length >= 3, "several states");
            True(Rules.CloudNames().Length >= 1, "clouds");
            True(Rules.OnPremisesTypeNames().Length >= 1, "on-premises types");
        });

        Check("System.Text.Json (package) reads the library's JSON", () =>
        {
            Dictionary<string, string> env = Rules.EnvironmentVariables();
            Console.WriteLine("    environment variables: " + string.Join(", ", env.Values));
            True(env.Count > 0, "some variables");
        });

        const string name = "Équipe – 東京 🚀 ü";
        string groupJson = "{\"id\":\"11111111-2222-3333-4444-555555555555\",\"displayName\":\"" + name + "\",\"groupTypes\":[\"Unified\"],\"securityEnabled\":false,\"mailEnabled\":true," +
            "\"writebackConfiguration\":{\"isEnabled\":null,\"onPremisesGroupType\":null}}";

        Check("Rules.Explain: non-ASCII text goes in (LPUTF8Str) and comes back (UTF-8 decoding) unchanged", () =>
        {
            GroupReport r = Rules.Explain(groupJson);
            Equal(name, r.DisplayName);
            Equal("microsoft365", r.Kind);
            Console.WriteLine("    kind " + r.Kind + ", state " + r.WritebackStateDisplayName + ", effective " + r.EffectiveWriteback + ", caveats " + r.Caveats.Length);
            True(r.Explanation.Length > 0, "an explanation");
            Equal(name, r.ToGroup().DisplayName);
        });

        Check("Rules.ValidateState: a change handle, its JSON and borrowed strings", () =>
        {
            ChangeDecision d = Rules.ValidateState(groupJson, "Security");
            Console.WriteLine("    outcome " + d.Outcome + ", body " + d.Body + ", refusal " + d.RefusalCode);
            True(d.Outcome == "Send" || d.Outcome == "Refused" || d.Outcome == "NoChange", "an outcome");
            True(d.Json.StartsWith("{", StringComparison.Ordinal), "JSON");
            True(!string.IsNullOrEmpty(d.Summary), "a summary");
        });

        Check("Rules.ValidateRequest and IsState", () =>
        {
            ChangeDecision d = Rules.ValidateRequest(groupJson, "{\"writebackConfiguration\":{\"isEnabled\":false}}");
            Console.WriteLine("    outcome " + d.Outcome + ", body " + d.Body);
            True(Rules.IsState("security"), "security is a state");
            True(!Rules.IsState("nonsense"), "nonsense is not");
        });

        Check("a library error becomes a GwbException with status and message", () =>
        {
            GwbException e = Throws<GwbException>(() => Rules.Explain("{not json"), null);
            Equal(GwbStatus.InvalidJson, e.Status);
            Console.WriteLine("    " + e.StatusName + ": " + e.Message);
            RuleResult r = Rules.TryExplain("[]");
            True(!r.Success, "TryExplain fails without throwing");
        });

        Check("Rules.SplitGroups (System.Text.Json)", () =>
        {
            Equal(2, Rules.SplitGroups("{\"value\":[{\"id\":\"a\"},{\"id\":\"b\"}]}").Length);
        });

        Check("OptionsJson writes nested options (Utf8JsonWriter)", () =>
        {
            var options = new Hashtable { { "auth", "accessToken" } };
            var sub = new System.Collections.Specialized.OrderedDictionary { { "a", 1 }, { "b", new object[] { true, null, 2.5, "ü" } } };
            var ordered = new System.Collections.Specialized.OrderedDictionary { { "endpoint", new Uri("http://127.0.0.1:1/") }, { "n", 3L }, { "sub", sub } };
            Equal("{\"auth\":\"accessToken\"}", OptionsJson.Write(options));
            Equal("{\"endpoint\":\"http://127.0.0.1:1/\",\"n\":3,\"sub\":{\"a\":1,\"b\":[true,null,2.5,\"\\u00FC\"]}}", OptionsJson.Write(ordered));
        });

        Check("GroupInput reads a group from a hashtable and a .NET object (ObjectJson, gwb_group_input_json)", () =>
        {
            var group = new Hashtable
            {
                { "id", "g1" }, { "displayName", name }, { "securityEnabled", true }, { "mailEnabled", false }, { "groupTypes", new string[0] },
                { "onPremisesSyncEnabled", null }, { "membershipRule", null },
                { "writebackConfiguration", new Hashtable { { "isEnabled", null }, { "onPremisesGroupType", null } } },
            };
            GroupInput fromTable = ReadGroupInput(group);
            True(fromTable.IsGroup, "a hashtable with group properties is a group");
            Equal("g1", fromTable.Id);
            Equal(name, fromTable.Name);
            Console.WriteLine("    hashtable: complete " + fromTable.Complete + ", properties " + string.Join(",", fromTable.Properties) + ", json " + fromTable.GroupJson);
            GroupInput fromObject = ReadGroupInput(new SmokeGroup { Id = "g2", DisplayName = name, SecurityEnabled = true, MailEnabled = false });
            True(fromObject.IsGroup, "an object with group properties is a group");
            Equal("g2", fromObject.Id);
            True(!ReadGroupInput(new Version(1, 2)).IsGroup, "a Version is not a group");
            // A script property (computed: a Process's CommandLine asks CIM) is never read.
            int scriptReads = 0;
            // The stub System.Management.Automation is the app's, not a compile-time reference: by reflection.
            Type psObject = Assembly.Load("System.Management.Automation").GetType("System.Management.Automation.PSObject", true);
            object withScript = Activator.CreateInstance(psObject, new object[] { new SmokeGroup { Id = "g3", DisplayName = name, SecurityEnabled = true, MailEnabled = false } });
            psObject.GetMethod("AddNote").Invoke(withScript, new object[] { "note", "kept" });
            psObject.GetMethod("AddScript").Invoke(withScript, new object[] { "Expensive", (Func<object>)(() => { scriptReads++; return "computed"; }) });
            GroupInput fromScripted = ReadGroupInput(withScript);
            Equal("g3", fromScripted.Id);
            Equal(0, scriptReads);
        });

        if (args.Length >= 5) GraphChecks(args[1], args[2], args[3], args[4]);

        Console.WriteLine(_passed + " passed, " + _failed + " failed" + (_skipped > 0 ? ", " + _skipped + " skipped" : string.Empty));
        return _failed == 0 ? 0 : 1;
    }

    private static int _skipped;

    private sealed class SkipException : Exception
    {
        public SkipException(string message) : base(message) { }
    }

    /// <summary>
    /// GroupInput.Read, or a skipped check where no
    /// System.Management.Automation can be loaded: on Windows it is Windows
    /// PowerShell's, from the GAC; under Mono a stand-in must be put beside
    /// the program (README.md).
    /// </summary>
    private static GroupInput ReadGroupInput(object input)
    {
        try
        {
            return GroupInput.Read(input);
        }
        catch (FileNotFoundException e) when (e.FileName != null && e.FileName.StartsWith("System.Management.Automation", StringComparison.Ordinal))
        {
            throw new SkipException(e.Message);
        }
    }

    public sealed class SmokeGroup
    {
        public string Id { get; set; }
        public string DisplayName { get; set; }
        public bool SecurityEnabled { get; set; }
        public bool MailEnabled { get; set; }
        public string[] GroupTypes { get; set; } = new string[0];
    }

    private static void GraphChecks(string graphSim, string pfx, string keyPem, string certPem)
    {
        X509Certificate2 certificate = null;
        Check("a PFX opens with EphemeralKeySet | Exportable", () =>
        {
            certificate = new X509Certificate2(pfx, "smoke", X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable);
            True(certificate.HasPrivateKey, "has its private key");
        });
        if (certificate == null)
        {
            Check("a PFX opens with Exportable (no EphemeralKeySet)", () =>
            {
                certificate = new X509Certificate2(pfx, "smoke", X509KeyStorageFlags.Exportable);
                True(certificate.HasPrivateKey, "has its private key");
            });
        }

        Check("the certificate's PEM is what openssl writes", () =>
        {
            Equal(File.ReadAllText(certPem).Trim(), Credentials.GetCertificatePem(certificate));
        });

        Check("the private key is exported as the PKCS#8 PEM openssl writes", () =>
        {
            MethodInfo export = typeof(Credentials).GetMethod("ExportPrivateKeyPem", BindingFlags.NonPublic | BindingFlags.Static);
            object secret = export.Invoke(null, new object[] { certificate });
            try
            {
                IntPtr p = (IntPtr)secret.GetType().GetProperty("Pointer", BindingFlags.NonPublic | BindingFlags.Instance).GetValue(secret);
                byte[] bytes = new byte[8192];
                int n = 0;
                while ((bytes[n] = Marshal.ReadByte(p, n)) != 0) n++;
                Equal(File.ReadAllText(keyPem).Trim(), System.Text.Encoding.ASCII.GetString(bytes, 0, n));
            }
            finally
            {
                ((IDisposable)secret).Dispose();
            }
        });

        Process sim = null;
        string url = null;
        Check("graph-sim starts", () =>
        {
            var info = new ProcessStartInfo(graphSim, "--quiet --groups 50 --seed 7 --static-token smoke-token")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
            };
            sim = Process.Start(info);
            url = sim.StandardOutput.ReadLine().Trim().TrimEnd('/');
            Console.WriteLine("    " + url);
        });
        if (url == null) return;
        try
        {
            Check("GraphClient: access token (SecureString -> pinned UTF-8), context, a group, a listing in slices", () =>
            {
                var token = new SecureString();
                foreach (char c in "smoke-token") token.AppendChar(c);
                string options = OptionsJson.Write(new Hashtable { { "endpoint", url }, { "auth", "accessToken" } });
                using (GraphClient client = GraphClient.Create(options, token))
                {
                    Console.WriteLine("    context " + client.ContextJson());
                    var groups = new List<GroupReport>();
                    using (GroupCursor cursor = client.ListGroups(null))
                    {
                        while (true)
                        {
                            ListPage page = cursor.TryNext(200);
                            if (page == null) continue;
                            if (page.Done) break;
                            groups.AddRange(page.Groups);
                        }
                        Console.WriteLine("    requests " + cursor.Progress().Requests);
                    }
                    Equal(50, groups.Count);
                    GroupReport one = client.GetGroup(groups[0].Id, null);
                    Equal(groups[0].Id, one.Id);
                    True(client.Progress().Requests > 0, "progress counted");
                }
            });

            Check("GraphClient: a bulk change in slices (preview, then written)", () =>
            {
                var token = new SecureString();
                foreach (char c in "smoke-token") token.AppendChar(c);
                string options = OptionsJson.Write(new Hashtable { { "endpoint", url }, { "auth", "accessToken" } });
                using (GraphClient client = GraphClient.Create(options, token))
                {
                    var ids = new List<string>();
                    using (GroupCursor cursor = client.ListGroups(null))
                    {
                        for (ListPage page = cursor.NextPage(); !page.Done; page = cursor.NextPage())
                        {
                            foreach (GroupReport g in page.Groups) if (ids.Count < 5) ids.Add(g.Id);
                        }
                    }
                    var changes = new List<PendingChange>();
                    foreach (string id in ids) changes.Add(new PendingChange(id, null, "{\"state\":\"Security\"}", id, id));
                    string json = PendingChange.ToJsonArray(changes);
                    foreach (bool preview in new[] { true, false })
                    {
                        var results = new List<BulkResult>();
                        using (BulkOperation bulk = preview ? client.BulkCheck(json) : client.BulkSet(json))
                        {
                            while (true)
                            {
                                BulkPoll poll = bulk.Poll(200);
                                results.AddRange(poll.Results);
                                if (poll.Done) break;
                            }
                        }
                        Equal(ids.Count, results.Count);
                        var counts = new SortedDictionary<string, int>();
                        foreach (BulkResult r in results) counts[r.Result] = counts.TryGetValue(r.Result, out int k) ? k + 1 : 1;
                        var parts = new List<string>();
                        foreach (var kv in counts) parts.Add(kv.Key + " " + kv.Value);
                        Console.WriteLine("    " + (preview ? "preview: " : "written: ") + string.Join(", ", parts));
                    }
                }
            });

            Check("GraphClient: certificate sign-in (PEM + PKCS#8 key passed to the library)", () =>
            {
                string options = OptionsJson.Write(new Hashtable
                {
                    { "endpoint", url }, { "auth", "certificate" },
                    { "tenantId", "5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30" }, { "clientId", "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" },
                });
                using (GraphClient client = GraphClient.CreateWithCertificate(options, certificate))
                {
                    client.SignIn();
                    Console.WriteLine("    context " + client.ContextJson());
                }
            });

            Check("GraphClient: PFX file with its password in an environment variable", () =>
            {
                Environment.SetEnvironmentVariable("SMOKE_PFX_PASSWORD", "smoke");
                string options = OptionsJson.Write(new Hashtable
                {
                    { "endpoint", url }, { "auth", "certificate" },
                    { "tenantId", "5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30" }, { "clientId", "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" },
                });
                using (GraphClient client = GraphClient.CreateWithCertificateFile(options, pfx, "SMOKE_PFX_PASSWORD"))
                {
                    client.SignIn();
                }
            });

            Check("GraphClient: a wrong token is an Auth error, not a crash", () =>
            {
                var token = new SecureString();
                foreach (char c in "wrong") token.AppendChar(c);
                string options = OptionsJson.Write(new Hashtable { { "endpoint", url }, { "auth", "accessToken" } });
                using (GraphClient client = GraphClient.Create(options, token))
                {
                    GwbException e = Throws<GwbException>(() => client.GetGroup("x", null), null);
                    Console.WriteLine("    " + e.StatusName + ": " + e.Message);
                }
            });
        }
        finally
        {
            try
            {
                sim.StandardInput.Close();
                if (!sim.WaitForExit(5000)) sim.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static string RuntimeIdentifierOrError()
    {
        try
        {
            return NativeLoader.RuntimeIdentifier;
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    private static void Check(string what, Action test)
    {
        try
        {
            test();
            _passed++;
            Console.WriteLine("[+] " + what);
        }
        catch (SkipException e)
        {
            _skipped++;
            Console.WriteLine("[~] " + what + " (skipped: " + e.Message + ")");
        }
        catch (Exception e)
        {
            _failed++;
            Console.WriteLine("[-] " + what + "\n    " + e.ToString().Replace("\n", "\n    "));
        }
    }

    private static void Equal<T>(T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new Exception("expected <" + expected + "> but was <" + actual + ">");
        }
    }

    private static void True(bool condition, string what)
    {
        if (!condition) throw new Exception("expected: " + what);
    }

    private static T Throws<T>(Action action, string messagePart) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            if (messagePart != null && e.Message.IndexOf(messagePart, StringComparison.Ordinal) < 0)
            {
                throw new Exception("the message does not say '" + messagePart + "': " + e.Message);
            }
            return e;
        }
        throw new Exception("expected " + typeof(T).Name + ", nothing was thrown");
    }
}
