using System;
using System.Text.Json;

namespace GroupWriteback.Native
{
    /// <summary>
    /// The answer of a Try method of <see cref="Rules"/>: a value, or the
    /// exception that explains why there is none. The Try methods never throw,
    /// so a bad item leaves nothing in PowerShell's $Error or -ErrorVariable
    /// beyond the error record the command writes for it.
    /// </summary>
    public sealed class RuleResult
    {
        private RuleResult(object value, Exception error)
        {
            Value = value;
            Error = error;
        }

        public bool Success => Error == null;
        public object Value { get; }
        public Exception Error { get; }

        internal static RuleResult Run(Func<object> action)
        {
            try
            {
                return new RuleResult(action(), null);
            }
            catch (GwbException e)
            {
                return new RuleResult(null, e);
            }
            catch (JsonException e)
            {
                return new RuleResult(null, e);
            }
            catch (InvalidOperationException e)
            {
                return new RuleResult(null, e);
            }
            catch (ArgumentException e)
            {
                return new RuleResult(null, e);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                return new RuleResult(null, e);
            }
            catch (System.IO.IOException e)
            {
                return new RuleResult(null, e);
            }
        }
    }
}
