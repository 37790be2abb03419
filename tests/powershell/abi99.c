/* A native library that says it has ABI version 99: NativeLoading.Tests.ps1
 * loads it in place of the module's to see the import refused. Built by the
 * test with the system C compiler on Linux and macOS, and for Windows by
 * `make test-windows-pwsh` with mingw-w64 (GWB_TEST_ABI99_LIBRARY). */
#include <stdint.h>
uint32_t gwb_abi_version(void) { return 99; }
const char *gwb_version(void) { return "99.0.0"; }
