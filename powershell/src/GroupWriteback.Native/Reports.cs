using System;
using System.Collections.Generic;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>One caveat of an explanation: a stable code and a sentence.</summary>
    public sealed class CaveatInfo
    {
        public string Code { get; set; }
        public string Message { get; set; }

        public override string ToString() => Code + ": " + Message;
    }

    /// <summary>
    /// A group as the rules explain it (the JSON of gwb_group_explain_json,
    /// read with System.Text.Json so that no string is reinterpreted, e.g.
    /// as a date).
    /// </summary>
    public sealed class GroupReport
    {
        public string Id { get; set; }
        public string DisplayName { get; set; }
        public string[] GroupTypes { get; set; }
        public bool? SecurityEnabled { get; set; }
        public bool? MailEnabled { get; set; }
        public bool? OnPremisesSyncEnabled { get; set; }
        /// <summary>The dynamic membership rule, when the group has one.</summary>
        public string MembershipRule { get; set; }
        public bool? IsEnabled { get; set; }
        public string OnPremisesGroupType { get; set; }
        public string Kind { get; set; }
        public string KindDisplayName { get; set; }
        public bool IsSynced { get; set; }
        public bool IsDynamic { get; set; }
        public bool WritebackEnabled { get; set; }
        public string TargetWritebackType { get; set; }
        public string WritebackState { get; set; }
        public string WritebackStateDisplayName { get; set; }
        /// <summary>True, false, or null when the rules cannot tell.</summary>
        public bool? WrittenBack { get; set; }
        public string WrittenBackAs { get; set; }
        /// <summary>The effective writeback in the portal's words, from the library.</summary>
        public string EffectiveWriteback { get; set; }
        public string Reason { get; set; }
        public string Explanation { get; set; }
        public CaveatInfo[] Caveats { get; set; }

        /// <summary>The library's JSON, as returned; null for the groups of a listing page (each is read from the page, not kept as text).</summary>
        public string Json { get; set; }

        /// <summary>The group as the module outputs it.</summary>
        public GroupWriteback.Group ToGroup() => GroupWriteback.Group.From(this);

        /// <summary>
        /// Properties of the group beyond those the rules read (asked for with
        /// -Property), as .NET values; null when there are none.
        /// </summary>
        public Dictionary<string, object> AdditionalProperties { get; set; }

        /// <summary>The keys the library writes of its own in an explained group (gwb_explain_keys_json); any other is a passed-through property.</summary>
        private static readonly Lazy<HashSet<string>> OwnKeys = new Lazy<HashSet<string>>(() =>
        {
            NativeLoader.EnsureReady();
            var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (JsonDocument doc = JsonDocument.Parse(Interop.Borrowed(NativeMethods.gwb_explain_keys_json()) ?? "[]"))
            {
                foreach (JsonElement k in doc.RootElement.EnumerateArray()) keys.Add(k.GetString());
            }
            return keys;
        });

        internal static GroupReport FromJson(string json)
        {
            using (JsonDocument doc = JsonDocument.Parse(json))
            {
                return FromElement(doc.RootElement, json);
            }
        }

        /// <summary>Reads one explained group; <paramref name="json"/> is kept as its text (null for a listing page's groups).</summary>
        internal static GroupReport FromElement(JsonElement root, string json)
        {
            var report = new GroupReport
            {
                Json = json,
                Id = Str(root, "id"),
                DisplayName = Str(root, "displayName"),
                GroupTypes = StrArray(root, "groupTypes"),
                SecurityEnabled = Bool(root, "securityEnabled"),
                MailEnabled = Bool(root, "mailEnabled"),
                OnPremisesSyncEnabled = Bool(root, "onPremisesSyncEnabled"),
                MembershipRule = Str(root, "membershipRule"),
                Kind = Str(root, "kind"),
                KindDisplayName = Str(root, "kindDisplayName"),
                IsSynced = Bool(root, "isSynced") ?? false,
                IsDynamic = Bool(root, "isDynamic") ?? false,
            };
            if (Obj(root, "writebackConfiguration", out JsonElement wb))
            {
                report.IsEnabled = Bool(wb, "isEnabled");
                report.OnPremisesGroupType = Str(wb, "onPremisesGroupType");
            }
            if (Obj(root, "portal", out JsonElement portal))
            {
                report.WritebackEnabled = Bool(portal, "writebackEnabled") ?? false;
                report.TargetWritebackType = Str(portal, "targetWritebackType");
                report.WritebackState = Str(portal, "state");
                report.WritebackStateDisplayName = Str(portal, "stateDisplayName");
            }
            var caveats = new List<CaveatInfo>();
            if (Obj(root, "effective", out JsonElement eff))
            {
                report.WrittenBack = Bool(eff, "writtenBack");
                report.WrittenBackAs = Str(eff, "writtenBackAs");
                report.EffectiveWriteback = Str(eff, "displayName");
                report.Reason = Str(eff, "reason");
                report.Explanation = Str(eff, "explanation");
                if (JsonRead.Prop(eff, "caveats", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement c in list.EnumerateArray())
                    {
                        caveats.Add(new CaveatInfo { Code = Str(c, "code"), Message = Str(c, "message") });
                    }
                }
            }
            report.Caveats = caveats.ToArray();
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in root.EnumerateObject())
                {
                    if (OwnKeys.Value.Contains(p.Name) || p.Name.StartsWith("@odata", StringComparison.Ordinal)) continue;
                    report.AdditionalProperties ??= new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                    report.AdditionalProperties[p.Name] = ToValue(p.Value);
                }
            }
            return report;
        }

        /// <summary>A JSON value as .NET: string, bool, long or double, null, object[] or a case-insensitive dictionary.</summary>
        internal static object ToValue(JsonElement v)
        {
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Number: return v.TryGetInt64(out long l) ? (object)l : v.GetDouble();
                case JsonValueKind.Array:
                    var items = new List<object>();
                    foreach (JsonElement e in v.EnumerateArray()) items.Add(ToValue(e));
                    return items.ToArray();
                case JsonValueKind.Object:
                    var map = new System.Collections.Hashtable(StringComparer.OrdinalIgnoreCase);
                    foreach (JsonProperty p in v.EnumerateObject()) map[p.Name] = ToValue(p.Value);
                    return map;
                default: return null;
            }
        }

        internal static string Str(JsonElement obj, string name)
        {
            return JsonRead.Prop(obj, name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }

        internal static bool? Bool(JsonElement obj, string name)
        {
            if (!JsonRead.Prop(obj, name, out JsonElement v)) return null;
            if (v.ValueKind == JsonValueKind.True) return true;
            if (v.ValueKind == JsonValueKind.False) return false;
            return null;
        }

        internal static string[] StrArray(JsonElement obj, string name)
        {
            if (!JsonRead.Prop(obj, name, out JsonElement v) || v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
            {
                return Array.Empty<string>();
            }
            var items = new List<string>();
            foreach (JsonElement e in v.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.String) items.Add(e.GetString());
            }
            return items.ToArray();
        }

        internal static bool Obj(JsonElement obj, string name, out JsonElement value)
        {
            return JsonRead.Prop(obj, name, out value) && value.ValueKind == JsonValueKind.Object;
        }
    }

    /// <summary>
    /// Every key the module reads from the library's JSON goes through
    /// <see cref="Prop"/>, so that a contract test can record which keys the
    /// model reads and compare them with the keys the library writes: a key
    /// renamed on one side fails the test.
    /// </summary>
    public static class JsonRead
    {
        [ThreadStatic]
        private static HashSet<string> _recorded;

        /// <summary>Starts recording the keys read on this thread.</summary>
        public static void StartRecording() => _recorded = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Stops recording; returns the keys read since <see cref="StartRecording"/>.</summary>
        public static string[] StopRecording()
        {
            var keys = new List<string>(_recorded ?? new HashSet<string>());
            _recorded = null;
            keys.Sort(StringComparer.Ordinal);
            return keys.ToArray();
        }

        /// <summary>True while recording (so raw JSON can be kept for the test).</summary>
        public static bool Recording => _recorded != null;

        /// <summary>The property <paramref name="name"/> of an object, recorded when recording.</summary>
        internal static bool Prop(JsonElement obj, string name, out JsonElement value)
        {
            _recorded?.Add(name);
            value = default;
            return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value);
        }

        /// <summary>A number property as long, or null.</summary>
        internal static long? Int(JsonElement obj, string name)
        {
            return Prop(obj, name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l) ? l : (long?)null;
        }

        /// <summary>A number property as long or double, or null.</summary>
        internal static object Number(JsonElement obj, string name)
        {
            if (Prop(obj, name, out JsonElement v) && v.ValueKind == JsonValueKind.Number)
            {
                return v.TryGetInt64(out long l) ? (object)l : v.GetDouble();
            }
            return null;
        }
    }

    /// <summary>The decision on a requested change (a gwb_change, read and released).</summary>
    public sealed class ChangeDecision
    {
        /// <summary>"Send", "NoChange" or "Refused".</summary>
        public string Outcome { get; set; }

        /// <summary>The exact PATCH body for /groups/{id} when the outcome is Send.</summary>
        public string Body { get; set; }

        /// <summary>isEnabled after the change (Send only).</summary>
        public bool? AfterIsEnabled { get; set; }

        /// <summary>onPremisesGroupType after the change (Send only).</summary>
        public string AfterOnPremisesGroupType { get; set; }

        /// <summary>The refusal's stable code, as the library names it (Refused only).</summary>
        public string RefusalCode { get; set; }

        /// <summary>The refusal's message for an administrator (Refused only).</summary>
        public string RefusalMessage { get; set; }

        /// <summary>The group as it is now, explained.</summary>
        public GroupReport Group { get; set; }

        /// <summary>The library's JSON of the decision.</summary>
        public string Json { get; set; }

        /// <summary>True when a Send only makes the stored values explicit (the portal's state and the effective writeback stay).</summary>
        public bool MakesExplicit { get; set; }

        /// <summary>The library's one line on what the change does, for -WhatIf.</summary>
        public string Summary { get; set; }
    }
}

namespace GroupWriteback
{
    using GroupWriteback.Native;

    // The module's output types. Their full names are the type names the
    // format file and scripts know (GroupWriteback.Group, ...), so objects
    // need no PowerShell type name added one by one.

    /// <summary>One caveat of an explanation: a stable code and a sentence.</summary>
    public sealed class Caveat
    {
        public string Code { get; set; }
        public string Message { get; set; }

        public override string ToString() => Code + ": " + Message;
    }

    /// <summary>writebackConfiguration as the module shows it.</summary>
    public sealed class WritebackConfiguration
    {
        public bool? IsEnabled { get; set; }
        public string OnPremisesGroupType { get; set; }

        public override string ToString()
        {
            string e = IsEnabled.HasValue ? (IsEnabled.Value ? "true" : "false") : "null";
            return "isEnabled: " + e + ", onPremisesGroupType: " + (OnPremisesGroupType ?? "null");
        }
    }

    /// <summary>
    /// A group as the module outputs it:
    /// Graph's properties, the portal's view and the effective behaviour.
    /// Built here rather than in script so that tens of thousands of groups
    /// convert quickly.
    /// </summary>
    public sealed class Group
    {
        public string Id { get; set; }
        public string DisplayName { get; set; }
        public string[] GroupTypes { get; set; }
        public bool? SecurityEnabled { get; set; }
        public bool? MailEnabled { get; set; }
        public bool? OnPremisesSyncEnabled { get; set; }
        /// <summary>The dynamic membership rule, when the group has one (what IsDynamic is read from).</summary>
        public string MembershipRule { get; set; }
        public WritebackConfiguration WritebackConfiguration { get; set; }
        public string Kind { get; set; }
        public string KindDisplayName { get; set; }
        public bool IsDynamic { get; set; }
        public bool WritebackEnabled { get; set; }
        public string TargetWritebackType { get; set; }
        public string WritebackState { get; set; }
        public string WritebackStateDisplayName { get; set; }
        /// <summary>True, false, or null when the rules cannot tell.</summary>
        public bool? WrittenBack { get; set; }
        public string WrittenBackAs { get; set; }
        public string EffectiveWriteback { get; set; }
        public string Reason { get; set; }
        public string Explanation { get; set; }
        public Caveat[] Caveats { get; set; }

        public override string ToString() => DisplayName ?? Id ?? string.Empty;

        internal static Group From(GroupReport r)
        {
            return new Group
            {
                Id = r.Id,
                DisplayName = r.DisplayName,
                GroupTypes = r.GroupTypes,
                SecurityEnabled = r.SecurityEnabled,
                MailEnabled = r.MailEnabled,
                OnPremisesSyncEnabled = r.OnPremisesSyncEnabled,
                MembershipRule = r.MembershipRule,
                WritebackConfiguration = new WritebackConfiguration { IsEnabled = r.IsEnabled, OnPremisesGroupType = r.OnPremisesGroupType },
                Kind = r.Kind,
                KindDisplayName = r.KindDisplayName,
                IsDynamic = r.IsDynamic,
                WritebackEnabled = r.WritebackEnabled,
                TargetWritebackType = r.TargetWritebackType,
                WritebackState = r.WritebackState,
                WritebackStateDisplayName = r.WritebackStateDisplayName,
                WrittenBack = r.WrittenBack,
                WrittenBackAs = r.WrittenBackAs,
                EffectiveWriteback = r.EffectiveWriteback,
                Reason = r.Reason,
                Explanation = r.Explanation,
                Caveats = Array.ConvertAll(r.Caveats ?? Array.Empty<CaveatInfo>(), c => new Caveat { Code = c.Code, Message = c.Message }),
            };
        }
    }
}
