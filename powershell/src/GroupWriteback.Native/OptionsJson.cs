using System;
using System.Collections;
using System.IO;
using System.Text;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>
    /// Writes the option objects the commands pass to the library (a
    /// dictionary of strings, booleans, numbers, nulls, lists and nested
    /// dictionaries) as JSON. ConvertTo-Json would do, but its first call in
    /// a session costs a few hundred milliseconds, which Connect-GroupWriteback
    /// would otherwise pay on every start.
    /// </summary>
    public static class OptionsJson
    {
        /// <summary>The value as JSON text. Throws <see cref="ArgumentException"/> for a value of another type.</summary>
        public static string Write(object value)
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    WriteValue(writer, value, 0);
                }
                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
        }

        private static void WriteValue(Utf8JsonWriter writer, object value, int depth)
        {
            if (depth > 16) throw new ArgumentException("The options nest too deeply (more than 16 levels).");
            value = Unwrap(value);
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string s:
                    writer.WriteStringValue(s);
                    return;
                case char c:
                    writer.WriteStringValue(c.ToString());
                    return;
                case bool b:
                    writer.WriteBooleanValue(b);
                    return;
                case byte or sbyte or short or ushort or int or uint or long:
                    writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    return;
                case ulong u:
                    writer.WriteNumberValue(u);
                    return;
                case float or double or decimal:
                    double d = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("An option is not a finite number.");
                    writer.WriteNumberValue(d);
                    return;
                case Uri uri:
                    writer.WriteStringValue(uri.ToString());
                    return;
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry e in map)
                    {
                        writer.WritePropertyName(Convert.ToString(Unwrap(e.Key), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                        WriteValue(writer, e.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable list:
                    writer.WriteStartArray();
                    foreach (object item in list) WriteValue(writer, item, depth + 1);
                    writer.WriteEndArray();
                    return;
                default:
                    throw new ArgumentException($"An option of type {value.GetType().FullName} cannot be written as JSON.");
            }
        }

        /// <summary>A PowerShell PSObject's base object (found by name: this assembly does not reference PowerShell).</summary>
        private static object Unwrap(object value)
        {
            while (value != null && value.GetType().FullName == "System.Management.Automation.PSObject")
            {
                object inner = value.GetType().GetProperty("BaseObject")?.GetValue(value);
                if (ReferenceEquals(inner, value)) break;
                value = inner;
            }
            return value;
        }
    }
}
