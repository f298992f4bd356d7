#!/usr/bin/env bash
# Two builds of libsnapshot, side by side: commit latency (bench/runtime/commit.c `latency`) of the
# same binary run against library A and library B in turn, round after round, on one medium.
# Prints the median over rounds of each per-round median, and B/A.
#   bench/runtime/lib_ab.sh --lib-a DIR --lib-b DIR [--dir DIR] [--pmem-force 0|1] [--rounds N] [--lines "1 64"]
# Typical use: a change's cost, A = the library built from the commit before it (a git worktree,
# `swift build -c release --product snapshot`), B = build/lib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cc=${CC:-/usr/bin/clang-14}
dir=/dev/shm pmem=0 rounds=9 lines="1 64" liba="" libb=""
while [ $# -gt 0 ]; do
  case $1 in
    --lib-a) liba=$2; shift 2 ;;
    --lib-b) libb=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --pmem-force) pmem=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    *) echo "lib_ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$liba/libsnapshot.so" ] && [ -f "$libb/libsnapshot.so" ] || { echo "lib_ab.sh: --lib-a and --lib-b must hold libsnapshot.so" >&2; exit 2; }
out=$(mktemp -d /tmp/snapshot-lib-ab.XXXXXX)
work=$(mktemp -d "$dir/snapshot-lib-ab.XXXXXX")
trap 'rm -rf "$out" "$work"' EXIT
# No rpath: LD_LIBRARY_PATH picks the library per run.
"$cc" -O2 -I"$src/Sources/CSnapshotShim/include" "$here/commit.c" -o "$out/commit" -L"$libb" -lsnapshot
export PMEM_IS_PMEM_FORCE=$pmem SNAPSHOT_QUIET=1
for r in $(seq "$rounds"); do
  for side in a b; do
    lib=$liba; [ $side = b ] && lib=$libb
    LD_LIBRARY_PATH=$lib "$out/commit" latency "$work/lat.dat" $lines | tail -n +2 | sed "s/^/$side /" >> "$out/all.txt"
    rm -f "$work"/lat.dat "$work"/.lat.dat.snapshot-log
  done
done
echo "medium: $dir, PMEM_IS_PMEM_FORCE=$pmem, $rounds rounds interleaved (A = $liba, B = $libb)"
echo
echo "| dirty lines | A: commit (us) | B: commit (us) | B / A |"
echo "|---:|---:|---:|---:|"
for n in $lines; do
  a=$(awk -v n="$n" '$1=="a" && $2==n {print $3}' "$out/all.txt" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  b=$(awk -v n="$n" '$1=="b" && $2==n {print $3}' "$out/all.txt" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  printf "| %s | %s | %s | %.3f |\n" "$n" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
