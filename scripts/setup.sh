#!/usr/bin/env bash
# Installs what `make demo` and `make test` need, idempotently.
#
#   - Rust crates: from crates.io when it is reachable (nothing to do);
#     otherwise from Debian's packaged crates, selected by a local,
#     git-ignored .cargo/config.toml. Force one with GWB_CRATE_SOURCE=debian
#     or GWB_CRATE_SOURCE=crates-io.
#   - PowerShell 7 (a .NET global tool) and Pester 5 (into .tools/).
#   - With GWB_SETUP_WINDOWS=1 (make setup-windows): the Windows
#     cross-build's toolchain, wine, and a mirror of the workspace for it
#     under target/windows/ (scripts/setup-windows.sh).
#
# Quiet when everything is in place; on failure it says what is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log="$root/target/setup.log"
mkdir -p "$root/target"

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1
DEBIAN_REGISTRY=/usr/share/cargo/registry
# Debian packages that carry every crate the build needs (with their
# dependencies). Keep in step with Cargo.toml.
DEBIAN_CRATES=(
  librust-serde-dev librust-serde-derive-dev librust-serde-json-dev
  librust-reqwest-dev librust-tokio-dev librust-libc-dev librust-thiserror-dev
  librust-cbindgen-dev librust-proptest-dev librust-hyper-dev
  librust-rustls-dev librust-hyper-rustls-dev librust-tokio-rustls-dev
  librust-rustls-pemfile-dev librust-rustls-native-certs-dev
  librust-url-dev librust-rand-dev librust-base64-dev librust-sha2-dev
  librust-ring-dev librust-zeroize-dev librust-httpdate-dev librust-tokio-util-dev
)

fail() { printf 'setup: %s\n' "$*" >&2; printf 'setup: details in %s\n' "$log" >&2; exit 1; }
step() { printf 'setup: %s\n' "$*"; }

command -v cargo >/dev/null 2>&1 || fail "cargo is not installed: install Rust (https://rustup.rs) and run again."
command -v cc >/dev/null 2>&1 || fail "a C compiler (cc) is needed for the C client tests: install gcc."
if ! command -v valgrind >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "valgrind is needed for the C tests' memory check: install it."
  step "installing valgrind"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >>"$log" 2>&1 \
    || fail "could not install valgrind (apt-get install valgrind failed)"
fi

# Mono runs the net472 build of the module's assembly (what Windows
# PowerShell 5.1 loads) in make test-net472. Not fatal: without it that suite
# says it was skipped, and why.
if ! command -v mono >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  step "installing Mono (mono-complete) for the net472 tests"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mono-complete >>"$log" 2>&1 \
    || step "could not install Mono (apt-get install mono-complete failed): make test-net472 will be skipped"
fi

# ---------------------------------------------------------------- crates
marker="# written by scripts/setup.sh"
cfg="$root/.cargo/config.toml"
use_debian() {
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "crates.io is not reachable and apt-get is not available to install Debian's packaged crates."
  fi
  missing=()
  for p in "${DEBIAN_CRATES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing Debian's packaged crates: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${missing[@]}" >>"$log" 2>&1; then
      apt-get update >>"$log" 2>&1 || true
      apt-get install -y -q "${missing[@]}" >>"$log" 2>&1 \
        || fail "could not install: ${missing[*]} (apt-get install failed)"
    fi
  fi
  if [ ! -f "$cfg" ] || ! grep -q "$marker" "$cfg"; then
    mkdir -p "$root/.cargo"
    cat >"$cfg" <<CFG
$marker: crates.io is not reachable here, so cargo
# uses Debian's packaged crates. Delete this file to use crates.io.
[source.crates-io]
replace-with = "debian-packaged"

[source.debian-packaged]
directory = "$DEBIAN_REGISTRY"

[net]
offline = true
CFG
    rm -f "$root/Cargo.lock"   # a lock from another source would not resolve
    step "cargo now uses Debian's packaged crates ($DEBIAN_REGISTRY)"
  fi
}

case "${GWB_CRATE_SOURCE:-auto}" in
  debian) use_debian ;;
  crates-io)
    if [ -f "$cfg" ] && grep -q "$marker" "$cfg"; then rm -f "$cfg" "$root/Cargo.lock"; fi ;;
  auto)
    if [ -f "$cfg" ] && grep -q "$marker" "$cfg"; then
      use_debian   # already chosen: only make sure the packages are there
    elif CARGO_NET_RETRY=0 timeout 60 cargo fetch --quiet >>"$log" 2>&1; then
      :            # crates.io works: plain cargo
    else
      step "crates.io is not reachable: using Debian's packaged crates"
      use_debian
    fi ;;
  *) fail "GWB_CRATE_SOURCE must be auto, debian or crates-io" ;;
esac

# ---------------------------------------------------------------- pwsh
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null 2>&1; then
  command -v dotnet >/dev/null 2>&1 || fail "PowerShell 7 is missing and the .NET SDK (dotnet) is not there to install it."
  step "installing PowerShell $PWSH_VERSION (dotnet global tool)"
  dotnet tool install --global PowerShell --version "$PWSH_VERSION" >>"$log" 2>&1 \
    || fail "could not install PowerShell $PWSH_VERSION with 'dotnet tool install --global PowerShell'"
fi

# ---------------------------------------------------------------- Pester
tools="$root/.tools"
pester=$(ls "$tools"/packages/pester/"$PESTER_VERSION"/tools/Pester.psd1 2>/dev/null || true)
if [ -z "$pester" ]; then
  command -v dotnet >/dev/null 2>&1 || fail "Pester $PESTER_VERSION is missing and dotnet is not there to restore it."
  step "restoring Pester $PESTER_VERSION into .tools/"
  mkdir -p "$tools/restore"
  cat >"$tools/restore/pester.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
PROJ
  dotnet restore "$tools/restore/pester.csproj" --packages "$tools/packages" >>"$log" 2>&1 \
    || fail "could not restore the NuGet package Pester $PESTER_VERSION"
  pester=$(ls "$tools"/packages/pester/"$PESTER_VERSION"/tools/Pester.psd1 2>/dev/null) \
    || fail "Pester $PESTER_VERSION restored but Pester.psd1 was not found in it"
fi

# ---------------------------------------------------------------- Windows
# The win-x64 cross-build (make windows) and its tests under wine, from
# Debian's toolchain and packaged crates (scripts/setup-windows.sh). Where
# there is no dpkg, make windows says what it misses. Only for the targets
# that need it (make setup-windows sets GWB_SETUP_WINDOWS=1): make demo and
# a Linux build do not install wine.
if [ "${GWB_SETUP_WINDOWS:-0}" = 1 ] && command -v dpkg-query >/dev/null 2>&1; then
  # shellcheck source=scripts/setup-windows.sh
  . "$root/scripts/setup-windows.sh"
  setup_windows
fi
exit 0
