#!/usr/bin/env bash
# Runs every test suite (make targets named as arguments), keeps each one's
# output under target/test-logs/, then checks that no test secret appears in
# any of it, and ends with one summary line.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs="$root/target/test-logs"
rm -rf "$logs"
mkdir -p "$logs"
status=0
failed_suites=()
for suite in "$@"; do
  echo "==> make $suite"
  if ! make --no-print-directory "$suite" 2>&1 | tee "$logs/$suite.log"; then
    status=1
    failed_suites+=("$suite")
  fi
done

echo "==> secrets check"
if secrets_out=$(./scripts/check-secrets.sh "$logs"/*.log); then
  echo "$secrets_out"
  secrets_ok=1
else
  echo "$secrets_out"
  secrets_ok=0
  status=1
  failed_suites+=("secrets")
fi

# Totals from the runners' own closing lines.
passed=0
failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); }
while read -r p f; do add "$p" "$f"; done < <(
  cat "$logs"/*.log | sed -n -E \
    -e 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' \
    -e 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p')
echo
echo "Summary:"
for suite in "$@"; do
  line=$(grep -h -E '^(test result:|[0-9]+ passed, [0-9]+ failed)' "$logs/$suite.log" 2>/dev/null | awk '
    /^test result:/ { p += $4; f += $6 } /^[0-9]+ passed,/ { p += $1; f += $3 } END { printf "%d passed, %d failed", p, f }')
  printf '  %-16s %s\n' "$suite" "${line:-no counts}"
done
# The fault matrix and the bad-input cases: Rust tests named fault_* and
# bad_input* (and the ABI property tests), plus the lines the C programs and
# the Pester runner print ("fault cases: N tried, N passed", "bad inputs: ...").
cases() {
  cat "$logs"/*.log | awk -v kind="$1" '
    /^ *Running / { fuzz = ($0 ~ /abi_fuzz/) }
    /^test [^ ]+ \.\.\. (ok|FAILED)$/ {
      name = $2
      is = (kind == "fault") ? (name ~ /^fault_/) : (name ~ /^bad_input/ || fuzz)
      if (is) { t++; if ($NF == "ok") p++ }
    }
    {
      label = (kind == "fault") ? "fault cases: " : "bad inputs: "
      if (index($0, label) == 1 && $0 ~ /: [0-9]+ tried, [0-9]+ passed$/) {
        n = split($0, w, " "); t += w[n - 3]; p += w[n - 1]
      }
    }
    END { printf "%d tried, %d passed", t, p }'
}
echo "  fault cases: $(cases fault)"
echo "  bad inputs: $(cases bad)"
if [ "$secrets_ok" = 1 ]; then
  echo "  secrets          ${secrets_out#check-secrets: }"
else
  echo "  secrets          a test secret appeared in the output (see above)"
fi
# What a suite could not run here, by its own lines "skipped: K reason"
# (the Windows suites under wine print them; nothing is skipped silently).
skips=$(cat "$logs"/*.log | sed -n -E 's/^skipped: ([0-9]+) (.*)$/\1 \2/p' | awk '{ n[substr($0, index($0, " ") + 1)] += $1 } END { for (r in n) printf "%d %s\n", n[r], r }')
if [ -n "$skips" ]; then
  echo "  skipped: $(echo "$skips" | awk '{ t += $1 } END { print t }'), each with its reason:"
  echo "$skips" | sed 's/^/    /'
else
  echo "  skipped: 0"
fi
[ ${#failed_suites[@]} -gt 0 ] && echo "  failed: ${failed_suites[*]}"
[ "$secrets_ok" = 1 ] && passed=$((passed + 1)) || failed=$((failed + 1))
echo "$passed passed, $failed failed"
exit $status
