#!/usr/bin/env bash
# Runs Debian's cargo (rustc 1.63, which has the Windows standard library
# here) in the mirror of the workspace that scripts/setup-windows.sh
# prepares, target/windows/ws: x86_64-pc-windows-gnu, Debian's packaged
# crates with mio, rustls-native-certs and reqwest given their Windows
# dependencies back, its own Cargo.lock, target dir target/windows/cargo.
# The Linux build (rustup's cargo, target/{debug,release}, Cargo.lock) is
# not touched, so both can run at once.
#   scripts/windows/cargo.sh build --release --workspace
# On Windows, or with crates.io, none of this is needed: cargo build --release.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ws="$root/target/windows/ws"
[ -f "$ws/.cargo/config.toml" ] \
  || { echo "windows: $ws is not prepared: run scripts/setup.sh (make setup)" >&2; exit 1; }
for tool in /usr/bin/cargo /usr/bin/rustc x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null 2>&1 \
    || { echo "windows: $tool is missing: run scripts/setup.sh (it installs Debian's rustc, cargo, libstd-rust-dev-windows and gcc-mingw-w64-x86-64)" >&2; exit 1; }
done
# /usr/bin first, so that build scripts and cbindgen's cargo metadata use
# the same (Debian's) toolchain, not rustup's.
export PATH="/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
unset CARGO_TARGET_DIR RUSTFLAGS
cd "$ws"
exec /usr/bin/cargo "$@"
