using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace GroupWriteback.Native
{
    /// <summary>
    /// A Graph client of the native library (a gwb_client): its sign-in, its
    /// threads and its pacing. Every call blocks the calling thread; listing
    /// and bulk changes are pulled in short slices so the caller stays
    /// responsive to Ctrl+C.
    /// </summary>
    public sealed class GraphClient : IDisposable
    {
        private readonly ClientHandle _handle;

        private GraphClient(ClientHandle handle)
        {
            _handle = handle;
        }

        /// <summary>
        /// Creates a client. <paramref name="secret"/> (null when the method
        /// needs none) is the access token or the client secret; it is copied
        /// to pinned memory as UTF-8 only for the native call, then zeroed.
        /// </summary>
        public static GraphClient Create(string optionsJson, SecureString secret)
        {
            NativeLoader.EnsureReady();
            using (var utf8 = PinnedSecret.FromSecureString(secret))
            {
                return CreateWith(optionsJson, utf8);
            }
        }

        /// <summary>
        /// Creates a client that signs in with a certificate: its private key
        /// is exported as PKCS#8 PEM into pinned memory, passed as the secret
        /// and zeroed; the certificate's PEM goes into the options as
        /// certificatePem.
        /// </summary>
        public static GraphClient CreateWithCertificate(string optionsJson, X509Certificate2 certificate)
        {
            NativeLoader.EnsureReady();
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            JsonNode node = JsonNode.Parse(string.IsNullOrEmpty(optionsJson) ? "{}" : optionsJson);
            node["certificatePem"] = Credentials.GetCertificatePem(certificate);
            using (var key = Credentials.ExportPrivateKeyPem(certificate))
            {
                return CreateWith(node.ToJsonString(), key);
            }
        }

        /// <summary>
        /// Creates a client whose secret is the value of an environment
        /// variable of this process (the client secret's, named by gwb_environment_variables_json), read here
        /// because variables set in PowerShell are not visible to native code
        /// on Linux and macOS.
        /// </summary>
        public static GraphClient CreateWithEnvironmentSecret(string optionsJson, string variable)
        {
            NativeLoader.EnsureReady();
            string value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(value)) throw new ArgumentException(string.Format("The environment variable {0} is not set.", variable));
            char[] chars = PinnedSecret.Allocate<char>(value.Length, out GCHandle pin);
            try
            {
                value.CopyTo(0, chars, 0, value.Length);
                using (var utf8 = PinnedSecret.FromChars(chars))
                {
                    return CreateWith(optionsJson, utf8);
                }
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                PinnedSecret.Free(pin);
            }
        }

        /// <summary>
        /// Creates a client that signs in with a certificate file: a PEM file
        /// holding the private key and the certificate is read by the native
        /// library (certificatePath); a PFX/PKCS#12 file is opened here with
        /// the password in the environment variable <paramref name="passwordVariable"/>.
        /// </summary>
        public static GraphClient CreateWithCertificateFile(string optionsJson, string path, string passwordVariable)
        {
            NativeLoader.EnsureReady();
            string full = System.IO.Path.GetFullPath(path);
            if (!System.IO.File.Exists(full))
            {
                throw new ArgumentException(string.Format("The certificate file '{0}' does not exist.", full));
            }
            bool pem;
            using (var reader = new System.IO.StreamReader(full))
            {
                char[] head = new char[4096];
                int n = reader.Read(head, 0, head.Length);
                pem = new string(head, 0, n).Contains("-----BEGIN ");
            }
            if (pem)
            {
                JsonNode node = JsonNode.Parse(string.IsNullOrEmpty(optionsJson) ? "{}" : optionsJson);
                node["certificatePath"] = full;
                return CreateWith(node.ToJsonString(), null);
            }
            string password = passwordVariable == null ? null : Environment.GetEnvironmentVariable(passwordVariable);
            // X509CertificateLoader is not in net6.0; newer runtimes (Add-Type) flag the constructor.
#pragma warning disable SYSLIB0057
            using (var certificate = new X509Certificate2(full, password, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable))
#pragma warning restore SYSLIB0057
            {
                return CreateWithCertificate(optionsJson, certificate);
            }
        }

        private static GraphClient CreateWith(string optionsJson, PinnedSecret secret)
        {
            uint status = NativeMethods.gwb_client_new(optionsJson, secret == null ? IntPtr.Zero : secret.Pointer, out ClientHandle client, out ErrorHandle error);
            try
            {
                Interop.Check(status, error, "gwb_client_new");
            }
            catch
            {
                client.Dispose();
                throw;
            }
            return new GraphClient(client);
        }

        // Try variants: never throw, so a failure leaves nothing in
        // PowerShell's $Error or -ErrorVariable beyond the record the command
        // writes. Value is the result (null for void methods).

        public static RuleResult TryCreate(string optionsJson, SecureString secret) => RuleResult.Run(() => Create(optionsJson, secret));
        public static RuleResult TryCreateWithCertificate(string optionsJson, X509Certificate2 certificate) => RuleResult.Run(() => CreateWithCertificate(optionsJson, certificate));
        public static RuleResult TryCreateWithEnvironmentSecret(string optionsJson, string variable) => RuleResult.Run(() => CreateWithEnvironmentSecret(optionsJson, variable));
        public static RuleResult TryCreateWithCertificateFile(string optionsJson, string path, string passwordVariable) => RuleResult.Run(() => CreateWithCertificateFile(optionsJson, path, passwordVariable));
        public RuleResult TrySignIn() => RuleResult.Run(() => { SignIn(); return null; });
        public RuleResult TryBeginDeviceCode() => RuleResult.Run(() => BeginDeviceCode());
        public RuleResult TryWaitDeviceCode(uint timeoutMs) => RuleResult.Run(() => WaitDeviceCode(timeoutMs));
        public RuleResult TryGetGroup(string groupId, string optionsJson) => RuleResult.Run(() => GetGroup(groupId, optionsJson));
        public RuleResult TryListGroups(string optionsJson) => RuleResult.Run(() => ListGroups(optionsJson));
        public RuleResult TryBulkSet(string changesJson) => RuleResult.Run(() => BulkSet(changesJson));

        /// <summary>True once the client was freed.</summary>
        public bool IsDisposed => _handle.IsClosed;

        /// <summary>What the client is connected to, as the library's JSON (never a secret).</summary>
        public string ContextJson()
        {
            uint status = NativeMethods.gwb_client_context_json(_handle, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_client_context_json");
            return Interop.Take(json);
        }

        /// <summary>Signs in now, so a wrong credential shows at once.</summary>
        public void SignIn()
        {
            uint status = NativeMethods.gwb_client_sign_in(_handle, out ErrorHandle error);
            Interop.Check(status, error, "gwb_client_sign_in");
        }

        /// <summary>Starts the device code sign-in; returns the prompt's JSON (message, userCode, verificationUri, expiresIn, interval).</summary>
        public string BeginDeviceCode()
        {
            uint status = NativeMethods.gwb_client_device_code_begin(_handle, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_client_device_code_begin");
            return Interop.Take(json);
        }

        /// <summary>Waits up to <paramref name="timeoutMs"/> for the device code sign-in: true when signed in, false when still pending.</summary>
        public bool WaitDeviceCode(uint timeoutMs)
        {
            uint status = NativeMethods.gwb_client_device_code_wait(_handle, timeoutMs, out ErrorHandle error);
            if (status == (uint)GwbStatus.Pending)
            {
                error.Dispose();
                return false;
            }
            Interop.Check(status, error, "gwb_client_device_code_wait");
            return true;
        }

        /// <summary>Cancels every operation in progress on the client (from any thread).</summary>
        public void Cancel()
        {
            if (_handle.IsClosed) return;
            try
            {
                NativeMethods.gwb_client_cancel(_handle);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>The client's counters since it was created.</summary>
        public GwbProgress Progress()
        {
            uint status = NativeMethods.gwb_client_progress(_handle, out GwbProgress progress, out ErrorHandle error);
            Interop.Check(status, error, "gwb_client_progress");
            return progress;
        }

        /// <summary>Reads and explains one group. <paramref name="optionsJson"/>: {"property": [...]} or null.</summary>
        public GroupReport GetGroup(string groupId, string optionsJson)
        {
            uint status = NativeMethods.gwb_client_get_group(_handle, groupId ?? string.Empty, optionsJson, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_client_get_group");
            return GroupReport.FromJson(Interop.Take(json));
        }

        /// <summary>Starts listing groups (the options of gwb_client_list_groups as JSON).</summary>
        public GroupCursor ListGroups(string optionsJson)
        {
            uint status = NativeMethods.gwb_client_list_groups(_handle, optionsJson, out CursorHandle cursor, out ErrorHandle error);
            return new GroupCursor(Started(status, error, cursor, "gwb_client_list_groups"));
        }

        /// <summary>Starts a bulk change (the changes array of gwb_client_bulk_set as JSON).</summary>
        public BulkOperation BulkSet(string changesJson)
        {
            uint status = NativeMethods.gwb_client_bulk_set(_handle, changesJson, out BulkHandle bulk, out ErrorHandle error);
            return new BulkOperation(Started(status, error, bulk, "gwb_client_bulk_set"));
        }

        /// <summary>Starts a preview of a bulk change: read and decided, nothing written (gwb_client_bulk_check).</summary>
        public BulkOperation BulkCheck(string changesJson)
        {
            uint status = NativeMethods.gwb_client_bulk_check(_handle, changesJson, out BulkHandle bulk, out ErrorHandle error);
            return new BulkOperation(Started(status, error, bulk, "gwb_client_bulk_check"));
        }

        /// <summary>The handle a starting call returned, or its error (the handle released).</summary>
        private static T Started<T>(uint status, ErrorHandle error, T handle, string what) where T : IDisposable
        {
            try
            {
                Interop.Check(status, error, what);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
            return handle;
        }

        /// <summary>Cancels what is in progress and frees the client (once calls in progress return).</summary>
        public void Dispose()
        {
            Cancel();
            _handle.Dispose();
        }
    }

    /// <summary>One page of a listing.</summary>
    public sealed class ListPage
    {
        /// <summary>The groups of the page, explained.</summary>
        public GroupReport[] Groups { get; set; }

        /// <summary>
        /// The groups as the module outputs them, converted with the page
        /// (off the pipeline's thread); null when some group has properties
        /// beyond the rules' own, which the module adds as note properties.
        /// </summary>
        public GroupWriteback.Group[] Converted { get; set; }

        /// <summary>@odata.count when it was asked for (first page only).</summary>
        public long? Count { get; set; }

        /// <summary>The page's number, from 1.</summary>
        public long Number { get; set; }

        /// <summary>True when the listing is complete (then there are no groups).</summary>
        public bool Done { get; set; }

        /// <summary>The library's JSON of the page, kept only while <see cref="JsonRead"/> records (a contract test).</summary>
        public string Json { get; set; }
    }

    /// <summary>
    /// A listing in progress (a gwb_cursor). <see cref="TryNext"/> waits in
    /// slices: the blocking gwb_cursor_next runs on a pool thread, so the
    /// caller can stop between slices and <see cref="Dispose"/> cancels it.
    /// </summary>
    public sealed class GroupCursor : IDisposable
    {
        private readonly CursorHandle _handle;
        private Task<ListPage> _pending;

        internal GroupCursor(CursorHandle handle)
        {
            _handle = handle;
        }

        /// <summary>
        /// The next page when it arrives within <paramref name="timeoutMs"/>,
        /// else null (call again). Throws <see cref="GwbException"/> when the
        /// listing failed.
        /// </summary>
        public ListPage TryNext(int timeoutMs)
        {
            if (_pending == null)
            {
                _pending = Task.Run(Next);
            }
            try
            {
                _pending.Wait(timeoutMs);
            }
            catch (AggregateException)
            {
            }
            if (!_pending.IsCompleted) return null;
            Task<ListPage> done = _pending;
            _pending = null;
            return done.GetAwaiter().GetResult();
        }

        /// <summary>
        /// The next page, waiting for it on the calling thread; <see cref="Cancel"/>
        /// from another thread (a cmdlet's StopProcessing) ends the wait with a
        /// Cancelled error. Throws <see cref="GwbException"/> when the listing failed.
        /// </summary>
        public ListPage NextPage() => Next();

        /// <summary><see cref="TryNext"/> without exceptions: Value is the page, or null when it has not arrived yet.</summary>
        public RuleResult TryNextPage(int timeoutMs) => RuleResult.Run(() => TryNext(timeoutMs));

        private ListPage Next()
        {
            uint status = NativeMethods.gwb_cursor_next(_handle, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_cursor_next");
            string text = Interop.Take(json);
            if (text == null) return new ListPage { Groups = Array.Empty<GroupReport>(), Done = true };
            using (JsonDocument doc = JsonDocument.Parse(text))
            {
                JsonElement root = doc.RootElement;
                var groups = new List<GroupReport>();
                if (JsonRead.Prop(root, "groups", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement g in list.EnumerateArray()) groups.Add(GroupReport.FromElement(g, null));
                }
                long? count = JsonRead.Int(root, "count");
                long number = JsonRead.Int(root, "page") ?? 0;
                GroupReport[] reports = groups.ToArray();
                GroupWriteback.Group[] converted = null;
                if (Array.TrueForAll(reports, r => r.AdditionalProperties == null))
                {
                    converted = Array.ConvertAll(reports, r => r.ToGroup());
                }
                return new ListPage { Groups = reports, Converted = converted, Count = count, Number = number, Json = JsonRead.Recording ? text : null };
            }
        }

        /// <summary>The listing's counters.</summary>
        public GwbProgress Progress()
        {
            uint status = NativeMethods.gwb_cursor_progress(_handle, out GwbProgress progress, out ErrorHandle error);
            Interop.Check(status, error, "gwb_cursor_progress");
            return progress;
        }

        /// <summary>Stops the listing (from any thread).</summary>
        public void Cancel()
        {
            if (_handle.IsClosed) return;
            try
            {
                NativeMethods.gwb_cursor_cancel(_handle);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>Stops and frees the listing (once a call in progress returns).</summary>
        public void Dispose()
        {
            Cancel();
            _handle.Dispose();
        }
    }

    /// <summary>The result of one group in a bulk change.</summary>
    public sealed class BulkResult
    {
        public int Index { get; set; }
        public string Id { get; set; }
        public string DisplayName { get; set; }

        /// <summary>written, noChange, refused, failed or cancelled (wouldWrite in a preview).</summary>
        public string Result { get; set; }

        /// <summary>The PATCH body that was sent (written only).</summary>
        public string Body { get; set; }

        /// <summary>True when the write only made the stored values explicit: the portal's state and the effective writeback are as before (written only).</summary>
        public bool MadeExplicit { get; set; }

        /// <summary>The library's one line on the change (refused, noChange, wouldWrite).</summary>
        public string Summary { get; set; }

        /// <summary>The group's JSON as the library returned it (to send a previewed change without reading the group again).</summary>
        public string GroupJson { get; set; }

        /// <summary>The group as it now is, explained (written and noChange).</summary>
        public GroupReport Group { get; set; }
        public string RefusalCode { get; set; }
        public string RefusalMessage { get; set; }

        /// <summary>The failure, as an exception with Graph's code, request id and HTTP status (failed only).</summary>
        public GwbException Error { get; set; }
        public int Attempts { get; set; }
    }

    /// <summary>What one poll of a bulk change returned.</summary>
    public sealed class BulkPoll
    {
        public BulkResult[] Results { get; set; }

        /// <summary>True once every result has been returned.</summary>
        public bool Done { get; set; }

        /// <summary>The library's JSON of the results, kept only while <see cref="JsonRead"/> records (a contract test).</summary>
        public string Json { get; set; }
    }

    /// <summary>A bulk change in progress (a gwb_bulk).</summary>
    public sealed class BulkOperation : IDisposable
    {
        private readonly BulkHandle _handle;

        internal BulkOperation(BulkHandle handle)
        {
            _handle = handle;
        }

        /// <summary>Waits up to <paramref name="timeoutMs"/> for results not returned before.</summary>
        public BulkPoll Poll(uint timeoutMs)
        {
            uint status = NativeMethods.gwb_bulk_poll(_handle, timeoutMs, out IntPtr json, out bool done, out ErrorHandle error);
            Interop.Check(status, error, "gwb_bulk_poll");
            string text = Interop.Take(json);
            var results = new List<BulkResult>();
            using (JsonDocument doc = JsonDocument.Parse(text ?? "[]"))
            {
                foreach (JsonElement r in doc.RootElement.EnumerateArray())
                {
                    var result = new BulkResult
                    {
                        Index = (int)(JsonRead.Int(r, "index") ?? -1),
                        Id = GroupReport.Str(r, "id"),
                        DisplayName = GroupReport.Str(r, "displayName"),
                        Result = GroupReport.Str(r, "result"),
                        Attempts = (int)(JsonRead.Int(r, "attempts") ?? 0),
                    };
                    if (JsonRead.Prop(r, "body", out JsonElement body) && body.ValueKind == JsonValueKind.Object)
                    {
                        result.Body = body.GetRawText();
                    }
                    result.MadeExplicit = GroupReport.Bool(r, "madeExplicit") ?? false;
                    if (GroupReport.Obj(r, "group", out JsonElement group))
                    {
                        result.Group = GroupReport.FromElement(group, null);
                        result.GroupJson = group.GetRawText();
                    }
                    result.Summary = GroupReport.Str(r, "summary");
                    if (GroupReport.Obj(r, "refusal", out JsonElement refusal))
                    {
                        result.RefusalCode = GroupReport.Str(refusal, "code");
                        result.RefusalMessage = GroupReport.Str(refusal, "message");
                    }
                    if (GroupReport.Obj(r, "error", out JsonElement e))
                    {
                        int? http = (int?)JsonRead.Int(e, "status");
                        // The library says which gwb_status this error is and
                        // whether the code is Graph's (graphCode) or its own.
                        uint gwbStatus = (uint)(JsonRead.Int(e, "gwbStatus") ?? (long)GwbStatus.Graph);
                        result.Error = new GwbException((GwbStatus)gwbStatus, GroupReport.Str(e, "statusName"), GroupReport.Str(e, "message"),
                            GroupReport.Str(e, "graphCode"), GroupReport.Str(e, "requestId"), http);
                    }
                    results.Add(result);
                }
            }
            return new BulkPoll { Results = results.ToArray(), Done = done, Json = JsonRead.Recording ? text : null };
        }

        /// <summary><see cref="Poll"/> without exceptions: Value is a <see cref="BulkPoll"/>.</summary>
        public RuleResult TryPoll(uint timeoutMs) => RuleResult.Run(() => Poll(timeoutMs));

        /// <summary>The bulk change's counters.</summary>
        public GwbProgress Progress()
        {
            uint status = NativeMethods.gwb_bulk_progress(_handle, out GwbProgress progress, out ErrorHandle error);
            Interop.Check(status, error, "gwb_bulk_progress");
            return progress;
        }

        /// <summary>Stops the bulk change (from any thread): batches sent finish, the rest end as cancelled.</summary>
        public void Cancel()
        {
            if (_handle.IsClosed) return;
            try
            {
                NativeMethods.gwb_bulk_cancel(_handle);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>Frees the bulk change, cancelling what was not sent.</summary>
        public void Dispose()
        {
            _handle.Dispose();
        }
    }

    /// <summary>
    /// A secret as NUL-terminated UTF-8 in a pinned array (the GC never
    /// copies it), zeroed on Dispose.
    /// </summary>
    internal sealed class PinnedSecret : IDisposable
    {
        private byte[] _bytes;
        private GCHandle _pin;

        private PinnedSecret(byte[] bytes, GCHandle pin)
        {
            _bytes = bytes;
            _pin = pin;
        }

        /// <summary>
        /// An array the GC never moves (so never leaves a copy behind): from
        /// the pinned object heap on .NET, pinned by a handle on .NET
        /// Framework (before anything is written to it). Release the handle
        /// with <see cref="Free"/> after clearing the array.
        /// </summary>
        internal static T[] Allocate<T>(int length, out GCHandle pin) where T : struct
        {
#if NETFRAMEWORK
            T[] array = new T[length];
            pin = GCHandle.Alloc(array, GCHandleType.Pinned);
            return array;
#else
            pin = default;
            return GC.AllocateUninitializedArray<T>(length, pinned: true);
#endif
        }

        /// <summary>Releases a handle of <see cref="Allocate"/> (none on .NET).</summary>
        internal static void Free(GCHandle pin)
        {
            if (pin.IsAllocated) pin.Free();
        }

        internal IntPtr Pointer => Marshal.UnsafeAddrOfPinnedArrayElement(_bytes, 0);

        internal static PinnedSecret FromSecureString(SecureString secret)
        {
            if (secret == null || secret.Length == 0) return null;
            IntPtr unicode = Marshal.SecureStringToGlobalAllocUnicode(secret);
            char[] chars = Allocate<char>(secret.Length, out GCHandle pin);
            try
            {
                Marshal.Copy(unicode, chars, 0, chars.Length);
                return FromChars(chars);
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                Free(pin);
                Marshal.ZeroFreeGlobalAllocUnicode(unicode);
            }
        }

        internal static PinnedSecret FromChars(char[] chars)
        {
            int count = Encoding.UTF8.GetByteCount(chars);
            byte[] bytes = Allocate<byte>(count + 1, out GCHandle pin);
            Encoding.UTF8.GetBytes(chars, 0, chars.Length, bytes, 0);
            bytes[count] = 0;
            return new PinnedSecret(bytes, pin);
        }

        public void Dispose()
        {
            if (_bytes != null)
            {
                Array.Clear(_bytes, 0, _bytes.Length);
                _bytes = null;
                Free(_pin);
                _pin = default;
            }
        }
    }

    /// <summary>Certificates and secrets for the module's sign-in.</summary>
    public static class Credentials
    {
        /// <summary>The certificate (public part) as PEM.</summary>
        public static string GetCertificatePem(X509Certificate2 certificate)
        {
            return new string(Pem.Write("CERTIFICATE", certificate.RawData));
        }

        /// <summary>
        /// Finds a certificate with a private key by thumbprint in the
        /// CurrentUser and LocalMachine "My" stores (those that exist on this
        /// platform); null when none has it.
        /// </summary>
        public static X509Certificate2 FindByThumbprint(string thumbprint)
        {
            string wanted = (thumbprint ?? string.Empty).Replace(" ", string.Empty).Replace(":", string.Empty);
            foreach (StoreLocation location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                X509Store store = new X509Store(StoreName.My, location);
                try
                {
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                }
                catch (CryptographicException)
                {
                    store.Dispose();
                    continue;
                }
                catch (PlatformNotSupportedException)
                {
                    store.Dispose();
                    continue;
                }
                using (store)
                {
                    X509Certificate2Collection found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, false);
                    foreach (X509Certificate2 c in found)
                    {
                        if (c.HasPrivateKey) return c;
                    }
                }
            }
            return null;
        }

        /// <summary>
        /// The certificate's RSA private key as PKCS#8 PEM, in pinned memory
        /// zeroed on Dispose. Throws <see cref="InvalidOperationException"/>
        /// when there is no RSA private key or it cannot be exported.
        /// </summary>
        internal static PinnedSecret ExportPrivateKeyPem(X509Certificate2 certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidOperationException("The certificate has no private key: sign-in needs the certificate with its private key.");
            }
            using (RSA rsa = certificate.GetRSAPrivateKey())
            {
                if (rsa == null)
                {
                    throw new InvalidOperationException("The certificate's key is not an RSA key: sign-in assertions are signed with RS256.");
                }
                byte[] der = null;
                char[] pem = null;
                try
                {
                    der = ExportPkcs8(rsa);
                    pem = Pem.Write("PRIVATE KEY", der);
                    return PinnedSecret.FromChars(pem);
                }
                finally
                {
                    if (der != null) Array.Clear(der, 0, der.Length);
                    if (pem != null) Array.Clear(pem, 0, pem.Length);
                }
            }
        }

        private static byte[] ExportPkcs8(RSA rsa)
        {
#if !NETFRAMEWORK
            try
            {
                return rsa.ExportPkcs8PrivateKey();
            }
            catch (CryptographicException)
            {
                // Some key stores refuse a plain PKCS#8 export but allow the
                // parameters: copy them into an ephemeral key and export that.
            }
#endif
            RSAParameters p;
            try
            {
                p = rsa.ExportParameters(true);
            }
            catch (CryptographicException)
            {
                throw new InvalidOperationException("The certificate's private key cannot be exported (it is marked non-exportable): use a certificate whose key can be exported, or a client secret.");
            }
            try
            {
#if NETFRAMEWORK
                // .NET Framework has no PKCS#8 export: encode the parameters.
                return Pkcs8.FromRsaParameters(p);
#else
                using (RSA copy = RSA.Create())
                {
                    copy.ImportParameters(p);
                    return copy.ExportPkcs8PrivateKey();
                }
#endif
            }
            finally
            {
                foreach (byte[] part in new[] { p.D, p.DP, p.DQ, p.InverseQ, p.P, p.Q })
                {
                    if (part != null) Array.Clear(part, 0, part.Length);
                }
            }
        }
    }
}
