#!/usr/bin/env bash
# Instructions per small commit (callgrind: deterministic, unaffected by machine load), and the
# ordering points per commit, on the PMEM code path (/dev/shm + PMEM_IS_PMEM_FORCE=1) and on the
# page cache (/dev/shm without it: fdatasync is the ordering point).
#   bench/runtime/instructions.sh            prints a Markdown table
# Each cell: callgrind's count inside msync() over exactly 1000 commits (commit_ops zeroes the
# counts after its warm-up and dumps them after the last commit), divided by 1000: the user-space
# instructions of everything a commit runs (runtime, engine, libpmem, libc), with the warm-up
# commits and the program's own stores excluded. Repeatable to the instruction.
# Environment: SNAPSHOT_BUILD_DIR (default <repo>/build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${SNAPSHOT_BUILD_DIR:-$src/build}
out=$(mktemp -d /tmp/snapshot-instr.XXXXXX)
dir=$(mktemp -d /dev/shm/snapshot-instr.XXXXXX)
trap 'rm -rf "$out" "$dir"' EXIT
"$build/bin/snapshot-cc" -O2 -I"$src/Sources/CSnapshotShim/include" "$here/commit_ops.c" -o "$out/commit_ops"
# valgrind 3.19 cannot read the DWARF 5 in libsnapshot.so: use a copy without debug info.
objcopy --strip-debug "$build/lib/libsnapshot.so" "$out/libsnapshot.so"
irs() {  # medium commits runs -> Ir inside msync over the commits (commit_ops' dump "commits")
  local pmem=$1 n=$2 runs=$3 cg="$out/cg.$1.$2.$3"
  LD_LIBRARY_PATH=$out PMEM_IS_PMEM_FORCE=$pmem SNAPSHOT_QUIET=1 valgrind --tool=callgrind -q --toggle-collect=msync \
    --callgrind-out-file="$cg" "$out/commit_ops" "$dir/f.dat" "$n" "$runs" >/dev/null
  [ -f "$cg.1" ] || { echo "instructions.sh: commit_ops made no callgrind dump (built without valgrind/callgrind.h?)" >&2; exit 1; }
  callgrind_annotate "$cg.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
echo "| medium | dirty runs per commit | instructions per commit | ordering points per commit |"
echo "|---|---:|---:|---:|"
for pmem in 1 0; do
  medium=$([ $pmem = 1 ] && echo "pmem path (tmpfs, PMEM_IS_PMEM_FORCE=1)" || echo "page cache (tmpfs, fdatasync)")
  for runs in 1 3 16; do
    n=$(irs $pmem 1000 $runs)
    op=$(PMEM_IS_PMEM_FORCE=$pmem SNAPSHOT_QUIET=1 "$out/commit_ops" "$dir/f.dat" 5000 "$runs" | awk '/ordering_points/ {print $2}')
    echo "| $medium | $runs | $(( n / 1000 )) | $op |"
  done
done
