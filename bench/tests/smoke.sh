#!/usr/bin/env bash
# bench/tests/smoke.sh — builds every variant and runs every workload, mix and batch size at tiny
# sizes. Fails if a variant fails to build, a run fails, or two variants disagree on a checksum
# (report.py checks that: same seed + same logic => same result), or SNAPSHOT_VERIFY finds a write
# the instrumentation missed in a workload. Takes well under a minute.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
variants=${SMOKE_VARIANTS:-"native snapshot pmdk msync wal msync-dax wal-dax snapshot-noop snapshot-check"}
"$here/../build.sh" "$out/bin" $variants 2>"$out/build.txt" || { cat "$out/build.txt"; exit 1; }
if grep -q FAILED "$out/build.txt"; then cat "$out/build.txt"; exit 1; fi
"$here/../run.sh" --quick --no-build --out "$out" --variants "$variants" --ops 3000 --keys 3000 \
  --repeats 1 --batches "1 8 512" >"$out/run.txt" 2>&1 || { cat "$out/run.txt"; exit 1; }
grep -q "0 failed" "$out/run.txt" || { cat "$out/run.txt"; exit 1; }
# The pass must see every write the workloads make: SNAPSHOT_VERIFY=1 makes libsnapshot compare the
# working and persistent copies at each commit and abort on any change it was not told about.
if [[ " $variants " == *" snapshot "* ]]; then
  shm=$(mktemp -d /dev/shm/snapbench-smoke.XXXXXX)
  for cmd in "list --ops 2000" "btree --ops 2000" "kv --ops 2000 --keys 2000 --mix a" \
             "kv --ops 2000 --keys 2000 --mix d" "kv --ops 2000 --keys 2000 --mix f"; do
    for b in 1 8; do
      # shellcheck disable=SC2086
      if ! SNAPSHOT_VERIFY=1 PMEM_IS_PMEM_FORCE=1 "$out/bin/snapshot/"$cmd --batch $b --dir "$shm" \
           >/dev/null 2>"$out/verify.txt" || grep -q SNAPSHOT_VERIFY "$out/verify.txt"; then
        echo "bench smoke: SNAPSHOT_VERIFY failed for snapshot/$cmd --batch $b:"; cat "$out/verify.txt"
        rm -rf "$shm"; exit 1
      fi
    done
  done
  rm -rf "$shm"
fi
echo "bench smoke: ok ($(grep -c '^\[' "$out/run.txt") runs, checksums agree across: $variants)"
