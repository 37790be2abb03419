# shellcheck shell=bash
# The Windows (win-x64) cross-build's part of scripts/setup.sh, which sources
# this file after the Linux part (it uses setup.sh's $root, $log, step, fail
# and DEBIAN_CRATES). Quiet when everything is in place.
#
# Why it looks like this: rustup cannot fetch the Windows standard library
# offline, and Debian's packaged crates had their Windows dependencies
# removed. So `make windows` builds with Debian's own toolchain (rustc 1.63,
# cargo, libstd-rust-dev-windows, mingw-w64), from Debian's packaged crates,
# with three of them given their Windows dependency back:
#   mio 0.8.4                   windows-sys (not packaged: a stand-in crate with
#                               only what mio uses, scripts/windows/windows-sys)
#   rustls-native-certs 0.6.2   schannel (the Windows certificate store)
#   reqwest 0.11.13             winreg (the system proxy from the registry)
# This is the way to cross-build without crates.io. On Windows itself, or
# anywhere crates.io is reachable, none of it is needed: `cargo build
# --release` with the ordinary Cargo.toml fetches the real crates.
#
# All of it is written under target/windows/ (git-ignored):
#   crates/   the three patched copies
#   ws/       a mirror of the workspace (symbolic links to Cargo.toml, src,
#             tests, ...) with its own Cargo.lock and .cargo/config.toml:
#             Debian's registry, the [patch.crates-io] entries, the target
#             and the linker. Building there leaves the workspace's
#             Cargo.lock and target/{debug,release} alone, so the Linux build
#             and the Windows one can run at the same time.
#   cargo/    the Windows build's target directory.

WIN_TARGET=x86_64-pc-windows-gnu
# Debian packages of the Windows cross-build and of its tests (wine runs them).
WIN_PACKAGES=(
  rustc cargo libstd-rust-dev libstd-rust-dev-windows
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  wine wine64
  librust-schannel-dev librust-winreg-dev librust-winapi-dev
  librust-winapi-x86-64-pc-windows-gnu-dev librust-lazy-static-dev
)

windows_packages() {
  local missing=() p
  for p in "${WIN_PACKAGES[@]}" "${DEBIAN_CRATES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 \
    || fail "the Windows cross-build needs these Debian packages, and apt-get is not available: ${missing[*]}"
  step "installing the Windows cross-build's packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${missing[@]}" >>"$log" 2>&1; then
    apt-get update >>"$log" 2>&1 || true
    apt-get install -y -q "${missing[@]}" >>"$log" 2>&1 \
      || fail "could not install the Windows cross-build's packages: ${missing[*]} (apt-get install failed)"
  fi
}

# The one packaged version of a crate in Debian's registry, e.g. mio-0.8.4.
registry_crate() {
  local found
  found=$(cd "$DEBIAN_REGISTRY" && ls -d "$1"-"$2".* 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] || fail "Debian's registry ($DEBIAN_REGISTRY) has no $1 $2.x (package librust-$1-dev)"
  printf '%s\n' "$found"
}

# Copies a crate out of Debian's registry and gives it back a dependency.
# $1 crate dir name, $2 perl program run on its Cargo.toml (-0 mode), $3 what
# is appended to it.
patched_crate() {
  local name=$1 edit=$2 append=$3 dest="$win_crates/$1"
  rm -rf "$dest.tmp"
  cp -R "$DEBIAN_REGISTRY/$name" "$dest.tmp"
  chmod -R u+w "$dest.tmp"
  rm -f "$dest.tmp/.cargo-checksum.json"
  if [ -n "$edit" ]; then perl -0pi -e "$edit" "$dest.tmp/Cargo.toml"; fi
  printf '\n# Put back for the Windows cross-build by scripts/setup-windows.sh\n%s\n' "$append" >>"$dest.tmp/Cargo.toml"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

windows_workspace() {
  local win="$root/target/windows" mio rnc reqwest stamp want
  win_crates="$win/crates"
  mio=$(registry_crate mio 0.8)
  rnc=$(registry_crate rustls-native-certs 0.6)
  reqwest=$(registry_crate reqwest 0.11)
  [ -d "$root/scripts/windows/windows-sys" ] || fail "scripts/windows/windows-sys is missing"
  # Redo everything when this script or a packaged crate changes.
  want="$(sha256sum "$root/scripts/setup-windows.sh" | cut -d' ' -f1) $mio $rnc $reqwest $root"
  stamp="$win/ws/.setup-stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi

  mkdir -p "$win_crates" "$win/ws/.cargo"
  # mio: Debian's patch remove-non-linux-deps.diff took out windows-sys (and
  # its features in os-ext); put back what upstream's Cargo.toml has.
  patched_crate "$mio" \
    's/os-ext = \[\n    "os-poll",\n\]/os-ext = [\n    "os-poll",\n    "windows-sys\/Win32_System_Pipes",\n    "windows-sys\/Win32_Security",\n]/' \
    '[target."cfg(windows)".dependencies.windows-sys]
version = "0.36"
features = [
    "Win32_Storage_FileSystem",
    "Win32_Foundation",
    "Win32_Networking_WinSock",
    "Win32_System_IO",
    "Win32_System_WindowsProgramming",
]'
  grep -q 'windows-sys/Win32_System_Pipes' "$win_crates/$mio/Cargo.toml" \
    || fail "could not restore mio's os-ext feature in $win_crates/$mio/Cargo.toml (Debian's mio changed?)"
  # rustls-native-certs: reads the Windows certificate store with schannel
  # (corporate TLS inspection roots live there).
  patched_crate "$rnc" '' "[target.'cfg(windows)'.dependencies]
schannel = \"0.1.15\""
  # reqwest: the system proxy from the registry. Upstream asks for winreg
  # 0.10; Debian packages 0.6, which has the three calls reqwest makes
  # (RegKey::predef, open_subkey, get_value).
  patched_crate "$reqwest" '' '[target."cfg(windows)".dependencies.winreg]
version = "0.6"'

  # The mirror of the workspace: links to everything cargo reads.
  local f
  for f in Cargo.toml build.rs cbindgen.toml README.md src tests examples include; do
    ln -sfn "../../../$f" "$win/ws/$f"
  done
  cat >"$win/ws/.cargo/config.toml" <<CFG
# written by scripts/setup-windows.sh: the Windows cross-build from Debian's
# packaged crates, without crates.io. Regenerated by scripts/setup.sh.
[source.crates-io]
replace-with = "debian-packaged"

[source.debian-packaged]
directory = "$DEBIAN_REGISTRY"

[net]
offline = true

[build]
target = "$WIN_TARGET"
target-dir = "$win/cargo"

[target.$WIN_TARGET]
linker = "x86_64-w64-mingw32-gcc"
ar = "x86_64-w64-mingw32-ar"

[env]
# Debian's winapi ships no import libraries of its own: link mingw-w64's.
WINAPI_NO_BUNDLED_LIBRARIES = "1"

[patch.crates-io]
windows-sys = { path = "$root/scripts/windows/windows-sys" }
mio = { path = "$win_crates/$mio" }
rustls-native-certs = { path = "$win_crates/$rnc" }
reqwest = { path = "$win_crates/$reqwest" }
CFG
  rm -f "$win/ws/Cargo.lock"   # resolve again against the new copies
  printf '%s\n' "$want" >"$stamp"
  step "Windows cross-build prepared in target/windows/ws ($mio, $rnc, $reqwest patched)"
}

setup_windows() {
  windows_packages
  # One setup at a time writes target/windows/ (make runs in parallel).
  mkdir -p "$root/target/windows"
  (
    flock 8
    windows_workspace
  ) 8>"$root/target/windows/.setup.lock"
}
