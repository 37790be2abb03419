using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>
    /// The one place the module turns a piped or passed object (a Graph SDK
    /// object, a ConvertFrom-Json object, a hashtable, this module's own
    /// output) into the group it holds. The object's properties are written
    /// out as JSON with their own names (<see cref="ObjectJson"/>), and the
    /// library (gwb_group_input_json) picks the properties its rules read:
    /// no property name is listed here.
    /// </summary>
    public sealed class GroupInput
    {
        /// <summary>The object has any of the properties the rules read.</summary>
        public bool IsGroup { get; private set; }

        /// <summary>Everything the rules need is there and not null: the group can be judged without reading it.</summary>
        public bool Complete { get; private set; }

        /// <summary>The group in Graph's JSON (the rules' properties only), or null when it is not a group.</summary>
        public string GroupJson { get; private set; }

        /// <summary>The group's id, when it has one.</summary>
        public string Id { get; private set; }

        /// <summary>Its display name, else its id: for messages.</summary>
        public string Name { get; private set; }

        /// <summary>The properties the rules read, as the library names them (for a message).</summary>
        public string[] Properties { get; private set; }

        /// <summary>Reads the group <paramref name="input"/> holds (null gives "not a group").</summary>
        public static GroupInput Read(object input)
        {
            NativeLoader.EnsureReady();
            string objectJson = ObjectJson.Write(input);
            uint status = NativeMethods.gwb_group_input_json(objectJson, out IntPtr json, out ErrorHandle error);
            Interop.Check(status, error, "gwb_group_input_json");
            string text = Interop.Take(json);
            using (JsonDocument doc = JsonDocument.Parse(text))
            {
                JsonElement root = doc.RootElement;
                var result = new GroupInput
                {
                    IsGroup = GroupReport.Bool(root, "isGroup") ?? false,
                    Complete = GroupReport.Bool(root, "complete") ?? false,
                    Id = GroupReport.Str(root, "id"),
                    Name = GroupReport.Str(root, "name"),
                    Properties = GroupReport.StrArray(root, "properties"),
                };
                if (GroupReport.Obj(root, "group", out JsonElement group))
                {
                    result.GroupJson = group.GetRawText();
                }
                return result;
            }
        }

        /// <summary><see cref="Read"/> without exceptions: Value is a <see cref="GroupInput"/>.</summary>
        public static RuleResult TryRead(object input) => RuleResult.Run(() => Read(input));
    }

    /// <summary>
    /// Writes any .NET or PowerShell object as JSON with its own property
    /// names: dictionaries as objects, sequences as arrays, other objects as
    /// their properties (a PSObject's note and adapted properties), to a
    /// bounded depth and size. It knows no property of any type.
    /// </summary>
    public static class ObjectJson
    {
        /// <summary>Objects nested deeper than this are written as null (a group needs three levels: the object, AdditionalProperties, writebackConfiguration).</summary>
        public const int MaxDepth = 4;

        /// <summary>At most this many items of a sequence are written.</summary>
        public const int MaxItems = 256;

        /// <summary>The JSON of <paramref name="value"/>.</summary>
        public static string Write(object value)
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    WriteValue(writer, value, 0);
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private static void WriteValue(Utf8JsonWriter w, object value, int depth)
        {
            if (value is PSObject pso && !(pso.BaseObject is PSCustomObject))
            {
                object baseObject = pso.BaseObject;
                // Note properties added to a .NET object are kept: write the wrapper when it has any.
                bool hasNotes = false;
                foreach (PSPropertyInfo _ in pso.Properties.Match("*", PSMemberTypes.NoteProperty)) { hasNotes = true; break; }
                if (!hasNotes) value = baseObject;
            }
            switch (value)
            {
                case null:
                case DBNull _:
                    w.WriteNullValue();
                    return;
                case string s:
                    w.WriteStringValue(s);
                    return;
                case char c:
                    w.WriteStringValue(c.ToString());
                    return;
                case bool b:
                    w.WriteBooleanValue(b);
                    return;
                case SwitchParameter sw:
                    w.WriteBooleanValue(sw.IsPresent);
                    return;
                case Enum e:
                    w.WriteStringValue(e.ToString());
                    return;
                case DateTime dt:
                    w.WriteStringValue(dt.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset dto:
                    w.WriteStringValue(dto.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                    return;
                case Guid g:
                    w.WriteStringValue(g.ToString());
                    return;
                case byte _: case sbyte _: case short _: case ushort _: case int _: case uint _: case long _:
                    w.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    return;
                case ulong ul:
                    w.WriteNumberValue(ul);
                    return;
                case float _: case double _:
                    double d = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || double.IsInfinity(d)) w.WriteNullValue(); else w.WriteNumberValue(d);
                    return;
                case decimal m:
                    w.WriteNumberValue(m);
                    return;
                case System.Security.SecureString _:
                case ScriptBlock _:
                    w.WriteNullValue();
                    return;
            }
            if (depth >= MaxDepth)
            {
                w.WriteNullValue();
                return;
            }
            if (value is IDictionary dictionary)
            {
                w.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    w.WritePropertyName(entry.Key?.ToString() ?? string.Empty);
                    WriteValue(w, entry.Value, depth + 1);
                }
                w.WriteEndObject();
                return;
            }
            if (value is IEnumerable sequence && !(value is PSObject))
            {
                w.WriteStartArray();
                int n = 0;
                foreach (object item in sequence)
                {
                    if (n++ == MaxItems) break;
                    WriteValue(w, item, depth + 1);
                }
                w.WriteEndArray();
                return;
            }
            w.WriteStartObject();
            PSObject wrapped = value as PSObject ?? PSObject.AsPSObject(value);
            foreach (PSPropertyInfo property in wrapped.Properties)
            {
                // Script and code properties are computed, not stored: reading
                // one runs code (a Process's CommandLine asks CIM on Windows),
                // and a group's data is never among them.
                if (property is PSScriptProperty || property is PSCodeProperty) continue;
                object v;
                try
                {
                    v = property.Value;
                }
                catch (Exception)
                {
                    // A getter that throws (a process that exited, say) is left out.
                    continue;
                }
                w.WritePropertyName(property.Name);
                WriteValue(w, v, depth + 1);
            }
            w.WriteEndObject();
        }
    }
}
