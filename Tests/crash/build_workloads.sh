#!/usr/bin/env bash
# Builds the crash-harness workloads with snapshot-cc into OUTDIR (a ctest fixture, so that the
# tests that use them never compile concurrently). Rebuilds when a source, the driver or the
# instrumentation plugin is newer than the binary.
set -euo pipefail
outdir=${1:?usage: build_workloads.sh OUTDIR}
src=$(cd "$(dirname "$0")/workloads" && pwd)
bin=${SNAPSHOT_BIN_DIR:?SNAPSHOT_BIN_DIR must point at the build tree bin/ (ctest sets it)}
cc="$bin/snapshot-cc"
plugin="${SNAPSHOT_LIB_DIR:-$bin/../lib}/snapshot/SnapshotInstrument.so"
[ -x "$cc" ] || { echo "build_workloads.sh: $cc not found; build the project first" >&2; exit 1; }
mkdir -p "$outdir"
for w in wl_list wl_btree wl_kv wl_bank wl_multi wl_mixio recover_map; do
  out="$outdir/$w"
  if [ -x "$out" ] && [ "$out" -nt "$src/$w.c" ] && [ "$out" -nt "$src/wl_common.h" ] \
     && [ "$out" -nt "$cc" ] && { [ ! -e "$plugin" ] || [ "$out" -nt "$plugin" ]; }; then
    continue
  fi
  echo "snapshot-cc $w.c"
  "$cc" -O2 -g -pthread -Wall -Wextra -Werror -o "$out.tmp" "$src/$w.c"
  mv -f "$out.tmp" "$out"
done
