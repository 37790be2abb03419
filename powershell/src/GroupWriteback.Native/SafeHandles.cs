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
}
