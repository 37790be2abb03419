using System;
using Microsoft.Win32.SafeHandles;

namespace GroupWriteback.Native
{
    /// <summary>A gwb_group, released with gwb_group_free.</summary>
    internal sealed class GroupHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public GroupHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_group_free(handle);
            return true;
        }
    }

    /// <summary>A gwb_change, released with gwb_change_free.</summary>
    internal sealed class ChangeHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ChangeHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_change_free(handle);
            return true;
        }
    }

    /// <summary>A gwb_error, released with gwb_error_free.</summary>
    internal sealed class ErrorHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ErrorHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_error_free(handle);
            return true;
        }
    }

    /// <summary>
    /// A gwb_client, released with gwb_client_free. Calls in progress on
    /// other threads hold a reference, so the release waits for them.
    /// </summary>
    internal sealed class ClientHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ClientHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_client_free(handle);
            return true;
        }
    }

    /// <summary>A gwb_cursor, released with gwb_cursor_free (which stops the listing).</summary>
    internal sealed class CursorHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public CursorHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_cursor_free(handle);
            return true;
        }
    }

    /// <summary>A gwb_bulk, released with gwb_bulk_free (which cancels what was not sent).</summary>
    internal sealed class BulkHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public BulkHandle() : base(true) { }

        protected override bool ReleaseHandle()
        {
            NativeMethods.gwb_bulk_free(handle);
            return true;
        }
    }
}
