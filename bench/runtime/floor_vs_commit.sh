#!/usr/bin/env bash
# A small commit against its hardware floor, side by side: floor.c (the record's streaming stores,
# one fence, the data's streaming stores; no software) and commit_ops.c (the same writes through
# libsnapshot's msync), in turn, round after round, on tmpfs with PMEM_IS_PMEM_FORCE=1.
#   bench/runtime/floor_vs_commit.sh [--rounds N] [--runs "1 3"] [--mib "1 64"] [--commits N]
# Prints the median over rounds of each and commit / floor. The difference is the time of the
# commit's software (the runtime and the engine), which callgrind counts in instructions
# (bench/runtime/instructions.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${SNAPSHOT_BUILD_DIR:-$src/build}
cc=${CC:-/usr/bin/clang-14}
rounds=7 runs_list="1 3" mib_list="1 64" commits=300000
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs_list=$2; shift 2 ;;
    --mib) mib_list=$2; shift 2 ;;
    --commits) commits=$2; shift 2 ;;
    *) echo "floor_vs_commit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
out=$(mktemp -d /tmp/snapshot-floor.XXXXXX)
work=$(mktemp -d /dev/shm/snapshot-floor.XXXXXX)
trap 'rm -rf "$out" "$work"' EXIT
"$cc" -O2 "$here/floor.c" -o "$out/floor"
"$build/bin/snapshot-cc" -O2 -I"$src/Sources/CSnapshotShim/include" "$here/commit_ops.c" -o "$out/commit_ops"
export PMEM_IS_PMEM_FORCE=1 SNAPSHOT_QUIET=1
for r in $(seq "$rounds"); do
  for mib in $mib_list; do
    for runs in $runs_list; do
      f=$("$out/floor" "$work" "$mib" "$runs" "$commits" | awk '{print $2}')
      c=$("$out/commit_ops" "$work/c.dat" "$commits" "$runs" 1 "$mib" | awk '$1 == "commit_ns" {print $2}')
      rm -f "$work/c.dat" "$work/.c.dat.snapshot-log"
      echo "$mib $runs $f $c" >> "$out/all.txt"
    done
  done
done
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "tmpfs + PMEM_IS_PMEM_FORCE=1, $commits commits per cell, $rounds rounds interleaved; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "| file | dirty runs | floor: stores + 1 fence (ns) | libsnapshot msync (ns) | msync / floor |"
echo "|---:|---:|---:|---:|---:|"
for mib in $mib_list; do
  for runs in $runs_list; do
    f=$(awk -v m="$mib" -v r="$runs" '$1 == m && $2 == r {print $3}' "$out/all.txt" | median)
    c=$(awk -v m="$mib" -v r="$runs" '$1 == m && $2 == r {print $4}' "$out/all.txt" | median)
    printf "| %s MiB | %s | %s | %s | %.2f |\n" "$mib" "$runs" "$f" "$c" "$(echo "$c / $f" | bc -l)"
  done
done
