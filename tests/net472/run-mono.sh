#!/usr/bin/env bash
# Runs the net472 build of the interop assembly (what Windows PowerShell 5.1
# loads) under Mono, against the module laid out by `make module` and a
# graph-sim: the library-level calls, not the cmdlets. Mono is a stand-in for
# .NET Framework here; see README.md for what it does and does not show.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/net472"
out="$here/out"
module="$root/powershell/GroupWriteback"
if ! command -v mono >/dev/null 2>&1; then
  # Not a failure of the module: the suite cannot run here. Said, not silent.
  echo "test-net472: skipped: Mono is not installed (scripts/setup.sh installs mono-complete where apt-get can), so the net472 build was built but not run"
  exit 0
fi
[ -f "$module/bin/net472/GroupWriteback.Native.dll" ] || { echo "run-mono: build the module first (make module)" >&2; exit 1; }
sim="$root/target/release/graph-sim"
[ -x "$sim" ] || { echo "run-mono: graph-sim is not built (cargo build --release -p graph-sim)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/app" "$out/stub"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build "$here/Net472Smoke.csproj" -c Release -nologo -v quiet -o "$out/app"
dotnet build "$here/SmaStub/SmaStub.csproj" -c Release -nologo -v quiet -o "$out/stub"
# As in the module: its own net472 files, and no binding redirects (powershell.exe has none for them).
rm -f "$out/app/Net472Smoke.exe.config" "$out/app"/*.pdb
cp "$module"/bin/net472/*.dll "$out/app/"
cp "$out/stub/System.Management.Automation.dll" "$out/app/"

# The test tenant's certificate and key as a PFX (3DES: Mono 6.8 reads no AES PKCS#12).
testdata="$root/tests/graph-sim/testdata"
openssl pkcs12 -export -in "$testdata/client-assertion-cert.pem" -inkey "$testdata/client-assertion-key.pem" \
  -out "$out/client.pfx" -passout pass:smoke -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
openssl x509 -in "$testdata/client-assertion-cert.pem" -out "$out/cert.pem"
openssl pkey -in "$testdata/client-assertion-key.pem" -out "$out/key.pem"

mono "$out/app/Net472Smoke.exe" "$module" "$sim" "$out/client.pfx" "$out/key.pem" "$out/cert.pem"
