#!/usr/bin/env bash
# Runs the tests that involve time, throttling, timeouts, cancellation or
# concurrency many times in a row, on a quiet machine or with every core kept
# busy, and prints how many runs of each suite passed.
#
#   scripts/test-timing.sh [RUNS] [quiet|loaded]     (make test-timing RUNS=20 LOAD=loaded)
#   SUITES="c-client c-valgrind" scripts/test-timing.sh 20 quiet   (some suites only)
#
# The suites: the Rust client and fault-matrix tests (tests/client.rs,
# tests/faults.rs), sign-in with its device code polling (tests/auth.rs),
# managed identity's retries and the browser sign-in's waits (tests/identity.rs,
# tests/browser.rs),
# graph-sim's throttling, fault and device code tests, the C client program
# under AddressSanitizer (bulk under a quota, cancellation, faults) and under
# valgrind (the same, about 30 times slower), and the Pester tests of the
# cmdlets against graph-sim (Faults, GraphCommands); listings over short and
# empty pages (tests/paging_shapes.rs); Microsoft's .NET SDK meeting throttling
# (tests/sdk-conformance, built by make test-sdk); and, under wine, the C
# client program and those Pester tests in PowerShell for Windows (built by
# make test-windows-c and make test-windows-pwsh).
# "loaded" keeps every core busy with `stress-ng --cpu N` (Debian's package,
# installed when missing and possible) or, failing that, a busy loop per core.
# A failed run's output is kept in target/timing-logs/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-20}
mode=${2:-quiet}
case "$mode" in quiet|loaded) ;; *) echo "test-timing: the mode is quiet or loaded, not '$mode'" >&2; exit 2 ;; esac
case "$runs" in ''|*[!0-9]*) echo "test-timing: RUNS must be a number, not '$runs'" >&2; exit 2 ;; esac
export PATH="$PATH:$HOME/.dotnet/tools"
logs="$root/target/timing-logs"
rm -rf "$logs"
mkdir -p "$logs"

# Build everything once, as make test does.
make --no-print-directory build module >"$logs/build.log" 2>&1 || { echo "test-timing: the build failed (see $logs/build.log)"; exit 1; }
cargo build --release --quiet -p graph-sim >>"$logs/build.log" 2>&1 || { echo "test-timing: graph-sim did not build"; exit 1; }
cargo test --no-run --quiet --workspace >>"$logs/build.log" 2>&1 || { echo "test-timing: the tests did not build"; exit 1; }
mkdir -p tests/c/build
cc -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -fno-omit-frame-pointer -Iinclude \
  -DGWB_GRAPH_SIM="\"$root/target/debug/graph-sim\"" -DGWB_SIM_TESTDATA="\"$root/tests/graph-sim/testdata\"" \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined tests/c/test_client.c \
  -o tests/c/build/test_client -Ltarget/debug -lgroup_writeback -Wl,-rpath,"$root/target/debug" -lpthread \
  >>"$logs/build.log" 2>&1 || { echo "test-timing: the C client test did not build"; exit 1; }
cc -std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -fno-omit-frame-pointer -Iinclude \
  -DGWB_GRAPH_SIM="\"$root/target/debug/graph-sim\"" -DGWB_SIM_TESTDATA="\"$root/tests/graph-sim/testdata\"" \
  tests/c/test_client.c -o tests/c/build/test_client_valgrind -Ltarget/debug -lgroup_writeback \
  -Wl,-rpath,"$root/target/debug" -lpthread \
  >>"$logs/build.log" 2>&1 || { echo "test-timing: the C client test did not build"; exit 1; }

load_pids=()
stop_load() {
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop_load EXIT
if [ "$mode" = loaded ]; then
  cores=$(nproc)
  if ! command -v stress-ng >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo_cmd="sudo -n"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq stress-ng >"$logs/stress-ng-install.log" 2>&1 || true
  fi
  if command -v stress-ng >/dev/null 2>&1; then
    stress-ng --cpu "$cores" --quiet >/dev/null 2>&1 &
    load_pids+=($!)
    echo "test-timing: stress-ng --cpu $cores keeps every core busy"
  else
    for _ in $(seq "$cores"); do
      bash -c 'while :; do :; done' &
      load_pids+=($!)
    done
    echo "test-timing: $cores busy loops keep every core busy (stress-ng is not available)"
  fi
fi

all_suites=(rust-client rust-faults rust-auth rust-identity rust-browser rust-paging sim-throttle sim-auth c-client c-valgrind pester sdk win-c-client win-pester)
read -r -a suites <<<"${SUITES:-${all_suites[*]}}"
for s in "${suites[@]}"; do
  case " ${all_suites[*]} " in *" $s "*) ;; *) echo "test-timing: no suite '$s' (the suites: ${all_suites[*]})" >&2; exit 2 ;; esac
done
declare -A passed
for s in "${suites[@]}"; do passed[$s]=0; done

run_suite() {
  case "$1" in
    rust-client) cargo test --quiet --test client ;;
    rust-faults) cargo test --quiet --test faults ;;
    rust-auth) cargo test --quiet --test auth ;;
    sim-throttle) cargo test --quiet -p graph-sim --test throttle_faults ;;
    sim-auth) cargo test --quiet -p graph-sim --test auth ;;
    c-client) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/c/build/test_client "$root/target/debug/graph-sim" ;;
    c-valgrind) valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
                  --num-callers=40 --suppressions=tests/c/valgrind.supp tests/c/build/test_client_valgrind --quick "$root/target/debug/graph-sim" ;;
    rust-identity) cargo test --quiet --test identity ;;
    rust-browser) cargo test --quiet --test browser ;;
    rust-paging) cargo test --quiet --test paging_shapes ;;
    # Microsoft's .NET SDK against graph-sim: its throttling checks (make test-sdk builds it).
    sdk) dotnet tests/sdk-conformance/bin/Release/net10.0/SdkConformance.dll "$root/target/debug/graph-sim" ;;
    # The C client and the cmdlets' Graph tests under wine (make test-windows-c, make test-windows-pwsh build them).
    win-c-client) scripts/wine.sh tests/c/build/windows/test_client.exe "$(scripts/wine.sh winepath -w "$root/target/windows/bin/graph-sim.exe" | tr -d '\r')" ;;
    win-pester) GWB_TEST_MODULE_DIR=target/windows/module/GroupWriteback scripts/wine.sh target/windows/pwsh/PwshHost.exe -NoProfile -NonInteractive \
                  -Command "\$ErrorActionPreference = 'Stop'; & ./tests/powershell/Invoke-Tests.ps1 -Output None -Path ./tests/powershell/Faults.Tests.ps1, ./tests/powershell/GraphCommands.Tests.ps1; exit \$LASTEXITCODE" ;;
    pester) pwsh -NoProfile -NonInteractive -Command "& tests/powershell/Invoke-Tests.ps1 -Output None \
              -Path tests/powershell/Faults.Tests.ps1, tests/powershell/GraphCommands.Tests.ps1; exit \$LASTEXITCODE" ;;
  esac
}

started=$(date +%s)
echo "test-timing: $runs run(s), $mode, started $(date -u +%H:%M:%S) UTC"
for i in $(seq "$runs"); do
  line="run $i:"
  for s in "${suites[@]}"; do
    t0=$(date +%s)
    if run_suite "$s" >"$logs/run-$i-$s.log" 2>&1; then
      passed[$s]=$((passed[$s] + 1))
      rm -f "$logs/run-$i-$s.log"
      line="$line $s ok ($(( $(date +%s) - t0 )) s)"
    else
      line="$line $s FAILED ($(( $(date +%s) - t0 )) s, $logs/run-$i-$s.log)"
    fi
  done
  echo "$line"
done

echo
echo "test-timing: $runs run(s), $mode, $(( $(date +%s) - started )) s"
all_ok=1
for s in "${suites[@]}"; do
  printf '  %-14s %d of %d runs passed\n' "$s" "${passed[$s]}" "$runs"
  [ "${passed[$s]}" -eq "$runs" ] || all_ok=0
done
[ "$all_ok" = 1 ] && exit 0 || exit 1
