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
        public bool WrittenBack { get; set; }
        public string WrittenBackAs { get; set; }
        public string Reason { get; set; }
        public string Explanation { get; set; }
        public CaveatInfo[] Caveats { get; set; }

        /// <summary>The library's JSON, as returned.</summary>
        public string Json { get; set; }

        internal static GroupReport FromJson(string json)
        {
            using (JsonDocument doc = JsonDocument.Parse(json))
            {
                JsonElement root = doc.RootElement;
                var report = new GroupReport
                {
                    Json = json,
                    Id = Str(root, "id"),
                    DisplayName = Str(root, "displayName"),
                    GroupTypes = StrArray(root, "groupTypes"),
                    SecurityEnabled = Bool(root, "securityEnabled"),
                    MailEnabled = Bool(root, "mailEnabled"),
                    OnPremisesSyncEnabled = Bool(root, "onPremisesSyncEnabled"),
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
                    report.WrittenBack = Bool(eff, "writtenBack") ?? false;
                    report.WrittenBackAs = Str(eff, "writtenBackAs");
                    report.Reason = Str(eff, "reason");
                    report.Explanation = Str(eff, "explanation");
                    if (eff.TryGetProperty("caveats", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement c in list.EnumerateArray())
                        {
                            caveats.Add(new CaveatInfo { Code = Str(c, "code"), Message = Str(c, "message") });
                        }
                    }
                }
                report.Caveats = caveats.ToArray();
                return report;
            }
        }

        internal static string Str(JsonElement obj, string name)
        {
            return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;
        }

        internal static bool? Bool(JsonElement obj, string name)
        {
            if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out JsonElement v)) return null;
            if (v.ValueKind == JsonValueKind.True) return true;
            if (v.ValueKind == JsonValueKind.False) return false;
            return null;
        }

        internal static string[] StrArray(JsonElement obj, string name)
        {
            var items = new List<string>();
            if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement e in v.EnumerateArray())
                {
                    if (e.ValueKind == JsonValueKind.String) items.Add(e.GetString());
                }
            }
            return items.ToArray();
        }

        internal static bool Obj(JsonElement obj, string name, out JsonElement value)
        {
            value = default;
            return obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;
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

        /// <summary>The refusal's stable code, e.g. "typeNotAllowedForKind" (Refused only).</summary>
        public string RefusalCode { get; set; }

        /// <summary>The refusal's message for an administrator (Refused only).</summary>
        public string RefusalMessage { get; set; }

        /// <summary>The group as it is now, explained.</summary>
        public GroupReport Group { get; set; }

        /// <summary>The library's JSON of the decision.</summary>
        public string Json { get; set; }
    }
}
