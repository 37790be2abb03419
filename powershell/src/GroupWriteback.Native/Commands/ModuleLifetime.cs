using System.IO;
using System.Management.Automation;
using GroupWriteback.Native;

namespace GroupWriteback.Commands
{
    /// <summary>
    /// Import and removal of the module: at import the native library is found
    /// for this platform (runtimes/&lt;rid&gt;/native/ in the module's folder, or
    /// GROUPWRITEBACK_NATIVE_PATH) and its ABI version checked, so a module
    /// that cannot work fails to import with a message that says what to do;
    /// at removal the session's connection is freed.
    /// </summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>
        /// The module's folder: the parent of the bin/ folder this assembly is
        /// in (bin/net6.0/ or bin/net472/, one build for each edition).
        /// </summary>
        internal static string ModuleBase
        {
            get
            {
                string folder = Path.GetDirectoryName(typeof(ModuleLifetime).Assembly.Location);
                string parent = Path.GetDirectoryName(folder);
                if (parent != null && string.Equals(Path.GetFileName(parent), "bin", System.StringComparison.OrdinalIgnoreCase))
                {
                    return Path.GetDirectoryName(parent);
                }
                return parent;
            }
        }

        public void OnImport()
        {
            NativeLoader.Initialize(ModuleBase);
        }

        public void OnRemove(PSModuleInfo module)
        {
            Connection.Replace(null);
        }
    }
}
