using System;
using System.Collections.Generic;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>
    /// The offline rules of the native library, for the module's commands:
    /// every handle is released before a method returns.
    /// </summary>
    public static class Rules
    {
        /// <summary>The portal states a change may ask for, as the library names them (gwb_state_name, UNSET left out).</summary>
        public static string[] StateNames() => Names(NativeMethods.gwb_state_name, 1);

        /// <summary>The documented on-premises group types, as the library names them (gwb_onprem_type_name, known values only).</summary>
        public static string[] OnPremisesTypeNames() => Names(NativeMethods.gwb_onprem_type_name, 1);

        /// <summary>The clouds the library signs in to (gwb_cloud_name), the values of Connect-GroupWriteback -Environment.</summary>
        public static string[] CloudNames() => Names(NativeMethods.gwb_cloud_name, 0);

        /// <summary>The names a static name function gives from <paramref name="first"/> on, until NULL; empty names left out.</summary>
        private static string[] Names(Func<uint, IntPtr> name, uint first)
        {
            NativeLoader.EnsureReady();
            var names = new List<string>();
            for (uint n = first; ; n++)
            {
                string text = Interop.Borrowed(name(n));
                if (text == null) break;
                if (text.Length > 0) names.Add(text);
            }
            return names.ToArray();
        }

        /// <summary>Azure Identity's environment variables the library reads, by the option each stands for (gwb_environment_variables_json).</summary>
        public static Dictionary<string, string> EnvironmentVariables()
        {
            NativeLoader.EnsureReady();
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            using (JsonDocument doc = JsonDocument.Parse(Interop.Borrowed(NativeMethods.gwb_environment_variables_json()) ?? "{}"))
            {
                foreach (JsonProperty p in doc.RootElement.EnumerateObject()) map[p.Name] = p.Value.GetString();
            }
            return map;
        }

        /// <summary>True when the library reads <paramref name="state"/> as a portal state (its names or the portal's words, any case).</summary>
        public static bool IsState(string state)
        {
            NativeLoader.EnsureReady();
            uint status = NativeMethods.gwb_state_parse(state ?? string.Empty, out uint _, out ErrorHandle error);
            error.Dispose();
            return status == 0;
        }

        /// <summary><see cref="Explain"/> without exceptions: Value is a <see cref="GroupReport"/>.</summary>
        public static RuleResult TryExplain(string groupJson) => RuleResult.Run(() => Explain(groupJson));

        /// <summary><see cref="ValidateState"/> without exceptions: Value is a <see cref="ChangeDecision"/>.</summary>
        public static RuleResult TryValidateState(string groupJson, string state) => RuleResult.Run(() => ValidateState(groupJson, state));

        /// <summary><see cref="ValidateRequest"/> without exceptions: Value is a <see cref="ChangeDecision"/>.</summary>
        public static RuleResult TryValidateRequest(string groupJson, string requestJson) => RuleResult.Run(() => ValidateRequest(groupJson, requestJson));

        /// <summary><see cref="SplitGroups"/> without exceptions: Value is a string[].</summary>
        public static RuleResult TrySplitGroups(string json) => RuleResult.Run(() => SplitGroups(json));

        /// <summary>Explains one group given as Graph JSON.</summary>
        public static GroupReport Explain(string groupJson)
        {
            using (GroupHandle group = Parse(groupJson))
            {
                return ExplainHandle(group);
            }
        }

        /// <summary>Validates setting a portal state ("Security", "No writeback", ...) on a group.</summary>
        public static ChangeDecision ValidateState(string groupJson, string state)
        {
            NativeLoader.EnsureReady();
            uint code;
            uint status = NativeMethods.gwb_state_parse(state ?? string.Empty, out code, out ErrorHandle error);
            Interop.Check(status, error, "gwb_state_parse");
            using (GroupHandle group = Parse(groupJson))
            {
                status = NativeMethods.gwb_validate_state(group, code, out ChangeHandle change, out error);
                Interop.Check(status, error, "gwb_validate_state");
                using (change)
                {
                    return Decide(group, change);
                }
            }
        }

        /// <summary>
        /// Validates a change given as Graph properties (isEnabled and/or
        /// onPremisesGroupType, bare or as a PATCH body).
        /// </summary>
        public static ChangeDecision ValidateRequest(string groupJson, string requestJson)
        {
            using (GroupHandle group = Parse(groupJson))
            {
                uint status = NativeMethods.gwb_validate_request(group, requestJson ?? string.Empty, out ChangeHandle change, out ErrorHandle error);
                Interop.Check(status, error, "gwb_validate_request");
                using (change)
                {
                    return Decide(group, change);
                }
            }
        }

        /// <summary>
        /// Splits JSON text into the groups it holds: an object is one group,
        /// an array holds several, and a Graph list response's "value" holds
        /// them too. Each element is returned as its own JSON text. Throws
        /// <see cref="JsonException"/> for text that is not JSON.
        /// </summary>
        public static string[] SplitGroups(string json)
        {
            var items = new List<string>();
            using (JsonDocument doc = JsonDocument.Parse(json ?? string.Empty))
            {
                JsonElement root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement e in root.EnumerateArray()) items.Add(e.GetRawText());
                }
                else if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("value", out JsonElement value)
                    && value.ValueKind == JsonValueKind.Array
                    && !root.TryGetProperty("id", out _))
                {
                    foreach (JsonElement e in value.EnumerateArray()) items.Add(e.GetRawText());
                }
                else
                {
                    items.Add(root.GetRawText());
                }
            }
            return items.ToArray();
        }

        private static GroupHandle Parse(string groupJson)
        {
            NativeLoader.EnsureReady();
            uint status = NativeMethods.gwb_group_parse(groupJson ?? string.Empty, out GroupHandle group, out ErrorHandle error);
            try
            {
                Interop.Check(status, error, "gwb_group_parse");
            }
            catch
            {
                group.Dispose();
                throw;
            }
            return group;
        }

        private static GroupReport ExplainHandle(GroupHandle group)
        {
            uint status = NativeMethods.gwb_group_explain_json(group, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_group_explain_json");
            return GroupReport.FromJson(Interop.Take(json));
        }

        private static ChangeDecision Decide(GroupHandle group, ChangeHandle change)
        {
            var decision = new ChangeDecision { Group = ExplainHandle(group) };
            decision.Body = Interop.Borrowed(NativeMethods.gwb_change_body(change));
            uint refusal = NativeMethods.gwb_change_refusal(change);
            if (refusal != 0)
            {
                decision.RefusalCode = Interop.Borrowed(NativeMethods.gwb_refusal_name(refusal)) ?? refusal.ToString();
                decision.RefusalMessage = Interop.Borrowed(NativeMethods.gwb_change_message(change));
            }
            uint status = NativeMethods.gwb_change_to_json(change, out IntPtr jsonPtr, out ErrorHandle error);
            Interop.Check(status, error, "gwb_change_to_json");
            decision.Json = Interop.Take(jsonPtr);
            decision.MakesExplicit = NativeMethods.gwb_change_makes_explicit(change);
            decision.Summary = Interop.Borrowed(NativeMethods.gwb_change_summary(change));
            using (JsonDocument doc = JsonDocument.Parse(decision.Json))
            {
                // The library's outcome name ("send", "noChange", "refused"), in PowerShell's casing.
                string outcome = GroupReport.Str(doc.RootElement, "outcome") ?? string.Empty;
                decision.Outcome = outcome.Length > 0 ? char.ToUpperInvariant(outcome[0]) + outcome.Substring(1) : outcome;
                if (GroupReport.Obj(doc.RootElement, "after", out JsonElement after))
                {
                    JsonElement wb = after;
                    decision.AfterIsEnabled = GroupReport.Bool(wb, "isEnabled");
                    decision.AfterOnPremisesGroupType = GroupReport.Str(wb, "onPremisesGroupType");
                }
            }
            return decision;
        }
    }
}
