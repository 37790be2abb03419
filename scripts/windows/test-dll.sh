#!/usr/bin/env bash
# make test-windows-dll: what the Windows DLL exposes and what it needs,
# read from its PE headers (x86_64-w64-mingw32-objdump -p):
#   - it is a PE32+ x86-64 DLL;
#   - it exports exactly the gwb_ functions include/group_writeback.h
#     declares, and the same set as the Linux library (when built);
#   - its import library declares the same set;
#   - it, and graph-sim.exe, import only DLLs that come with Windows (no
#     libgcc_s, libwinpthread or libstdc++ to ship beside it).
# Ends with "N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin=target/windows/bin
dll=$bin/group_writeback.dll
implib=$bin/libgroup_writeback.dll.a
sim=$bin/graph-sim.exe
so=target/debug/libgroup_writeback.so
objdump=x86_64-w64-mingw32-objdump
nm=x86_64-w64-mingw32-nm

# DLLs that are part of Windows (lower case). What the library uses: the
# Win32 core (kernel32, ntdll, advapi32), sockets (ws2_32), the C runtime
# mingw-w64 links against (msvcrt), random numbers and hashing (bcrypt),
# the certificate store (crypt32, ncrypt; rustls-native-certs through
# schannel), secur32 (schannel) and userenv (std's home directory).
ALLOWED_DLLS="kernel32.dll ntdll.dll advapi32.dll ws2_32.dll msvcrt.dll bcrypt.dll
  crypt32.dll ncrypt.dll secur32.dll userenv.dll"
# ... and the Universal CRT's API sets, should a toolchain link against it.
allowed() {
  local d=${1,,}
  case "$d" in api-ms-win-crt-*.dll | ucrtbase.dll) return 0 ;; esac
  for a in $ALLOWED_DLLS; do [ "$d" = "$a" ] && return 0; done
  return 1
}

passed=0
failed=0
check() { # check NAME CONDITION-STATUS [DETAIL]
  if [ "$2" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $1"
  else
    failed=$((failed + 1)); echo "FAIL $1${3:+: $3}"
  fi
}

for f in "$dll" "$implib" "$sim"; do
  [ -f "$f" ] || { echo "$f is missing: make windows builds it"; echo "0 passed, 1 failed"; exit 1; }
done

headers=$($objdump -p "$dll")
fmt=$(echo "$headers" | sed -n 's/.*file format //p' | head -n 1)
grep -q '(PE32+)' <<<"$headers" && [ "$fmt" = pei-x86-64 ]
check "the DLL is PE32+ for x86-64" $? "file format $fmt"
# The Characteristics block lists the flag names, one a line, up to a blank line.
sed -n '/^Characteristics/,/^$/p' <<<"$headers" | grep -x $'\tDLL' >/dev/null
check "its characteristics mark it as a DLL" $?

exports=$($objdump -p "$dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk '/\[ *[0-9]+\]/ { print $NF }' | sort)
declared=$(grep -o 'gwb_[a-z0-9_]*(' include/group_writeback.h | tr -d '(' | sort -u)
echo "exports ($(echo "$exports" | grep -c .)): $(echo $exports)"
bad=$(echo "$exports" | grep -v '^gwb_' || true)
[ -z "$bad" ]; check "every export is gwb_-prefixed" $? "$(echo $bad)"
d=$(diff <(echo "$declared") <(echo "$exports") | grep '^[<>]' | tr '\n' ' ')
[ -z "$d" ]; check "the exports are the header's $(echo "$declared" | grep -c .) functions" $? "< header only, > DLL only: $d"
if [ -f "$so" ]; then
  linux=$(nm -D --defined-only "$so" | awk '{ print $3 }' | sort)
  d=$(diff <(echo "$linux") <(echo "$exports") | grep '^[<>]' | tr '\n' ' ')
  [ -z "$d" ]; check "the exports are the Linux library's" $? "< .so only, > DLL only: $d"
else
  check "the Linux library is there to compare with ($so, make build)" 1
fi
implib_syms=$($nm "$implib" | awk '$2 == "T" { print $3 }' | sort -u)
d=$(diff <(echo "$exports") <(echo "$implib_syms") | grep '^[<>]' | tr '\n' ' ')
[ -z "$d" ]; check "the import library declares the same functions" $? "< DLL only, > import library only: $d"
# The DLL name the import library binds callers to (its .idata$7 string).
strings "$implib" | grep -x 'group_writeback.dll' >/dev/null
check "the import library binds to group_writeback.dll" $?

for f in "$dll" "$sim"; do
  imports=$($objdump -p "$f" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -f -u)
  echo "$(basename "$f") imports: $(echo $imports)"
  [ -n "$imports" ]; check "$(basename "$f") has an import table" $?
  for i in $imports; do
    allowed "$i"; check "$(basename "$f") imports $i, part of Windows" $? "not on the allow-list: it would have to ship beside the DLL"
  done
done

echo "DLL size: $(stat -c %s "$dll") bytes (stripped)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
