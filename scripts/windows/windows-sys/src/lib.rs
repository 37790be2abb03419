//! The Win32 items mio 0.8.4 uses, under windows-sys 0.36's module paths.
//!
//! Types, constants and layouts follow the Windows SDK headers (minwindef.h,
//! winnt.h, winerror.h, ntstatus.h, minwinbase.h, winsock2.h, ws2def.h,
//! ws2ipdef.h, in6addr.h, inaddr.h, mswsock.h, winternl.h, namedpipeapi.h,
//! ioapiset.h, fileapi.h, winbase.h) as windows-sys 0.36 maps them to Rust:
//! HANDLE is an isize, SOCKET a usize, BOOL an i32, NTSTATUS an i32, and a
//! Win32 error code a u32. Functions link from kernel32, ws2_32 and ntdll
//! (mingw-w64's import libraries).
//!
//! Only what mio needs is here; unions list the members mio touches and keep
//! the size and alignment of the SDK's.
#![no_std]
#![allow(non_snake_case, non_camel_case_types, clippy::upper_case_acronyms)]

pub mod Win32 {
    pub mod Foundation {
        pub type BOOL = i32;
        pub type HANDLE = isize;
        pub type NTSTATUS = i32;
        pub type WIN32_ERROR = u32;
        pub type PWSTR = *mut u16;

        /// https://learn.microsoft.com/en-us/windows/win32/api/handleapi/nf-handleapi-closehandle
        pub const INVALID_HANDLE_VALUE: HANDLE = -1;

        // winerror.h
        pub const ERROR_INVALID_HANDLE: WIN32_ERROR = 6;
        pub const ERROR_BROKEN_PIPE: WIN32_ERROR = 109;
        pub const ERROR_NO_DATA: WIN32_ERROR = 232;
        pub const WAIT_TIMEOUT: WIN32_ERROR = 258;
        pub const ERROR_PIPE_CONNECTED: WIN32_ERROR = 535;
        pub const ERROR_PIPE_LISTENING: WIN32_ERROR = 536;
        pub const ERROR_IO_INCOMPLETE: WIN32_ERROR = 996;
        pub const ERROR_IO_PENDING: WIN32_ERROR = 997;

        // ntstatus.h
        pub const STATUS_SUCCESS: NTSTATUS = 0;
        pub const STATUS_PENDING: NTSTATUS = 0x0000_0103;
        pub const STATUS_CANCELLED: NTSTATUS = 0xC000_0120_u32 as i32;
        pub const STATUS_NOT_FOUND: NTSTATUS = 0xC000_0225_u32 as i32;

        /// https://learn.microsoft.com/en-us/windows/win32/api/ntdef/ns-ntdef-_unicode_string
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct UNICODE_STRING {
            pub Length: u16,
            pub MaximumLength: u16,
            pub Buffer: PWSTR,
        }

        #[link(name = "kernel32")]
        extern "system" {
            pub fn CloseHandle(hObject: HANDLE) -> BOOL;
        }

        // https://learn.microsoft.com/en-us/windows/win32/api/winternl/nf-winternl-rtlntstatustodoserror
        #[link(name = "ntdll")]
        extern "system" {
            pub fn RtlNtStatusToDosError(Status: NTSTATUS) -> u32;
        }
    }

    pub mod Security {
        use super::Foundation::BOOL;
        use core::ffi::c_void;

        /// https://learn.microsoft.com/en-us/previous-versions/windows/desktop/legacy/aa379560(v=vs.85)
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct SECURITY_ATTRIBUTES {
            pub nLength: u32,
            pub lpSecurityDescriptor: *mut c_void,
            pub bInheritHandle: BOOL,
        }
    }

    pub mod System {
        pub mod IO {
            use super::super::Foundation::{BOOL, HANDLE};
            use core::ffi::c_void;

            /// https://learn.microsoft.com/en-us/windows/win32/api/minwinbase/ns-minwinbase-overlapped
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OVERLAPPED {
                pub Internal: usize,
                pub InternalHigh: usize,
                pub Anonymous: OVERLAPPED_0,
                pub hEvent: HANDLE,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub union OVERLAPPED_0 {
                pub Anonymous: OVERLAPPED_0_0,
                pub Pointer: *mut c_void,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OVERLAPPED_0_0 {
                pub Offset: u32,
                pub OffsetHigh: u32,
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/minwinbase/ns-minwinbase-overlapped_entry
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OVERLAPPED_ENTRY {
                pub lpCompletionKey: usize,
                pub lpOverlapped: *mut OVERLAPPED,
                pub Internal: usize,
                pub dwNumberOfBytesTransferred: u32,
            }

            #[link(name = "kernel32")]
            extern "system" {
                /// https://learn.microsoft.com/en-us/windows/win32/fileio/createiocompletionport
                pub fn CreateIoCompletionPort(
                    FileHandle: HANDLE,
                    ExistingCompletionPort: HANDLE,
                    CompletionKey: usize,
                    NumberOfConcurrentThreads: u32,
                ) -> HANDLE;
                /// https://learn.microsoft.com/en-us/windows/win32/fileio/getqueuedcompletionstatusex-func
                pub fn GetQueuedCompletionStatusEx(
                    CompletionPort: HANDLE,
                    lpCompletionPortEntries: *mut OVERLAPPED_ENTRY,
                    ulCount: u32,
                    ulNumEntriesRemoved: *mut u32,
                    dwMilliseconds: u32,
                    fAlertable: BOOL,
                ) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/fileio/postqueuedcompletionstatus
                pub fn PostQueuedCompletionStatus(
                    CompletionPort: HANDLE,
                    dwNumberOfBytesTransferred: u32,
                    dwCompletionKey: usize,
                    lpOverlapped: *const OVERLAPPED,
                ) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/fileio/cancelioex-func
                pub fn CancelIoEx(hFile: HANDLE, lpOverlapped: *const OVERLAPPED) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-getoverlappedresult
                pub fn GetOverlappedResult(
                    hFile: HANDLE,
                    lpOverlapped: *const OVERLAPPED,
                    lpNumberOfBytesTransferred: *mut u32,
                    bWait: BOOL,
                ) -> BOOL;
            }
        }

        pub mod Pipes {
            use super::super::Foundation::{BOOL, HANDLE};
            use super::super::Security::SECURITY_ATTRIBUTES;
            use super::IO::OVERLAPPED;

            // winbase.h
            pub const PIPE_TYPE_BYTE: u32 = 0x0000_0000;
            pub const PIPE_UNLIMITED_INSTANCES: u32 = 255;

            #[link(name = "kernel32")]
            extern "system" {
                /// https://learn.microsoft.com/en-us/windows/win32/api/namedpipeapi/nf-namedpipeapi-connectnamedpipe
                pub fn ConnectNamedPipe(hNamedPipe: HANDLE, lpOverlapped: *mut OVERLAPPED) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-createnamedpipew
                pub fn CreateNamedPipeW(
                    lpName: *const u16,
                    dwOpenMode: u32,
                    dwPipeMode: u32,
                    nMaxInstances: u32,
                    nOutBufferSize: u32,
                    nInBufferSize: u32,
                    nDefaultTimeOut: u32,
                    lpSecurityAttributes: *const SECURITY_ATTRIBUTES,
                ) -> HANDLE;
                pub fn DisconnectNamedPipe(hNamedPipe: HANDLE) -> BOOL;
            }
        }

        pub mod WindowsProgramming {
            use super::super::Foundation::{HANDLE, NTSTATUS, UNICODE_STRING};
            use core::ffi::c_void;

            /// https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes
            pub const FILE_SKIP_SET_EVENT_ON_HANDLE: u32 = 0x2;

            /// https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/ns-wdm-_io_status_block
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct IO_STATUS_BLOCK {
                pub Anonymous: IO_STATUS_BLOCK_0,
                pub Information: usize,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub union IO_STATUS_BLOCK_0 {
                pub Status: NTSTATUS,
                pub Pointer: *mut c_void,
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/ntdef/ns-ntdef-_object_attributes
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct OBJECT_ATTRIBUTES {
                pub Length: u32,
                pub RootDirectory: HANDLE,
                pub ObjectName: *mut UNICODE_STRING,
                pub Attributes: u32,
                pub SecurityDescriptor: *mut c_void,
                pub SecurityQualityOfService: *mut c_void,
            }

            pub type PIO_APC_ROUTINE = Option<
                unsafe extern "system" fn(
                    ApcContext: *mut c_void,
                    IoStatusBlock: *mut IO_STATUS_BLOCK,
                    Reserved: u32,
                ),
            >;

            // https://learn.microsoft.com/en-us/windows/win32/api/winternl/nf-winternl-ntdeviceiocontrolfile
            #[link(name = "ntdll")]
            extern "system" {
                pub fn NtDeviceIoControlFile(
                    FileHandle: HANDLE,
                    Event: HANDLE,
                    ApcRoutine: PIO_APC_ROUTINE,
                    ApcContext: *mut c_void,
                    IoStatusBlock: *mut IO_STATUS_BLOCK,
                    IoControlCode: u32,
                    InputBuffer: *mut c_void,
                    InputBufferLength: u32,
                    OutputBuffer: *mut c_void,
                    OutputBufferLength: u32,
                ) -> NTSTATUS;
            }
        }
    }

    pub mod Storage {
        pub mod FileSystem {
            use super::super::Foundation::{BOOL, HANDLE, NTSTATUS};
            use super::super::System::IO::OVERLAPPED;
            use super::super::System::WindowsProgramming::{IO_STATUS_BLOCK, OBJECT_ATTRIBUTES};
            use core::ffi::c_void;

            // winnt.h
            pub const SYNCHRONIZE: u32 = 0x0010_0000;
            pub const FILE_SHARE_READ: u32 = 0x0000_0001;
            pub const FILE_SHARE_WRITE: u32 = 0x0000_0002;
            // winbase.h
            pub const PIPE_ACCESS_DUPLEX: u32 = 0x0000_0003;
            pub const FILE_FLAG_FIRST_PIPE_INSTANCE: u32 = 0x0008_0000;
            pub const FILE_FLAG_OVERLAPPED: u32 = 0x4000_0000;
            /// CreateDisposition of NtCreateFile (winternl.h).
            pub const FILE_OPEN: u32 = 0x0000_0001;

            #[link(name = "kernel32")]
            extern "system" {
                /// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-readfile
                pub fn ReadFile(
                    hFile: HANDLE,
                    lpBuffer: *mut c_void,
                    nNumberOfBytesToRead: u32,
                    lpNumberOfBytesRead: *mut u32,
                    lpOverlapped: *mut OVERLAPPED,
                ) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-writefile
                pub fn WriteFile(
                    hFile: HANDLE,
                    lpBuffer: *const c_void,
                    nNumberOfBytesToWrite: u32,
                    lpNumberOfBytesWritten: *mut u32,
                    lpOverlapped: *mut OVERLAPPED,
                ) -> BOOL;
                /// https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes
                pub fn SetFileCompletionNotificationModes(FileHandle: HANDLE, Flags: u8) -> BOOL;
            }

            // https://learn.microsoft.com/en-us/windows/win32/api/winternl/nf-winternl-ntcreatefile
            #[link(name = "ntdll")]
            extern "system" {
                pub fn NtCreateFile(
                    FileHandle: *mut HANDLE,
                    DesiredAccess: u32,
                    ObjectAttributes: *mut OBJECT_ATTRIBUTES,
                    IoStatusBlock: *mut IO_STATUS_BLOCK,
                    AllocationSize: *mut i64,
                    FileAttributes: u32,
                    ShareAccess: u32,
                    CreateDisposition: u32,
                    CreateOptions: u32,
                    EaBuffer: *mut c_void,
                    EaLength: u32,
                ) -> NTSTATUS;
            }
        }
    }

    pub mod Networking {
        pub mod WinSock {
            use super::super::System::IO::OVERLAPPED;
            use core::ffi::c_void;

            pub type SOCKET = usize;
            /// https://learn.microsoft.com/en-us/windows/win32/winsock/socket-data-type-2
            pub const INVALID_SOCKET: SOCKET = !0;
            pub const SOCKET_ERROR: i32 = -1;

            // ws2def.h
            pub const AF_INET: u32 = 2;
            pub const AF_INET6: u32 = 23;
            pub const SOCK_STREAM: u16 = 1;
            pub const SOCK_DGRAM: u16 = 2;
            pub const IPPROTO_IPV6: i32 = 41;
            // ws2ipdef.h
            pub const IPV6_V6ONLY: i32 = 27;
            /// _IOW('f', 126, u_long) (winsock2.h)
            pub const FIONBIO: i32 = 0x8004_667E_u32 as i32;
            /// _WSAIOR(IOC_WS2, n) (mswsock.h, ws2def.h):
            /// https://learn.microsoft.com/en-us/windows/win32/winsock/winsock-ioctls
            pub const SIO_BSP_HANDLE: u32 = 0x4800_001B;
            pub const SIO_BSP_HANDLE_SELECT: u32 = 0x4800_001C;
            pub const SIO_BSP_HANDLE_POLL: u32 = 0x4800_001D;
            pub const SIO_BASE_HANDLE: u32 = 0x4800_0022;

            /// https://learn.microsoft.com/en-us/windows/win32/api/winsock2/ns-winsock2-in_addr
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct IN_ADDR {
                pub S_un: IN_ADDR_0,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub union IN_ADDR_0 {
                pub S_un_b: IN_ADDR_0_0,
                pub S_un_w: IN_ADDR_0_1,
                pub S_addr: u32,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct IN_ADDR_0_0 {
                pub s_b1: u8,
                pub s_b2: u8,
                pub s_b3: u8,
                pub s_b4: u8,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct IN_ADDR_0_1 {
                pub s_w1: u16,
                pub s_w2: u16,
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/in6addr/ns-in6addr-in6_addr
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct IN6_ADDR {
                pub u: IN6_ADDR_0,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub union IN6_ADDR_0 {
                pub Byte: [u8; 16],
                pub Word: [u16; 8],
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/winsock/ns-winsock-sockaddr
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct SOCKADDR {
                pub sa_family: u16,
                pub sa_data: [u8; 14],
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/ws2def/ns-ws2def-sockaddr_in
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct SOCKADDR_IN {
                pub sin_family: u16,
                pub sin_port: u16,
                pub sin_addr: IN_ADDR,
                pub sin_zero: [u8; 8],
            }

            /// https://learn.microsoft.com/en-us/windows/win32/api/ws2ipdef/ns-ws2ipdef-sockaddr_in6_lh
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct SOCKADDR_IN6 {
                pub sin6_family: u16,
                pub sin6_port: u16,
                pub sin6_flowinfo: u32,
                pub sin6_addr: IN6_ADDR,
                pub Anonymous: SOCKADDR_IN6_0,
            }

            #[repr(C)]
            #[derive(Clone, Copy)]
            pub union SOCKADDR_IN6_0 {
                pub sin6_scope_id: u32,
                pub sin6_scope_struct: SCOPE_ID,
            }

            /// SCOPE_ID (ws2def.h): a 28-bit zone and a 4-bit level packed
            /// in one ULONG; only the whole value is declared here.
            #[repr(C)]
            #[derive(Clone, Copy)]
            pub struct SCOPE_ID {
                pub Value: u32,
            }

            pub type LPWSAOVERLAPPED_COMPLETION_ROUTINE = Option<
                unsafe extern "system" fn(
                    dwError: u32,
                    cbTransferred: u32,
                    lpOverlapped: *mut OVERLAPPED,
                    dwFlags: u32,
                ),
            >;

            #[link(name = "ws2_32")]
            extern "system" {
                pub fn socket(af: i32, r#type: i32, protocol: i32) -> SOCKET;
                pub fn ioctlsocket(s: SOCKET, cmd: i32, argp: *mut u32) -> i32;
                pub fn bind(s: SOCKET, name: *const SOCKADDR, namelen: i32) -> i32;
                pub fn connect(s: SOCKET, name: *const SOCKADDR, namelen: i32) -> i32;
                pub fn listen(s: SOCKET, backlog: i32) -> i32;
                pub fn closesocket(s: SOCKET) -> i32;
                pub fn getsockopt(
                    s: SOCKET,
                    level: i32,
                    optname: i32,
                    optval: *mut u8,
                    optlen: *mut i32,
                ) -> i32;
                pub fn WSAGetLastError() -> i32;
                /// https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaioctl
                pub fn WSAIoctl(
                    s: SOCKET,
                    dwIoControlCode: u32,
                    lpvInBuffer: *const c_void,
                    cbInBuffer: u32,
                    lpvOutBuffer: *mut c_void,
                    cbOutBuffer: u32,
                    lpcbBytesReturned: *mut u32,
                    lpOverlapped: *mut OVERLAPPED,
                    lpCompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
                ) -> i32;
            }

        }
    }
}

/// The layouts above against the sizes the SDK gives them on x64, checked
/// at compile time.
#[cfg(target_pointer_width = "64")]
mod layout {
    use super::Win32::Networking::WinSock::*;
    use super::Win32::System::IO::*;
    use super::Win32::System::WindowsProgramming::*;
    use core::mem::size_of;

    const _: () = assert!(size_of::<OVERLAPPED>() == 32);
    const _: () = assert!(size_of::<OVERLAPPED_ENTRY>() == 32);
    const _: () = assert!(size_of::<IO_STATUS_BLOCK>() == 16);
    const _: () = assert!(size_of::<OBJECT_ATTRIBUTES>() == 48);
    const _: () = assert!(size_of::<SOCKADDR>() == 16);
    const _: () = assert!(size_of::<SOCKADDR_IN>() == 16);
    const _: () = assert!(size_of::<SOCKADDR_IN6>() == 28);
    const _: () = assert!(size_of::<IN6_ADDR>() == 16);
}
