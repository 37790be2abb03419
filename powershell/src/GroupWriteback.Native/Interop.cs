using System;
using System.Runtime.InteropServices;
using System.Text;

namespace GroupWriteback.Native
{
    /// <summary>The status numbers of the C ABI (gwb_status).</summary>
    public enum GwbStatus : uint
    {
        Ok = 0,
        NullParameter = 1,
        InvalidUtf8 = 2,
        InvalidJson = 3,
        InvalidArgument = 4,
        Panic = 5,
        NotFound = 6,
        Auth = 7,
        Forbidden = 8,
        Throttled = 9,
        Graph = 10,
        Network = 11,
        Cancelled = 12,
        UntrustedUrl = 13,
        Refused = 14,
        Pending = 15,
        InvalidResponse = 16,
    }

    /// <summary>A failed native call: its status and the library's message.</summary>
    public sealed class GwbException : Exception
    {
        public GwbException(GwbStatus status, string statusName, string message, string graphCode, string requestId)
            : base(message)
        {
            Status = status;
            StatusName = statusName;
            GraphCode = graphCode;
            RequestId = requestId;
        }

        /// <summary>An error of one group in a bulk change, with the HTTP status Graph answered.</summary>
        public GwbException(GwbStatus status, string statusName, string message, string graphCode, string requestId, int? httpStatus)
            : this(status, statusName, message, graphCode, requestId)
        {
            HttpStatus = httpStatus;
        }

        /// <summary>The HTTP status Graph answered, when known.</summary>
        public int? HttpStatus { get; }

        /// <summary>The gwb_status of the call.</summary>
        public GwbStatus Status { get; }

        /// <summary>The status's stable name, e.g. "invalidJson".</summary>
        public string StatusName { get; }

        /// <summary>Microsoft Graph's error code, when the error came from Graph.</summary>
        public string GraphCode { get; }

        /// <summary>Graph's request id, when the error came from Graph.</summary>
        public string RequestId { get; }
    }

    /// <summary>String and error plumbing shared by every wrapper.</summary>
    internal static class Interop
    {
        /// <summary>Decodes a borrowed or static UTF-8 string; never frees it.</summary>
        internal static string Borrowed(IntPtr s)
        {
            return s == IntPtr.Zero ? null : PtrToStringUtf8(s);
        }

        /// <summary>Decodes a string the caller owns, then frees it with gwb_string_free.</summary>
        internal static string Take(IntPtr s)
        {
            if (s == IntPtr.Zero) return null;
            try
            {
                return PtrToStringUtf8(s);
            }
            finally
            {
                NativeMethods.gwb_string_free(s);
            }
        }

#if NETFRAMEWORK
        /// <summary>A NUL-terminated UTF-8 string (.NET Framework has no Marshal.PtrToStringUTF8).</summary>
        private static unsafe string PtrToStringUtf8(IntPtr s)
        {
            byte* p = (byte*)s;
            int length = 0;
            while (p[length] != 0) length++;
            return length == 0 ? string.Empty : Encoding.UTF8.GetString(p, length);
        }
#else
        private static string PtrToStringUtf8(IntPtr s) => Marshal.PtrToStringUTF8(s);
#endif

        /// <summary>
        /// Throws for a status other than OK, reading (and releasing) the
        /// error object the library wrote.
        /// </summary>
        internal static void Check(uint status, ErrorHandle error, string what)
        {
            using (error)
            {
                if (status == (uint)GwbStatus.Ok) return;
                string statusName = Borrowed(NativeMethods.gwb_status_name(status)) ?? status.ToString();
                string message = null, graphCode = null, requestId = null;
                int? http = null;
                if (error != null && !error.IsInvalid)
                {
                    message = Borrowed(NativeMethods.gwb_error_message(error));
                    graphCode = Borrowed(NativeMethods.gwb_error_graph_code(error));
                    requestId = Borrowed(NativeMethods.gwb_error_request_id(error));
                    uint h = NativeMethods.gwb_error_http_status(error);
                    if (h != 0) http = (int)h;
                }
                if (string.IsNullOrEmpty(message))
                {
                    message = string.Format("{0} failed with status {1}.", what, statusName);
                }
                // A status this assembly does not name (a newer library) keeps its number and its name.
                throw new GwbException((GwbStatus)status, statusName, message, graphCode, requestId, http);
            }
        }
    }
}
