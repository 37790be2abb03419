#!/usr/bin/env bash
# make test-windows-rust: the crate's Rust tests and graph-sim's, built for
# x86_64-pc-windows-gnu (release, as make windows ships it) and run under
# wine through scripts/wine.sh (cargo's runner). The tests that start
# graph-sim start target/windows/bin/graph-sim.exe (GRAPH_SIM). Runs with
# RUST_BACKTRACE=1, as a user's machine may have it.
#
# A test program that dies without its result line (under wine, Rust 1.63's
# test harness crashes when a test fails with RUST_BACKTRACE=1 set, and the
# process may even exit 0) counts as a failure, and is run once more with
# RUST_BACKTRACE=0 to name the tests that failed.
#
# Cargo's own "test result:" lines are indented here: this script ends with
# their total, "N passed, M failed", and one "skipped: K reason" line per
# reason for the tests wine cannot run (SKIPS below).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=x86_64-pc-windows-gnu
sim="$root/target/windows/bin/graph-sim.exe"
[ -s "$sim" ] || { echo "$sim is missing: make windows builds it"; echo "0 passed, 1 failed"; exit 1; }

# Tests wine cannot run, one a line: "exact test name|reason".
SKIPS=""

skip_args=()
declare -A skip_reason=()
while IFS='|' read -r name reason; do
  [ -n "$name" ] || continue
  skip_args+=(--skip "$name")
  skip_reason[$name]=$reason
done <<<"$SKIPS"
[ ${#skip_args[@]} -eq 0 ] || skip_args+=(--exact)

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$root/scripts/wine.sh"
export RUST_BACKTRACE=1
GRAPH_SIM=$(scripts/wine.sh winepath -w "$sim" | tr -d '\r') || { echo "winepath failed"; echo "0 passed, 1 failed"; exit 1; }
export GRAPH_SIM

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo_test() { scripts/windows/cargo.sh test --release --target "$target" "$@"; }

# The test programs and their packages' folders (cargo runs each in its
# package's folder), to run one again by itself.
if ! cargo_test --workspace --no-run --message-format=json 2>"$work/build.err" >"$work/build.json"; then
  cat "$work/build.err"
  echo "the tests did not build for Windows"
  echo "0 passed, 1 failed"
  exit 1
fi
jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test)
  | [.executable, (.manifest_path | rtrimstr("/Cargo.toml"))] | @tsv' "$work/build.json" >"$work/programs.tsv"

start=$(date +%s)
cargo_test --workspace --no-fail-fast -- "${skip_args[@]}" 2>&1 \
  | sed -u 's/\r$//' | tee "$work/run.log" | sed -u 's/^test result:/  test result:/'
cargo_status=${PIPESTATUS[0]}

counts() { # the passed and failed totals of cargo's result lines in a log
  sed -n -E 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$1" \
    | awk '{ p += $1; f += $2 } END { printf "%d %d\n", p, f }'
}
read -r passed failed < <(counts "$work/run.log")

# The programs that started and printed no result line.
died=$(awk '
  /^ +Running / { if (exe != "") print exe; exe = $0; sub(/.*\(/, "", exe); sub(/\)$/, "", exe); next }
  /^test result:/ { exe = "" }
  END { if (exe != "") print exe }' "$work/run.log")
programs=$(grep -c -E '^ +Running ' "$work/run.log" || true)
for exe in $died; do
  dir=$(awk -F'\t' -v e="$exe" '$1 == e { print $2 }' "$work/programs.tsv")
  echo
  if [ -z "$dir" ]; then
    echo "$exe died before printing its result (see above)"
    failed=$((failed + 1))
    continue
  fi
  echo "$exe died before printing its result (see above); again with RUST_BACKTRACE=0:"
  (cd "$dir" && RUST_BACKTRACE=0 "$root/scripts/wine.sh" "$exe" "${skip_args[@]}") 2>&1 | sed -u 's/\r$//' >"$work/again.log"
  sed 's/^/  | /' "$work/again.log"
  read -r p f < <(counts "$work/again.log")
  passed=$((passed + p))
  failed=$((failed + (f > 0 ? f : 1)))
done
if [ "$cargo_status" != 0 ] && [ "$failed" = 0 ]; then
  echo "cargo test failed (status $cargo_status) without a failing test: see above"
  failed=1
fi
elapsed=$(($(date +%s) - start))
echo
echo "test-windows-rust: $programs test programs under wine in ${elapsed}s"
echo "$passed passed, $failed failed"
if [ ${#skip_reason[@]} -gt 0 ]; then
  # Each skipped name is filtered out of every program but its own, so count
  # how many programs list it: ask them for their test names.
  for name in "${!skip_reason[@]}"; do
    n=0
    while IFS=$'\t' read -r exe _; do
      if scripts/wine.sh "$exe" --list 2>/dev/null | tr -d '\r' | grep -x "$name: test" >/dev/null; then n=$((n + 1)); fi
    done <"$work/programs.tsv"
    echo "skipped: $n ${skip_reason[$name]}"
  done
fi
[ "$failed" = 0 ]
