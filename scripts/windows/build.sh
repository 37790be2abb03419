#!/usr/bin/env bash
# make windows: builds the workspace for x86_64-pc-windows-gnu (release)
# with scripts/windows/cargo.sh, then puts into target/windows/bin:
#   group_writeback.dll        the library, stripped
#   libgroup_writeback.dll.a   its import library (for mingw-w64's linker)
#   graph-sim.exe              the simulated tenant, stripped
# A file is replaced only when cargo rebuilt it, through a temporary file in
# the same folder, so a reader never sees half of one. Two builds started at
# once (several suites depend on this target) take turns.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=target/windows/cargo/x86_64-pc-windows-gnu/release
bin=target/windows/bin
mkdir -p "$bin"
exec 9>target/windows/.build.lock
flock 9

scripts/windows/cargo.sh build --release --workspace --target x86_64-pc-windows-gnu

put() { # put strip|copy SOURCE DEST
  local how=$1 src=$2 dest=$3 tmp
  [ -s "$src" ] || { echo "windows: $src is missing or empty after the build" >&2; exit 1; }
  if [ -s "$dest" ] && [ ! "$src" -nt "$dest" ]; then return 0; fi
  tmp=$(mktemp "$dest.XXXXXX")
  if [ "$how" = strip ]; then
    x86_64-w64-mingw32-strip -o "$tmp" "$src"
  else
    cp "$src" "$tmp"
  fi
  [ -s "$tmp" ] || { rm -f "$tmp"; echo "windows: could not write $dest" >&2; exit 1; }
  chmod 0755 "$tmp"
  touch -r "$src" "$tmp"
  mv -f "$tmp" "$dest"
  echo "windows: $dest ($(stat -c %s "$dest") bytes)"
}
put strip "$out/group_writeback.dll" "$bin/group_writeback.dll"
put copy "$out/libgroup_writeback.dll.a" "$bin/libgroup_writeback.dll.a"
put strip "$out/graph-sim.exe" "$bin/graph-sim.exe"
