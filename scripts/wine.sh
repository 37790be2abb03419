#!/usr/bin/env bash
# Runs a Windows program under wine in the project's own prefix
# (target/windows/wine), creating the prefix on first use. Every Windows
# suite goes through this script so that they share one prefix and one set
# of settings:
#   WINEDEBUG=-all                    wine's own diagnostics off
#   DOTNET_EnableWriteXorExecute=0    .NET 10 does not start under wine 8 without it
#   GWB_WINE_PREFIX                   another prefix, if set
# Usage: scripts/wine.sh PROGRAM.exe [ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export WINEPREFIX="${GWB_WINE_PREFIX:-$root/target/windows/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
export DOTNET_EnableWriteXorExecute=0
# No window system here: keep wine from looking for one.
unset DISPLAY WAYLAND_DISPLAY
command -v wine >/dev/null 2>&1 || { echo "wine.sh: wine is not installed (scripts/setup.sh installs it)" >&2; exit 127; }
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  # Two suites may start at once: one of them creates the prefix.
  exec 9>"$WINEPREFIX.lock"
  flock 9
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    wine wineboot --init >/dev/null 2>&1 || { echo "wine.sh: wineboot --init failed in $WINEPREFIX" >&2; exit 1; }
    wineserver -w || true
  fi
  flock -u 9
fi
# wine links the user's Documents, Desktop, Downloads, ... to the Linux HOME:
# a test that writes there (a CurrentUser module install, say) would write
# into the real home. Plain folders inside the prefix instead.
for link in "$WINEPREFIX"/drive_c/users/*/*; do
  if [ -L "$link" ]; then rm -f "$link" && mkdir -p "$link"; fi
done
exec wine "$@"
