using System;
using System.Runtime.InteropServices;

namespace GroupWriteback.Native
{
    /// <summary>
    /// The gwb_ C ABI (include/group_writeback.h, ABI version 1), declared
    /// once. Ownership, as the header states it:
    /// <list type="bullet">
    /// <item>"char **" outputs are the caller's: they arrive as IntPtr and are
    /// decoded, then released with gwb_string_free in a finally block
    /// (never marshalled as a string return, which would free them with the
    /// wrong allocator).</item>
    /// <item>"const char *" results are borrowed (from a handle or static):
    /// decoded as IntPtr, never freed.</item>
    /// <item>Handles are SafeHandles whose release calls the matching _free.</item>
    /// <item>Strings in are marshalled as UTF-8; C bool is one byte.</item>
    /// </list>
    /// </summary>
    internal static class NativeMethods
    {
        /// <summary>The name the DllImport resolver maps to the library's full path.</summary>
        internal const string LibraryName = "group_writeback";

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_version();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_abi_version();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_string_free(IntPtr s);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_status_name(uint status);

        // ------------------------------------------------------------ errors

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_error_status(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_error_message(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_error_graph_code(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_error_request_id(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_error_http_status(ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_error_free(IntPtr error);

        // ------------------------------------------------------------ groups

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_group_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string json,
            out GroupHandle group,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_group_free(IntPtr group);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_explain_keys_json();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_cloud_name(uint n);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_environment_variables_json();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_group_input_json(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string objectJson,
            out IntPtr json,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_group_explain_json(
            GroupHandle group,
            out IntPtr json,
            out ErrorHandle error);

        // ------------------------------------------------------------ changes

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_validate_state(
            GroupHandle group,
            uint state,
            out ChangeHandle change,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_validate_request(
            GroupHandle group,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string requestJson,
            out ChangeHandle change,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_change_outcome(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_change_body(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_change_refusal(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_change_message(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool gwb_change_makes_explicit(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_change_summary(ChangeHandle change);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_change_to_json(
            ChangeHandle change,
            out IntPtr json,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_change_free(IntPtr change);

        // ------------------------------------------------------------ names

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_state_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            out uint state,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_state_name(uint state);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_onprem_type_name(uint onpremType);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_state_display_name(uint state);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gwb_refusal_name(uint refusal);
            // ------------------------------------------------------------ client

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_new(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string optionsJson,
            IntPtr secret,
            out ClientHandle client,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_client_free(IntPtr client);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_context_json(ClientHandle client, out IntPtr json, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_sign_in(ClientHandle client, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_device_code_begin(ClientHandle client, out IntPtr promptJson, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_device_code_wait(ClientHandle client, uint timeoutMs, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_client_cancel(ClientHandle client);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_progress(ClientHandle client, out GwbProgress progress, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_get_group(
            ClientHandle client,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string groupId,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string optionsJson,
            out IntPtr json,
            out ErrorHandle error);

        // ------------------------------------------------------------ listing

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_list_groups(
            ClientHandle client,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string optionsJson,
            out CursorHandle cursor,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_cursor_next(CursorHandle cursor, out IntPtr pageJson, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_cursor_cancel(CursorHandle cursor);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_cursor_progress(CursorHandle cursor, out GwbProgress progress, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_cursor_free(IntPtr cursor);

        // ------------------------------------------------------------ bulk changes

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_bulk_set(
            ClientHandle client,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string changesJson,
            out BulkHandle bulk,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_client_bulk_check(
            ClientHandle client,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string changesJson,
            out BulkHandle bulk,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_bulk_poll(
            BulkHandle bulk,
            uint timeoutMs,
            out IntPtr resultsJson,
            [MarshalAs(UnmanagedType.U1)] out bool done,
            out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_bulk_cancel(BulkHandle bulk);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint gwb_bulk_progress(BulkHandle bulk, out GwbProgress progress, out ErrorHandle error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void gwb_bulk_free(IntPtr bulk);
    }

    /// <summary>gwb_progress: counters of work done.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GwbProgress
    {
        public ulong Total;
        public ulong Requests;
        public ulong PagesRead;
        public ulong GroupsRead;
        public ulong Written;
        public ulong NoChange;
        public ulong Refused;
        public ulong Failed;
        public ulong Cancelled;
        public ulong Retries;
        public ulong Throttled;
        public ulong ThrottleWaitMs;
        public ulong PacingWaitMs;
        public ulong WouldWrite;
    }
}
