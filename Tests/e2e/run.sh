#!/usr/bin/env bash
# Builds one end-to-end test program and runs it.
#   run.sh <test> <variant> [args...]
#   variant pass:     built with snapshot-cc (the pass instruments every write)
#   variant explicit: built with plain clang -DE2E_EXPLICIT (the test calls __snapshot_record
#                     itself), so the runtime is exercised independently of the pass
# Environment (ctest sets it, see Tests/CMakeLists.txt): SNAPSHOT_BIN_DIR, SNAPSHOT_LIB_DIR,
# SNAPSHOT_SOURCE_DIR, SNAPSHOT_BUILD_DIR, SNAPSHOT_CLANG_PATH. SNAPSHOT_E2E_LIB_DIR overrides the
# runtime used (e.g. a private swift build) for both variants. E2E_CFLAGS adds compiler flags
# (a negative control's -mllvm option); E2E_BUILD_TAG then names its executable apart.
E2E_CFLAGS=${E2E_CFLAGS:-}
set -euo pipefail
test=$1 variant=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
src=${SNAPSHOT_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${SNAPSHOT_BUILD_DIR:-$src/build}
bin=${SNAPSHOT_BIN_DIR:-$build/bin}
lib=${SNAPSHOT_E2E_LIB_DIR:-${SNAPSHOT_LIB_DIR:-$build/lib}}
clang=${SNAPSHOT_CLANG_PATH:-/usr/bin/clang-14}
inc=$src/Sources/CSnapshotShim/include

out=$build/e2e-bin
mkdir -p "$out"
exe=$out/$test-$variant${E2E_BUILD_TAG:+-$E2E_BUILD_TAG}
# Several ctest entries run the same program (e2e.munmap_nosync and e2e.munmap_nosync_quiet, the
# signals test and its negative control) and ctest -j runs them at once: each links to a name of
# its own and renames it into place, so that none ever writes the file another one is executing.
tmp_exe=$exe.$$
case $variant in
  pass)
    "$bin/snapshot-cc" -O2 -g -pthread -Werror=implicit-function-declaration -Werror=int-conversion $E2E_CFLAGS -I"$inc" "$here/$test.c" -o "$tmp_exe" \
      ${SNAPSHOT_E2E_LIB_DIR:+-L"$SNAPSHOT_E2E_LIB_DIR"} ;;
  explicit)
    "$clang" -O2 -g -pthread -Werror=implicit-function-declaration -Werror=int-conversion $E2E_CFLAGS -DE2E_EXPLICIT -I"$inc" "$here/$test.c" -o "$tmp_exe" \
      -L"$lib" -lsnapshot -Wl,-rpath,"$lib" ;;
  *) echo "run.sh: unknown variant $variant" >&2; exit 2 ;;
esac
mv -f "$tmp_exe" "$exe"

E2E_DIR=$(mktemp -d /dev/shm/snapshot-e2e.XXXXXX)
export E2E_DIR
trap 'rm -rf "$E2E_DIR"' EXIT
if [[ -n ${SNAPSHOT_E2E_LIB_DIR:-} ]]; then export LD_LIBRARY_PATH=$SNAPSHOT_E2E_LIB_DIR; fi
"$exe" "$@"
