#!/usr/bin/env bash
# Runtime micro-benchmarks; prints a Markdown table.
#   bench/runtime/run.sh [--quick]
# Medium: files in /dev/shm with PMEM_IS_PMEM_FORCE=1 (libpmem's pmem code path: NT stores +
# pmem_drain, no msync; DRAM-backed tmpfs, so no power-fail durability — it measures the runtime's
# and the engine's CPU cost, not a device). Stores are recorded by calling the runtime exactly as
# the instrumentation pass does, so the numbers are the runtime's alone.
# Environment: SNAPSHOT_BUILD_DIR (default <repo>/build), SNAPSHOT_BENCH_LIB_DIR (a libsnapshot.so
# directory to use instead of $SNAPSHOT_BUILD_DIR/lib), CC (default /usr/bin/clang-14).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${SNAPSHOT_BUILD_DIR:-$src/build}
lib=${SNAPSHOT_BENCH_LIB_DIR:-$build/lib}
cc=${CC:-/usr/bin/clang-14}
inc=$src/Sources/CSnapshotShim/include
quick=0
[[ ${1:-} == --quick ]] && quick=1

out=$(mktemp -d /tmp/snapshot-bench-runtime.XXXXXX)
dir=$(mktemp -d /dev/shm/snapshot-bench-runtime.XXXXXX)
trap 'rm -rf "$out" "$dir"' EXIT
for p in store commit; do
  "$cc" -O2 -pthread -I"$inc" "$here/$p.c" -o "$out/$p" -L"$lib" -lsnapshot -Wl,-rpath,"$lib"
done
"$cc" -O2 "$here/ntcopy.c" -o "$out/ntcopy" -lpmem
export PMEM_IS_PMEM_FORCE=1 SNAPSHOT_QUIET=1

echo "## libsnapshot runtime ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo
echo "Medium: /dev/shm with PMEM_IS_PMEM_FORCE=1 (pmem code path on DRAM; no power-fail durability)."
echo
lines=$(( quick ? 1<<16 : 1<<18 ))
"$out/store" "$dir/store.dat" $lines > "$out/store.txt"
get() { awk -v k="$1" '$1==k {print $2}' "$2"; }
native=$(get native_ns "$out/store.txt"); check=$(get check_ns "$out/store.txt")
hit=$(get hit_ns "$out/store.txt"); miss=$(get miss_ns "$out/store.txt")
hit_mt=$(get hit_mt_ns "$out/store.txt"); miss_mt=$(get miss_mt_ns "$out/store.txt")
echo "### Store path (8-byte stores, one per 64-byte line, $lines lines)"
echo
echo "| store | ns/store | over native |"
echo "|---|---:|---:|"
printf "| native (no instrumentation) | %.2f | - |\n" "$native"
printf "| instrumented, not a managed address (range check only) | %.2f | %+.2f |\n" "$check" "$(echo "$check - $native" | bc -l)"
printf "| instrumented, line already dirty (hit) | %.2f | %+.2f |\n" "$hit" "$(echo "$hit - $native" | bc -l)"
printf "| instrumented, first write to the line (miss) | %.2f | %+.2f |\n" "$miss" "$(echo "$miss - $native" | bc -l)"
printf "| hit, once the process has had a second thread (barrier) | %.2f | %+.2f |\n" "$hit_mt" "$(echo "$hit_mt - $native" | bc -l)"
printf "| miss, once the process has had a second thread (locked OR) | %.2f | %+.2f |\n" "$miss_mt" "$(echo "$miss_mt - $native" | bc -l)"
echo
if (( quick )); then counts="1 10 100 1000 10000 100000"; else counts="1 10 100 1000 10000 100000 1000000"; fi
"$out/commit" latency "$dir/lat.dat" $counts > "$out/lat.txt"
echo "### Commit latency (N scattered dirty lines in a 128 MiB file; median of 7)"
echo
echo "| dirty lines | msync latency (us) | medium bytes / dirty byte |"
echo "|---:|---:|---:|"
tail -n +2 "$out/lat.txt" | while read -r n us ratio; do printf "| %s | %s | %s |\n" "$n" "$us" "$ratio"; done
echo
echo "(page-granular msync of the same scattered lines writes 4096/64 = 64 bytes per dirty byte)"
echo
mib=$(( quick ? 64 : 256 ))
"$out/commit" throughput "$dir/tp.dat" $mib > "$out/tp.txt"
"$out/ntcopy" "$dir" $mib > "$out/nt.txt"
dirty=$(awk '{print $6}' "$out/tp.txt"); nt=$(get nt_GBps "$out/nt.txt")
echo "### Commit throughput (one commit of $mib MiB contiguous dirty data; best of 5)"
echo
echo "| measure | GB/s | vs NT memcpy |"
echo "|---|---:|---:|"
printf "| pmem_memcpy NT + drain, private map -> shared map (baseline) | %.2f | 100%% |\n" "$nt"
printf "| commit, dirty bytes / commit time | %.2f | %.0f%% |\n" "$dirty" "$(echo "100 * $dirty / $nt" | bc -l)"
medium=$(awk '{print $8}' "$out/tp.txt")
printf "| commit, bytes written to the medium (log record + data, from snapshot_stats) / commit time | %.2f | %.0f%% |\n" \
  "$medium" "$(echo "100 * $medium / $nt" | bc -l)"
echo
echo "### Recovery: replaying the largest lap a crash can leave"
echo
echo "| what the crash left | log size | recovery (open + mmap, which replay it) |"
echo "|---|---:|---:|"
"$out/commit" recovery "$dir/rec.dat" 0 | awk '{printf "| a full lap of 64-line commits | %s MiB | %s ms |\n", $2, $4}'
"$out/commit" recovery "$dir/rec.dat" $mib | awk -v m=$mib '{printf "| one %s MiB commit | %s MiB | %s ms |\n", m, $2, $4}'
echo
echo "### Tracking design: global dirty bitmap vs per-thread dirty lists (tracking.c, standalone)"
echo
"$cc" -O2 "$here/tracking.c" -o "$out/tracking"
"$out/tracking" $(( quick ? 16 : 64 ))
