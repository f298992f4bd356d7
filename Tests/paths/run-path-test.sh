#!/bin/sh
# Usage: run-path-test.sh <clang> <plugin|none> <source> [clang flags...]
# Builds the test-only recorder (never instrumented) and <source> instrumented with <plugin>, runs
# it and exits with its status. With "none" (the negative control) <source> is NOT instrumented,
# and the test passes only if the program ran and the checker reported unrecorded bytes.
# With SNAPSHOT_PATHS_RUNTIME=<build dir> the program is built with <build dir>/bin/snapshot-cc and
# runs on the real runtime (recorder_real.c: managed mapping, msync, compare the file); with
# "none" it is then built with plain clang and linked to the runtime (negative control).
set -eu
CLANG=$1; PLUGIN=$2; SRC=$3; shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
ABI_INC=$(cd "$HERE/../../Sources/CSnapshotShim/include" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshot-paths.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ -n "${SNAPSHOT_PATHS_RUNTIME:-}" ]; then
  RT=$SNAPSHOT_PATHS_RUNTIME
  CC="$RT/bin/snapshot-cc"
  [ "$PLUGIN" = none ] && CC="$CLANG"
  "$RT/bin/snapshot-cc" -O2 -std=gnu11 -I "$HERE" -c "$HERE/recorder_real.c" -o "$WORK/recorder.o"
  # shellcheck disable=SC2086
  "$CC" -std=gnu11 -Wno-unused-result -Wno-atomic-alignment -I "$HERE" "$@" -c "$SRC" -o "$WORK/test.o"
  "$RT/bin/snapshot-cc" "$WORK/test.o" "$WORK/recorder.o" -o "$WORK/test" -latomic
else
  "$CLANG" -O2 -std=gnu11 -I "$ABI_INC" -I "$HERE" -c "$HERE/recorder.c" -o "$WORK/recorder.o"
  PASS_FLAGS=""
  [ "$PLUGIN" != none ] && PASS_FLAGS="-fpass-plugin=$PLUGIN"
  # shellcheck disable=SC2086
  "$CLANG" -std=gnu11 -Wno-unused-result -Wno-atomic-alignment -I "$HERE" $PASS_FLAGS "$@" -c "$SRC" -o "$WORK/test.o"
  "$CLANG" "$WORK/test.o" "$WORK/recorder.o" -o "$WORK/test" -latomic
fi
if [ "$PLUGIN" = none ]; then
  if "$WORK/test" >"$WORK/out" 2>&1; then
    cat "$WORK/out"; echo "negative control: uninstrumented writes went unnoticed"; exit 1
  fi
  grep -q "changed but were not recorded" "$WORK/out" || { cat "$WORK/out"; exit 1; }
  echo "negative control: the checker caught $(grep -c "not recorded" "$WORK/out") unrecorded ranges"
  exit 0
fi
"$WORK/test"
