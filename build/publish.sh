#!/usr/bin/env bash
# Every release artefact of air780, in one command:
#   artifacts/nupkg/air780.<version>.nupkg   the .NET tool (dotnet tool install --global air780 --add-source artifacts/nupkg)
#   artifacts/publish/<rid>/air780[.exe]     self-contained builds: linux-x64 Native AOT (air780 + libe_sqlite3.so and
#                                            libSystem.IO.Ports.Native.so; needs clang or gcc, zlib1g-dev, liblua5.4-dev),
#                                            the others ReadyToRun single files
# Usage: build/publish.sh [RID ...]   (default: linux-x64 linux-arm64 osx-arm64 win-x64; "pack" alone: just the tool)
# The settings per RID live in src/Air780Bridge.Cli/Air780Bridge.Cli.csproj; this only loops.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${AIR780_ARTIFACTS:-artifacts}"
rids=("$@")
[ ${#rids[@]} -eq 0 ] && rids=(linux-x64 linux-arm64 osx-arm64 win-x64)

dotnet pack src/Air780Bridge.Cli -c Release -o "$out/nupkg" -nologo -v q
for rid in "${rids[@]}"; do
  [ "$rid" = pack ] && continue
  echo "publishing $rid"
  dotnet publish src/Air780Bridge.Cli -c Release -r "$rid" -o "$out/publish/$rid" -nologo -v q
  rm -f "$out/publish/$rid"/*.pdb "$out/publish/$rid"/*.dbg # symbols: embedded in the R2R files; the AOT build's would be a second 100 MB file
done
ls -l "$out"/nupkg/*.nupkg "$out"/publish/*/air780* 2>/dev/null || true
