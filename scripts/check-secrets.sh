#!/usr/bin/env bash
# Fails when any test secret appears in the given files: the simulator's
# issued tokens (gsim.<base64url>), the literal secrets and tokens listed in
# tests/secrets.txt, and every line of the test private keys' base64.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
grep -v -E '^\s*(#|$)' "$root/tests/secrets.txt" > "$patterns"
for key in "$root"/tests/graph-sim/testdata/*key*.pem "$root"/tests/fixtures/auth/*key*.pem; do
  [ -f "$key" ] || continue
  grep -v -- '-----' "$key" | awk 'length($0) >= 24' >> "$patterns"
done
count=$(($(wc -l < "$patterns") + 1))
found=0
if grep -n -F -f "$patterns" "$@" /dev/null >/dev/null 2>&1; then
  echo "check-secrets: a test secret appears in the output:"
  grep -n -F -o -f "$patterns" "$@" /dev/null | sed -E 's/(:[^:]{0,6})[^:]*$/\1…[hidden]/' | head -20
  found=1
fi
if grep -n -E 'gsim\.[A-Za-z0-9_-]{20,}' "$@" /dev/null >/dev/null 2>&1; then
  echo "check-secrets: a token issued by the simulator appears in the output:"
  grep -n -E -o 'gsim\.[A-Za-z0-9_-]{20,}' "$@" /dev/null | sed -E 's/gsim\.(.{4}).*/gsim.\1…[hidden]/' | head -20
  found=1
fi
[ "$found" = 0 ] && echo "check-secrets: $count secret patterns searched in $# file(s): none found"
exit $found
