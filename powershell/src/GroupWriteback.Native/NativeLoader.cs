using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace GroupWriteback.Native
{
    /// <summary>
    /// Finds the native library for the running platform, loads it by its
    /// full path and maps the DllImports of this assembly to it, then checks
    /// its ABI version. The module calls <see cref="Initialize"/> at import.
    /// </summary>
    public static class NativeLoader
    {
        /// <summary>The ABI version the declarations in this assembly follow.</summary>
        public const uint ExpectedAbiVersion = 2;

        /// <summary>The environment variable that overrides the library's location.</summary>
        public const string PathVariable = "GROUPWRITEBACK_NATIVE_PATH";

        private static readonly object Gate = new object();
        private static IntPtr _handle = IntPtr.Zero;
#if !NETFRAMEWORK
        private static bool _resolverSet;
#endif

        /// <summary>The full path of the loaded library, or null before a load.</summary>
        public static string LoadedPath { get; private set; }

        /// <summary>The loaded library's ABI version (0 before a load).</summary>
        public static uint LoadedAbiVersion { get; private set; }

        /// <summary>The loaded library's version, e.g. "0.1.0" (null before a load).</summary>
        public static string LoadedVersion { get; private set; }

        /// <summary>True once a library with the expected ABI version is loaded.</summary>
        public static bool IsReady { get; private set; }

        /// <summary>The NuGet runtime identifier of this process, e.g. "linux-x64".</summary>
        public static string RuntimeIdentifier
        {
            get
            {
                string os;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) os = "win";
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) os = "osx";
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) os = "linux";
                else os = RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant();
                string arch = RuntimeInformation.ProcessArchitecture switch
                {
                    Architecture.X64 => "x64",
                    Architecture.X86 => "x86",
                    Architecture.Arm64 => "arm64",
                    Architecture.Arm => "arm",
                    var other => other.ToString().ToLowerInvariant(),
                };
                return os + "-" + arch;
            }
        }

        /// <summary>The library's file name on this platform.</summary>
        public static string LibraryFileName
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return "group_writeback.dll";
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return "libgroup_writeback.dylib";
                return "libgroup_writeback.so";
            }
        }

        /// <summary>
        /// Where the library is expected: the override when one is given (a
        /// file, or a folder holding <see cref="LibraryFileName"/>), else
        /// <c>&lt;moduleBase&gt;/runtimes/&lt;rid&gt;/native/&lt;file&gt;</c>.
        /// </summary>
        public static string ResolveLibraryPath(string moduleBase, string overridePath)
        {
            if (!string.IsNullOrWhiteSpace(overridePath))
            {
                string full = Path.GetFullPath(overridePath);
                return Directory.Exists(full) ? Path.Combine(full, LibraryFileName) : full;
            }
            if (string.IsNullOrEmpty(moduleBase))
            {
                throw new ArgumentException("The module's folder is needed to find the native library.", nameof(moduleBase));
            }
            return Path.Combine(moduleBase, "runtimes", RuntimeIdentifier, "native", LibraryFileName);
        }

        /// <summary>
        /// The message that refuses a library of another ABI version, or null
        /// when <paramref name="actual"/> is the expected one.
        /// </summary>
        public static string GetAbiMismatchMessage(uint expected, uint actual, string path)
        {
            if (expected == actual) return null;
            return string.Format(
                "The native library '{0}' has ABI version {1}, but this GroupWriteback module was built for ABI version {2}. " +
                "The module and its native library must come from the same build: rebuild the module (make module) or reinstall it, " +
                "and if {3} is set, point it at a library from that build or clear it.",
                path, actual, expected, PathVariable);
        }

        /// <summary>
        /// Loads the library for this platform (once per process), maps this
        /// assembly's DllImports to it and checks its ABI version. Throws
        /// <see cref="DllNotFoundException"/> or <see cref="InvalidOperationException"/>
        /// with a message that says what to do.
        /// </summary>
        public static void Initialize(string moduleBase)
        {
            string overridePath = Environment.GetEnvironmentVariable(PathVariable);
            string path = ResolveLibraryPath(moduleBase, overridePath);
            lock (Gate)
            {
                if (_handle != IntPtr.Zero)
                {
                    if (!string.Equals(path, LoadedPath, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException(string.Format(
                            "The native library is already loaded in this session from '{0}'; it cannot be replaced by '{1}'. Start a new PowerShell session to use another library.",
                            LoadedPath, path));
                    }
                    CheckAbi();
                    return;
                }

                if (!File.Exists(path))
                {
                    string where = string.IsNullOrWhiteSpace(overridePath)
                        ? string.Format("The module looks for it under runtimes/{0}/native/ in its folder. Build the module (make module) or reinstall it, or set {1} to the library's path.", RuntimeIdentifier, PathVariable)
                        : string.Format("It was named by {0}: set it to an existing file or folder, or clear it to use the module's own copy.", PathVariable);
                    throw new DllNotFoundException(string.Format(
                        "The GroupWriteback native library was not found at '{0}' (platform {1}). {2}",
                        path, RuntimeIdentifier, where));
                }

                IntPtr handle;
                try
                {
                    handle = LoadByPath(path);
                }
                catch (Exception e) when (e is DllNotFoundException || e is BadImageFormatException)
                {
                    throw new DllNotFoundException(string.Format(
                        "The GroupWriteback native library at '{0}' could not be loaded on {1}: {2} Check that it was built for this platform, or rebuild the module (make module).",
                        path, RuntimeIdentifier, e.Message), e);
                }

#if !NETFRAMEWORK
                if (!_resolverSet)
                {
                    NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, Resolve);
                    _resolverSet = true;
                }
#endif
                _handle = handle;
                LoadedPath = path;
                CheckAbi();
            }
        }

        private static void CheckAbi()
        {
            uint actual;
            try
            {
                actual = NativeMethods.gwb_abi_version();
            }
            catch (EntryPointNotFoundException e)
            {
                IsReady = false;
                throw new InvalidOperationException(string.Format(
                    "'{0}' is not a GroupWriteback native library (it has no gwb_abi_version). Rebuild the module (make module) or reinstall it.",
                    LoadedPath), e);
            }
#if NETFRAMEWORK
            catch (DllNotFoundException e)
            {
                // Loaded by path, but the DllImports did not find it by name.
                IsReady = false;
                throw new InvalidOperationException(string.Format(
                    "The native library '{0}' was loaded, but the module's calls could not bind to it by the name '{1}' ({2}). On Linux the library must name itself {3} (its soname): rebuild the module (make module).",
                    LoadedPath, NativeMethods.LibraryName, e.Message, LibraryFileName), e);
            }
#endif
            LoadedAbiVersion = actual;
            string mismatch = GetAbiMismatchMessage(ExpectedAbiVersion, actual, LoadedPath);
            if (mismatch != null)
            {
                IsReady = false;
                throw new InvalidOperationException(mismatch);
            }
            LoadedVersion = Interop.Borrowed(NativeMethods.gwb_version());
            IsReady = true;
        }

#if NETFRAMEWORK
        // .NET Framework (Windows PowerShell 5.1) has no NativeLibrary and no
        // DllImport resolver. The library is loaded here by its full path,
        // and the DllImport("group_writeback") declarations then bind to that
        // already loaded module, because the platform's loader matches a bare
        // name against the modules already in the process:
        // - Windows: the CLR calls LoadLibraryEx("group_writeback.dll"); for a
        //   name without a path the loader returns a module of the same name
        //   already loaded, wherever it came from (Dynamic-Link Library Search
        //   Order, "a DLL with the same module name is already loaded"). So
        //   no copy of the library may sit next to this assembly: the CLR
        //   tries the assembly's folder by full path first, and would load it.
        // - Mono (Linux, tests only): Mono dlopens "libgroup_writeback.so";
        //   glibc returns an object already loaded whose DT_SONAME is that
        //   name (the Rust build sets it), without searching the disk.
        private const uint LoadWithAlteredSearchPath = 0x00000008;
        private const int RtldNow = 2;
        private const int RtldGlobal = 0x100;

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
        private static extern IntPtr LoadLibraryExW(string fileName, IntPtr file, uint flags);

        [DllImport("libdl.so.2", EntryPoint = "dlopen")]
        private static extern IntPtr DlOpen(string fileName, int flags);

        [DllImport("libdl.so.2", EntryPoint = "dlerror")]
        private static extern IntPtr DlError();

        private static IntPtr LoadByPath(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // LOAD_WITH_ALTERED_SEARCH_PATH: the library's own imports are
                // looked for in its folder first, as NativeLibrary.Load does.
                IntPtr h = LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath);
                if (h == IntPtr.Zero)
                {
                    int code = Marshal.GetLastWin32Error();
                    string message = new System.ComponentModel.Win32Exception(code).Message;
                    // ERROR_BAD_EXE_FORMAT: a library of another architecture.
                    if (code == 193) throw new BadImageFormatException(message + " (error " + code + ")", path);
                    throw new DllNotFoundException(message + " (error " + code + ")");
                }
                return h;
            }
            IntPtr handle = DlOpen(path, RtldNow | RtldGlobal);
            if (handle == IntPtr.Zero)
            {
                throw new DllNotFoundException(Marshal.PtrToStringAnsi(DlError()) ?? "dlopen failed.");
            }
            return handle;
        }
#else
        private static IntPtr LoadByPath(string path) => NativeLibrary.Load(path);

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            return libraryName == NativeMethods.LibraryName ? _handle : IntPtr.Zero;
        }
#endif

        internal static void EnsureReady()
        {
            if (!IsReady)
            {
                throw new InvalidOperationException(
                    "The GroupWriteback native library is not loaded: import the module again (Import-Module GroupWriteback -Force) and read its error.");
            }
        }
    }
}
