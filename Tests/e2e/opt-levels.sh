#!/usr/bin/env bash
# Builds one end-to-end test program with snapshot-cc at each optimisation level and runs it
# (run.sh builds at -O2 only; what the pass sees differs per level: -O0 keeps the loop as written,
# -O2/-O3 unroll and vectorise it).
#   opt-levels.sh <test> [levels...]     default levels: 0 1 2 3 s z
# Environment as for run.sh (Tests/CMakeLists.txt sets it).
set -euo pipefail
test=$1
shift
levels=("$@")
[[ ${#levels[@]} -gt 0 ]] || levels=(0 1 2 3 s z)
here=$(cd "$(dirname "$0")" && pwd)
src=${SNAPSHOT_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${SNAPSHOT_BUILD_DIR:-$src/build}
bin=${SNAPSHOT_BIN_DIR:-$build/bin}
inc=$src/Sources/CSnapshotShim/include

out=$build/e2e-bin
mkdir -p "$out"
E2E_DIR=$(mktemp -d /dev/shm/snapshot-e2e.XXXXXX)
export E2E_DIR
trap 'rm -rf "$E2E_DIR"' EXIT
for o in "${levels[@]}"; do
  exe=$out/$test-O$o
  "$bin/snapshot-cc" -O"$o" -g -pthread -Werror=implicit-function-declaration -Werror=int-conversion \
    -I"$inc" "$here/$test.c" -o "$exe"
  echo "== -O$o"
  "$exe"
done
