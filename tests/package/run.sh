#!/usr/bin/env bash
# `make test-package`: tests/package/Test-Package.ps1, the same script, in
# pwsh on Linux and in PowerShell 7 for Windows under wine
# (target/windows/pwsh/PwshHost.exe, `make pwsh-windows`), against the
# package of `make package`. Ends with one `N passed, M failed` line for both
# hosts (a host that reports no counts is one failure).
#
# Under wine the test installs into the Windows user's own profile: Windows
# resolves Documents\PowerShell\Modules and %LOCALAPPDATA%\PSResourceGet from
# the profile, not from variables a process could set, so there is no
# temporary HOME to give it. It therefore runs in a wine prefix of its own
# (target/windows/wine-package, created on first use by scripts/wine.sh),
# never in the prefix the other Windows suites share. Before each run, the
# user folders that wine links to the Linux HOME (Documents, Desktop, ...)
# become plain folders inside the prefix, so nothing reaches $HOME, and
# PowerShell's and PSResourceGet's folders are cleared; the test itself
# checks that the profile is fresh and removes what it created.
#
# Environment: PWSH (default pwsh), WIN_PWSH_HOST, PACKAGE_RUNTIMES (default
# "linux-x64 win-x64": the runtimes the package must carry),
# GWB_PACKAGE_WINE_PREFIX (default target/windows/wine-package),
# PACKAGE_TEST_TIMEOUT (seconds per host, default 900: a host that hangs is
# stopped and counted as a failure; under wine, every process of the test's
# own prefix is then ended with wineserver -k).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
pwsh=${PWSH:-pwsh}
command -v "$pwsh" >/dev/null 2>&1 || pwsh=$HOME/.dotnet/tools/pwsh
win_host=${WIN_PWSH_HOST:-target/windows/pwsh/PwshHost.exe}
runtimes=$(echo ${PACKAGE_RUNTIMES:-linux-x64 win-x64} | tr ' ' ,)
script=tests/package/Test-Package.ps1

passed=0
failed=0

# Runs one host; adds its counts from its "package test (...): N passed, M failed" line.
run_host() {
  local label=$1
  shift
  local log start rc line
  log=$(mktemp)
  start=$(date +%s)
  timeout --kill-after=10 "${PACKAGE_TEST_TIMEOUT:-900}" "$@" 2>&1 | tr -d '\r' | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && echo "FAIL $label: no result after ${PACKAGE_TEST_TIMEOUT:-900} s, stopped"
  line=$(grep -E '^package test \(.*\): [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  rm -f "$log"
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')))
  else
    echo "FAIL $label: the test reported no counts (exit code $rc)"
    failed=$((failed + 1))
  fi
  echo "$label: $(($(date +%s) - start)) s"
}

# The package test's own wine prefix, with its user folders inside it.
prepare_prefix() {
  local prefix=$1 user
  # Creates the prefix on first use, and applies any pending prefix update
  # of wine (which could link the folders again) before they are replaced.
  GWB_WINE_PREFIX=$prefix scripts/wine.sh cmd.exe /c exit 0 >/dev/null 2>&1 || {
    echo "wine did not start in $prefix"
    return 1
  }
  find "$prefix/drive_c/users" -type l -print0 | while IFS= read -r -d '' link; do
    rm -f "$link" && mkdir -p "$link"
  done
  for user in "$prefix"/drive_c/users/*/; do
    rm -rf "$user"Documents/PowerShell "$user"AppData/Local/PSResourceGet
  done
  if [ -n "$(find "$prefix/drive_c/users" -type l -print -quit)" ]; then
    echo "$prefix/drive_c/users still holds links out of the prefix: $(find "$prefix/drive_c/users" -type l | tr '\n' ' ')"
    return 1
  fi
}

run_host "pwsh on Linux" "$pwsh" -NoProfile -NonInteractive -File "$script" -Runtime "$runtimes"

if [ -f "$win_host" ]; then
  prefix=${GWB_PACKAGE_WINE_PREFIX:-$root/target/windows/wine-package}
  if prepare_prefix "$prefix"; then
    run_host "PowerShell 7 for Windows under wine" \
      env GWB_WINE_PREFIX="$prefix" scripts/wine.sh "$win_host" -NoProfile -NonInteractive -File "$script" -Runtime "$runtimes"
    # Nothing of the test may outlive it (a step left behind by a stopped
    # run): the prefix is the test's own, so all of its processes are.
    WINEPREFIX=$prefix wineserver -k 2>/dev/null || true
  else
    echo "FAIL PowerShell 7 for Windows under wine: its wine prefix could not be prepared"
    failed=$((failed + 1))
  fi
else
  echo "FAIL PowerShell 7 for Windows under wine: $win_host is missing (make pwsh-windows builds it)"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
