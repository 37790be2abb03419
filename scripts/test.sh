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
if [ "$secrets_ok" = 1 ]; then
  echo "  secrets          ${secrets_out#check-secrets: }"
else
  echo "  secrets          a test secret appeared in the output (see above)"
fi
[ ${#failed_suites[@]} -gt 0 ] && echo "  failed: ${failed_suites[*]}"
[ "$secrets_ok" = 1 ] && passed=$((passed + 1)) || failed=$((failed + 1))
echo "$passed passed, $failed failed"
exit $status
