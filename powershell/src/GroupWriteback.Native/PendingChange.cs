using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>
    /// One change Set-GroupWriteback has accepted and will send in its bulk
    /// change: its element of the library's changes array, written as the
    /// change arrives, and what the command reports it by. A .NET object
    /// rather than a [pscustomobject]: thousands are made per run.
    /// </summary>
    public sealed class PendingChange
    {
        /// <param name="id">The group's id.</param>
        /// <param name="groupJson">The group as the caller piped it, as Graph JSON; null or empty (PowerShell passes $null as "") for an id.</param>
        /// <param name="changeJson">The change as a JSON object (e.g. {"state":"Security"}).</param>
        /// <param name="target">What errors name as their target object.</param>
        /// <param name="name">The group as messages name it.</param>
        public PendingChange(string id, string groupJson, string changeJson, object target, string name)
        {
            if (string.IsNullOrEmpty(groupJson)) groupJson = null;
            var json = new StringBuilder(64 + (groupJson?.Length ?? 0) + (changeJson?.Length ?? 2));
            json.Append("{\"id\":").Append(JsonSerializer.Serialize(id ?? string.Empty));
            if (groupJson != null) json.Append(",\"group\":").Append(groupJson);
            string rest = string.IsNullOrEmpty(changeJson) ? "{}" : changeJson;
            // The change's own properties follow, inside the same object.
            if (rest.Length > 2) json.Append(',').Append(rest, 1, rest.Length - 1);
            else json.Append('}');
            Json = json.ToString();
            Target = target;
            Name = name;
        }

        /// <summary>The element of the changes array.</summary>
        public string Json { get; }

        public object Target { get; }
        public string Name { get; }

        /// <summary>The changes array of gwb_client_bulk_set.</summary>
        public static string ToJsonArray(IEnumerable<PendingChange> changes)
        {
            var all = new StringBuilder("[");
            foreach (PendingChange c in changes)
            {
                if (all.Length > 1) all.Append(',');
                all.Append(c.Json);
            }
            return all.Append(']').ToString();
        }
    }
}
