# group-writeback: `make demo` and `make test` are the two commands a user
# needs; each installs what it needs first (scripts/setup.sh).

SHELL := /bin/bash
CARGO ?= cargo
export PATH := $(PATH):$(HOME)/.dotnet/tools
LIB_DEBUG := target/debug/libgroup_writeback.so
LIB_RELEASE := target/release/libgroup_writeback.so
CFLAGS_TEST := -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -fno-omit-frame-pointer -Iinclude

.PHONY: all setup build release header demo test test-rust test-c test-c-coverage test-c-valgrind test-header clean

all: build

setup:
	@./scripts/setup.sh

# setup, plus the Windows cross-build's toolchain and wine (the Windows targets).
.PHONY: setup-windows
setup-windows:
	@GWB_SETUP_WINDOWS=1 ./scripts/setup.sh

build: setup
	$(CARGO) build --workspace

release: setup
	$(CARGO) build --release --workspace

# Regenerate the committed C header from src/ffi.rs.
header: setup
	GWB_WRITE_HEADER=1 $(CARGO) build

# Offline: the rules on the bundled sample. Then the docs' workflow in
# PowerShell against a seeded simulated tenant (powershell/demo/Invoke-Demo.ps1).
demo: module
	$(CARGO) run --release --quiet --example explain -- samples/groups.json
	$(CARGO) build --release --quiet -p graph-sim
	$(PWSH) -NoProfile -NonInteractive -File powershell/demo/Invoke-Demo.ps1

# Every suite, its output kept under target/test-logs/ and scanned for test
# secrets, with one summary line at the end (scripts/test.sh).
TEST_SUITES := test-rust test-header test-c test-c-valgrind test-pwsh test-net472 \
  test-sdk test-windows-dll test-windows-rust test-windows-c test-windows-pwsh test-package
test: setup
	./scripts/test.sh $(TEST_SUITES)

test-rust: build
	$(CARGO) test --workspace --no-fail-fast

# The ABI property/fuzz harness, longer than the brief run in make test.
FUZZ_CASES ?= 100000
fuzz: setup
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release --test abi_fuzz --test roundtrip_props

# The header compiles alone as C11 and as C++ with every warning an error.
test-header: build
	@mkdir -p tests/c/build
	printf '#include "group_writeback.h"\nint main(void){return gwb_abi_version()==GWB_ABI_VERSION?0:1;}\n' > tests/c/build/header_only.c
	$(CC) -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -c tests/c/build/header_only.c -o tests/c/build/header_only_c.o
	$(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic -Iinclude -x c++ -c tests/c/build/header_only.c -o tests/c/build/header_only_cpp.o
	awk '/^```c$$/{f=1;next} /^```$$/{f=0} f' README.md > tests/c/build/readme_example.c
	$(CC) -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude tests/c/build/readme_example.c -o tests/c/build/readme_example \
	  -Ltarget/debug -lgroup_writeback -Wl,-rpath,$(CURDIR)/target/debug
	tests/c/build/readme_example | grep -q 'PATCH body: {"writebackConfiguration":{"isEnabled":false}}'
	@bad=$$(nm -D --defined-only $(LIB_DEBUG) | awk '{print $$3}' | grep -v '^gwb_' || true); \
	  if [ -n "$$bad" ]; then echo "symbols without the gwb_ prefix are exported: $$bad"; exit 1; fi; \
	  echo "exported symbols: all gwb_-prefixed ($$(nm -D --defined-only $(LIB_DEBUG) | wc -l))"
	@missing=""; for f in $$(grep -o 'gwb_[a-z0-9_]*(' include/group_writeback.h | tr -d '(' | sort -u); do \
	  base=$${f%_free}; grep -q "$$f\|$$base" README.md || missing="$$missing $$f"; done; \
	  if [ -n "$$missing" ]; then echo "C functions the README does not document:$$missing"; exit 1; fi; \
	  echo "README documents every C function of the header"

# The C client, against the cdylib, under AddressSanitizer and UBSan. It
# reads Microsoft's documented bodies from FIXTURES. After the run, every
# gwb_ function the header declares must be called somewhere under tests/c.
# test_client drives the Graph client (gwb_client_*, gwb_cursor_*,
# gwb_bulk_*) against the simulated tenant: it starts GRAPH_SIM (built by
# `cargo build --workspace`) once per scenario and stops it afterwards.
FIXTURES ?= $(CURDIR)/tests/fixtures
GRAPH_SIM ?= $(CURDIR)/target/debug/graph-sim
C_TEST_SRC := tests/c/test_abi.c
C_CLIENT_TEST_SRC := tests/c/test_client.c
C_TEST_FLAGS = $(CFLAGS_TEST) -DGWB_FIXTURES_DIR='"$(FIXTURES)"'
C_CLIENT_TEST_FLAGS = $(CFLAGS_TEST) -DGWB_GRAPH_SIM='"$(GRAPH_SIM)"' -DGWB_SIM_TESTDATA='"$(CURDIR)/tests/graph-sim/testdata"'
C_TEST_LIBS := -Ltarget/debug -lgroup_writeback -Wl,-rpath,$(CURDIR)/target/debug -lpthread
define C_TEST_COVERAGE
missing=$$(for f in $$(grep -o 'gwb_[a-z_]*(' include/group_writeback.h | tr -d '(' | sort -u); do \
  grep -q "$$f(" tests/c/*.c || echo "$$f"; done); \
  if [ -n "$$missing" ]; then echo "entry points the C tests never call:" $$missing; exit 1; fi
endef

test-c-coverage:
	@$(C_TEST_COVERAGE)

test-c: build
	@mkdir -p tests/c/build
	$(CC) $(C_TEST_FLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined $(C_TEST_SRC) \
	  -o tests/c/build/test_abi $(C_TEST_LIBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/c/build/test_abi "$(FIXTURES)"
	@test -x $(GRAPH_SIM) || { echo "$(GRAPH_SIM) is missing: cargo build --workspace builds it"; exit 1; }
	$(CC) $(C_CLIENT_TEST_FLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined $(C_CLIENT_TEST_SRC) \
	  -o tests/c/build/test_client $(C_TEST_LIBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/c/build/test_client "$(GRAPH_SIM)"
	@$(C_TEST_COVERAGE)

# The same clients without sanitizers, under valgrind's memcheck. The Graph
# client test runs with --quick there: every scenario and path, on smaller
# tenants and fewer changes (1,500 groups listed instead of 20,000, 100 bulk
# changes instead of 300), since memcheck slows the library down ~30x.
VALGRIND = valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
  --num-callers=40 --suppressions=tests/c/valgrind.supp
test-c-valgrind: build
	@mkdir -p tests/c/build
	$(CC) $(C_TEST_FLAGS) $(C_TEST_SRC) -o tests/c/build/test_abi_valgrind $(C_TEST_LIBS)
	$(VALGRIND) tests/c/build/test_abi_valgrind "$(FIXTURES)"
	@test -x $(GRAPH_SIM) || { echo "$(GRAPH_SIM) is missing: cargo build --workspace builds it"; exit 1; }
	$(CC) $(C_CLIENT_TEST_FLAGS) $(C_CLIENT_TEST_SRC) -o tests/c/build/test_client_valgrind $(C_TEST_LIBS)
	$(VALGRIND) tests/c/build/test_client_valgrind --quick "$(GRAPH_SIM)"
	@$(C_TEST_COVERAGE)

clean:
	$(CARGO) clean
	rm -rf tests/c/build

# ---------------------------------------------------------------- PowerShell
# `make module` lays out powershell/GroupWriteback as a user imports it:
# bin/net6.0/GroupWriteback.Native.dll (the module's cmdlets and its interop,
# for PowerShell 7) and bin/net472/ (the same for Windows PowerShell 5.1, with
# System.Text.Json and its dependencies), the
# release build of the native library under runtimes/<rid>/native/, and the
# cmdlets' help, en-US/GroupWriteback.Native.dll-Help.xml, built from
# powershell/help/*.md (all three git-ignored). PowerShell 7 finds the help at
# the module root; a copy goes to bin/net472/en-US/ too, the assembly's own
# folder, in case Windows PowerShell 5.1 looks only there for a nested
# module's cmdlets (to be checked on Windows, then one copy dropped).
DOTNET ?= dotnet
PWSH ?= pwsh
MODULE_DIR := powershell/GroupWriteback
NATIVE_PROJECT := powershell/src/GroupWriteback.Native/GroupWriteback.Native.csproj
MODULE_OS := $(shell uname -s | sed -e 's/^Linux$$/linux/' -e 's/^Darwin$$/osx/')
MODULE_ARCH := $(shell uname -m | sed -e 's/^x86_64$$/x64/' -e 's/^amd64$$/x64/' -e 's/^aarch64$$/arm64/')
MODULE_RID := $(MODULE_OS)-$(MODULE_ARCH)
MODULE_NATIVE := $(if $(filter osx,$(MODULE_OS)),libgroup_writeback.dylib,libgroup_writeback.so)

.PHONY: module test-pwsh test-net472

module: release
	DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
	  $(DOTNET) build $(NATIVE_PROJECT) -c Release -nologo -v quiet
	rm -rf $(MODULE_DIR)/bin
	mkdir -p $(MODULE_DIR)/bin/net6.0 $(MODULE_DIR)/bin/net472 $(MODULE_DIR)/runtimes/$(MODULE_RID)/native
	cp powershell/src/GroupWriteback.Native/bin/Release/net6.0/GroupWriteback.Native.dll $(MODULE_DIR)/bin/net6.0/
	cp powershell/src/GroupWriteback.Native/bin/Release/net472/*.dll $(MODULE_DIR)/bin/net472/
	# A new file renamed into place: a pwsh that has the old one loaded keeps it intact.
	cp target/release/$(MODULE_NATIVE) $(MODULE_DIR)/runtimes/$(MODULE_RID)/native/.$(MODULE_NATIVE).new
	mv -f $(MODULE_DIR)/runtimes/$(MODULE_RID)/native/.$(MODULE_NATIVE).new $(MODULE_DIR)/runtimes/$(MODULE_RID)/native/$(MODULE_NATIVE)
	$(PWSH) -NoProfile -NonInteractive -File powershell/tools/Build-Help.ps1 -HelpPath powershell/help \
	  -ModulePath $(MODULE_DIR) -OutFile $(MODULE_DIR)/en-US/GroupWriteback.Native.dll-Help.xml
	mkdir -p $(MODULE_DIR)/bin/net472/en-US
	cp $(MODULE_DIR)/en-US/GroupWriteback.Native.dll-Help.xml $(MODULE_DIR)/bin/net472/en-US/
	@echo "module: Import-Module ./$(MODULE_DIR) ($(MODULE_RID))"

# The net472 build (Windows PowerShell 5.1's) under Mono: library-level calls
# against the native library and graph-sim (tests/net472/README.md).
test-net472: module
	$(CARGO) build --release --quiet -p graph-sim
	tests/net472/run-mono.sh

# The module's Pester tests, against the module laid out by `make module`.
test-pwsh: module
	$(CARGO) build --release --quiet -p graph-sim
	$(PWSH) -NoProfile -NonInteractive -File tests/powershell/Invoke-Tests.ps1

# The tests that involve time, throttling, timeouts, cancellation or
# concurrency, RUNS times in a row (not part of make test); LOAD=loaded keeps
# every core busy meanwhile (stress-ng --cpu, or busy loops); SUITES="..."
# picks some. Prints how many runs of each suite passed (scripts/test-timing.sh).
RUNS ?= 20
LOAD ?= quiet
.PHONY: test-timing
test-timing: setup
	SUITES="$(SUITES)" ./scripts/test-timing.sh $(RUNS) $(LOAD)

# The simulated Graph tenant (tests/graph-sim) and its own tests.
.PHONY: test-sim
test-sim: setup
	$(CARGO) test -p graph-sim

# Microsoft's Graph .NET SDK (Microsoft.Graph) and Azure.Identity against
# graph-sim over https: the SDK's own PageIterator, PATCH, $batch,
# ODataError and RetryHandler, and sign-in with a secret and a certificate
# (tests/sdk-conformance/Program.cs; its packages come from NuGet).
.PHONY: test-sdk
SDK_TEST_PROJECT := tests/sdk-conformance/SdkConformance.csproj
test-sdk: setup
	$(CARGO) build --quiet -p graph-sim
	DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
	  $(DOTNET) build $(SDK_TEST_PROJECT) -c Release -nologo -v quiet
	DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
	  $(DOTNET) tests/sdk-conformance/bin/Release/net10.0/SdkConformance.dll $(GRAPH_SIM)

# ---------------------------------------------------------------- Benchmarks
# `make bench` (not part of `make test`): builds the release library, the
# module, graph-sim and the contenders, then runs bench/run.py, which takes
# under 10 minutes on 2 cores and writes bench/results/latest.{json,md,svg}
# plus a dated copy of the JSON. The Microsoft Graph .NET SDK contender is
# reported as not available when its NuGet packages do not restore.
.PHONY: bench
BENCH_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -Iinclude
BENCH_ARGS ?=
bench: module
	$(CARGO) build --release -p graph-sim
	@mkdir -p bench/build
	for p in w1_list w2_bulk; do \
	  $(CC) $(BENCH_CFLAGS) bench/c/$$p.c -o bench/build/$$p -Ltarget/release -lgroup_writeback \
	    -Wl,-rpath,$(CURDIR)/target/release || exit 1; done
	DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 $(DOTNET) build bench/dotnet/GraphSdkList -c Release -nologo -v quiet \
	  -p:NoWarn=NU1603 || { echo "bench: the Microsoft.Graph SDK contender did not build"; \
	  rm -rf bench/dotnet/GraphSdkList/bin; }
	python3 bench/run.py $(BENCH_ARGS)

# ---------------------------------------------------------------- Windows: C tests
# `make test-windows-c`: the C test programs of `make test-c` (the same
# sources, tests/c/portable.h holding what differs), built with mingw-w64
# against the Windows DLL of `make windows` (its import library by path; the
# C runtime and winpthreads linked statically, so no mingw DLL is needed) and
# run under wine (scripts/wine.sh) with group_writeback.dll copied next to
# them. test_abi reads the fixtures; test_client starts graph-sim.exe once per
# scenario. Paths reach the programs in Windows form (winepath -w; compiled-in
# paths with forward slashes, which Windows accepts). Both programs run even
# when the first fails, each ending with its `N passed, M failed` line.
# WIN_C_CLIENT_ARGS=--quick runs test_client on smaller tenants.
.PHONY: test-windows-c
WIN_CC ?= x86_64-w64-mingw32-gcc
WIN_BIN := target/windows/bin
WIN_C_BUILD := tests/c/build/windows
WIN_C_FLAGS := -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -Iinclude
WIN_C_LIBS := $(WIN_BIN)/libgroup_writeback.dll.a -static -lpthread -lws2_32
WIN_C_CLIENT_ARGS ?=
test-windows-c: windows
	@for f in group_writeback.dll libgroup_writeback.dll.a graph-sim.exe; do \
	  test -s $(WIN_BIN)/$$f || { echo "$(WIN_BIN)/$$f is missing or empty: make windows builds it"; exit 1; }; done
	@mkdir -p $(WIN_C_BUILD)
	cp $(WIN_BIN)/group_writeback.dll $(WIN_C_BUILD)/
	@set -e; winpath() { scripts/wine.sh winepath -w "$$1" | tr -d '\r'; }; \
	  fixtures=$$(winpath "$(FIXTURES)"); sim=$$(winpath "$(CURDIR)/$(WIN_BIN)/graph-sim.exe"); \
	  testdata=$$(winpath "$(CURDIR)/tests/graph-sim/testdata"); \
	  slashed() { echo "$$1" | tr '\\' /; }; fx=$$(slashed "$$fixtures"); sx=$$(slashed "$$sim"); tx=$$(slashed "$$testdata"); \
	  set -x; \
	  $(WIN_CC) $(WIN_C_FLAGS) -DGWB_FIXTURES_DIR="\"$$fx\"" $(C_TEST_SRC) -o $(WIN_C_BUILD)/test_abi.exe $(WIN_C_LIBS); \
	  $(WIN_CC) $(WIN_C_FLAGS) -DGWB_GRAPH_SIM="\"$$sx\"" -DGWB_SIM_TESTDATA="\"$$tx\"" \
	    $(C_CLIENT_TEST_SRC) -o $(WIN_C_BUILD)/test_client.exe $(WIN_C_LIBS); \
	  set +e; rc=0; \
	  scripts/wine.sh $(WIN_C_BUILD)/test_abi.exe "$$fixtures" || rc=1; \
	  scripts/wine.sh $(WIN_C_BUILD)/test_client.exe $(WIN_C_CLIENT_ARGS) "$$sim" || rc=1; \
	  exit $$rc
	@$(C_TEST_COVERAGE)

# ---------------------------------------------------------------- Windows: PowerShell 7
# `make pwsh-windows`: PowerShell 7 for Windows, to run under wine: a small
# console host (tests/windows/PwshHost, on Microsoft.PowerShell.SDK, since
# pwsh.exe's own entry point does not run under wine) published
# self-contained for win-x64 into target/windows/pwsh/, with the SDK's
# built-in modules in its Modules folder (PSHOME's) and the rest of pwsh's
# Windows modules (PSResourceGet, Archive, ThreadJob, ...) from the PowerShell
# .NET tool that setup installs. `PwshHost.exe -File script.ps1 [args...]` or
# `-Command "text"`, run through scripts/wine.sh. Published again only when
# its sources change.
# `make module-windows`: the module laid out as on Windows, in
# target/windows/module/GroupWriteback: what `make module` puts in
# powershell/GroupWriteback, with runtimes/win-x64/native/group_writeback.dll
# (from `make windows`) in place of the Linux library.
# `make test-windows-pwsh`: the Pester suite (tests/powershell) in that host
# under wine, against that module and target/windows/bin/graph-sim.exe; the
# library with another ABI version that NativeLoading.Tests.ps1 loads is
# built here from tests/powershell/abi99.c with mingw-w64.
.PHONY: pwsh-windows module-windows test-windows-pwsh
WIN_PWSH_DIR := target/windows/pwsh
WIN_PWSH_HOST := $(WIN_PWSH_DIR)/PwshHost.exe
WIN_PWSH_PROJECT := tests/windows/PwshHost/PwshHost.csproj
WIN_PWSH_SRC := $(wildcard tests/windows/PwshHost/*.cs tests/windows/PwshHost/*.csproj tests/windows/PwshHost/*.props)
WIN_PWSH_TOOL_MODULES ?= $(firstword $(wildcard $(HOME)/.dotnet/tools/.store/powershell/*/powershell/*/tools/net*/any/win/Modules))
WIN_PWSH_BIN := target/windows/bin
WIN_PWSH_CC ?= x86_64-w64-mingw32-gcc
WIN_MODULE_DIR := target/windows/module/GroupWriteback
WIN_ABI99 := target/windows/abi99/group_writeback.dll

pwsh-windows: setup-windows $(WIN_PWSH_HOST)

$(WIN_PWSH_HOST): $(WIN_PWSH_SRC)
	rm -rf $(WIN_PWSH_DIR).new
	DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
	  $(DOTNET) publish $(WIN_PWSH_PROJECT) -c Release -r win-x64 --self-contained -nologo -v quiet -o $(WIN_PWSH_DIR).new
	@if [ -d "$(WIN_PWSH_TOOL_MODULES)" ]; then \
	  for m in "$(WIN_PWSH_TOOL_MODULES)"/*; do \
	    test -e "$(WIN_PWSH_DIR).new/Modules/$$(basename "$$m")" || cp -r "$$m" $(WIN_PWSH_DIR).new/Modules/; done; \
	else echo "pwsh-windows: PowerShell's .NET tool was not found: the SDK's modules only (no PSResourceGet)"; fi
	rm -rf $(WIN_PWSH_DIR)
	mv $(WIN_PWSH_DIR).new $(WIN_PWSH_DIR)
	@set -o pipefail; start=$$(date +%s%N); \
	  out=$$(scripts/wine.sh $(WIN_PWSH_HOST) -NoProfile -Command '"PowerShell $$($$PSVersionTable.PSVersion) $$($$PSVersionTable.OS)"; Get-Module -ListAvailable Microsoft.PowerShell.Utility, Microsoft.PowerShell.PSResourceGet | ForEach-Object Name' 2>/dev/null | tr -d '\r') || \
	  { echo "pwsh-windows: $(WIN_PWSH_HOST) did not run under wine: $$out"; exit 1; }; \
	  case "$$out" in *Microsoft.PowerShell.Utility*) ;; *) echo "pwsh-windows: PSHOME's modules were not found: $$out"; exit 1;; esac; \
	  echo "pwsh-windows: $$(echo "$$out" | tr '\n' ' ')under wine, started and ran in $$(( ($$(date +%s%N) - start) / 1000000 )) ms"
	touch $@

module-windows: module windows
	@test -f $(WIN_PWSH_BIN)/group_writeback.dll || { echo "$(WIN_PWSH_BIN)/group_writeback.dll is missing: make windows builds it"; exit 1; }
	rm -rf $(WIN_MODULE_DIR)
	mkdir -p $(WIN_MODULE_DIR)/runtimes/win-x64/native
	find $(MODULE_DIR) -mindepth 1 -maxdepth 1 ! -name runtimes -exec cp -r {} $(WIN_MODULE_DIR)/ \;
	cp $(WIN_PWSH_BIN)/group_writeback.dll $(WIN_MODULE_DIR)/runtimes/win-x64/native/
	@echo "module-windows: $(WIN_MODULE_DIR) (win-x64)"

test-windows-pwsh: pwsh-windows module-windows
	@test -f $(WIN_PWSH_BIN)/graph-sim.exe || { echo "$(WIN_PWSH_BIN)/graph-sim.exe is missing: make windows builds it"; exit 1; }
	@mkdir -p $(dir $(WIN_ABI99))
	$(WIN_PWSH_CC) -std=c11 -Wall -Wextra -Werror -shared -o $(WIN_ABI99) tests/powershell/abi99.c
	GWB_TEST_MODULE_DIR=$(WIN_MODULE_DIR) GWB_TEST_ABI99_LIBRARY=$(CURDIR)/$(WIN_ABI99) \
	  scripts/wine.sh $(WIN_PWSH_HOST) -NoProfile -NonInteractive -File tests/powershell/Invoke-Tests.ps1

# ---------------------------------------------------------------- Windows: the build
# `make windows`: the library for win-x64 (x86_64-pc-windows-gnu), built on
# this Linux machine with Debian's rustc 1.63 and mingw-w64 from Debian's
# packaged crates, in the mirror of the workspace that scripts/setup.sh
# prepares (scripts/setup-windows.sh says why and how; on Windows itself a
# plain `cargo build --release` does). It has its own Cargo.lock and target
# directory (target/windows/cargo), so it runs beside the Linux build. Puts
# in target/windows/bin: group_writeback.dll (stripped), its import library
# libgroup_writeback.dll.a, and graph-sim.exe; a file is copied again only
# when cargo rebuilt it (scripts/windows/build.sh).
# `make test-windows-dll`: the DLL's exports (exactly the header's gwb_
# functions, as the Linux library's) and imports (only Windows' own DLLs)
# from its PE headers (scripts/windows/test-dll.sh).
# `make test-windows-rust`: the Rust tests of the crate and of graph-sim,
# built for Windows and run under wine (scripts/windows/test-rust.sh).
.PHONY: windows test-windows-dll test-windows-rust

windows: setup-windows
	scripts/windows/build.sh

test-windows-dll: windows build
	scripts/windows/test-dll.sh

test-windows-rust: windows
	scripts/windows/test-rust.sh

# ---------------------------------------------------------------- Package (PowerShell Gallery)
# `make package`: the module's package for the PowerShell Gallery,
# target/package/GroupWriteback.<ModuleVersion>.nupkg, made by
# powershell/tools/Build-Package.ps1 with PSResourceGet's Publish-PSResource
# (to a folder repository registered in a throwaway profile): the module as
# `make module` lays it out, the native library of each runtime in
# PACKAGE_RUNTIMES under runtimes/<rid>/native/ (linux-x64 from
# target/release, win-x64 from `make windows`), LICENSE, and a packaged
# manifest completed with one PSCommand_<name> tag per exported command, the
# added files in FileList and this version's CHANGELOG.md section as release
# notes. PACKAGE_RUNTIMES=linux-x64 makes a Linux-only package without the
# Windows build.
# `make test-package`: tests/package/run.sh: installs that package from a
# folder repository with Install-PSResource into a throwaway profile, imports
# it by name in a fresh PowerShell and uses it (tests/package/Test-Package.ps1),
# in pwsh on Linux and in PowerShell 7 for Windows under wine (`make
# pwsh-windows`; in a wine prefix of its own, target/windows/wine-package).
.PHONY: package test-package
PACKAGE_DIR := target/package
PACKAGE_RUNTIMES ?= linux-x64 win-x64
PACKAGE_NATIVE_linux-x64 := $(LIB_RELEASE)
PACKAGE_NATIVE_win-x64 := target/windows/bin/group_writeback.dll
PACKAGE_COMMA := ,
PACKAGE_SPACE := $(subst ,, )

package: module $(if $(filter win-x64,$(PACKAGE_RUNTIMES)),windows)
	$(PWSH) -NoProfile -NonInteractive -File powershell/tools/Build-Package.ps1 -ModulePath $(MODULE_DIR) -OutputPath $(PACKAGE_DIR) \
	  -Native $(subst $(PACKAGE_SPACE),$(PACKAGE_COMMA),$(strip $(foreach r,$(PACKAGE_RUNTIMES),$(r)=$(PACKAGE_NATIVE_$(r)))))

test-package: package $(if $(filter win-x64,$(PACKAGE_RUNTIMES)),pwsh-windows)
	PWSH="$(PWSH)" WIN_PWSH_HOST="$(WIN_PWSH_HOST)" PACKAGE_RUNTIMES="$(PACKAGE_RUNTIMES)" tests/package/run.sh
