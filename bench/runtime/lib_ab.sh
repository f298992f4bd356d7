#!/usr/bin/env bash
# Two builds of libsnapshot, side by side: commit latency (bench/runtime/commit.c `latency`) of the
# same binary run against library A and library B in turn, round after round, on one medium.
# Prints the median over rounds of each per-round median, and B/A.
#   bench/runtime/lib_ab.sh --lib-a DIR --lib-b DIR [--dir DIR] [--pmem-force 0|1] [--rounds N] [--lines "1 64"]
#                           [--throughput MIB] [--commit-ops "RUNS:MIB ..."] [--commits N] [--workloads BIN_DIR]
# --throughput MIB: instead of latency, one MIB-MiB commit per side and round (`commit throughput`,
# best of 5) next to the bare pmem_memcpy NT copy (ntcopy.c) of the same size, run in the same
# round: dirty GB/s of A and B, each as a share of the copy bandwidth.
# --commit-ops "1:1 3:64": instead, bench/runtime/commit_ops.c (N commits of RUNS scattered dirty
# lines in a MIB-MiB file, default 200,000) per side and round: ns per commit, to the nanosecond
# (the latency table's microseconds are too coarse for a change of a few percent).
# --workloads BIN_DIR: instead, the snapshot variant of bench/run.sh's workloads (BIN_DIR = a run's
# bin/snapshot, whose binaries find libsnapshot through RUNPATH, which LD_LIBRARY_PATH overrides),
# committing every operation, per side and round: SPS k = 1, 16 and 64, YCSB-A/F/G, B-tree insert
# (100,000 ops and keys), ns per op. --workloads-b BIN_DIR gives side B binaries of its own (built
# by another snapshot-cc: the pass's cost, with --lib-a and --lib-b the same library).
# Typical use: a change's cost, A = the library built from the commit before it (a git worktree,
# `swift build -c release --product snapshot`), B = build/lib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cc=${CC:-/usr/bin/clang-14}
dir=/dev/shm pmem=0 rounds=9 lines="1 64" liba="" libb="" tp_mib="" ops_cells="" commits=200000 wl_bin="" wl_bin_b=""
while [ $# -gt 0 ]; do
  case $1 in
    --lib-a) liba=$2; shift 2 ;;
    --lib-b) libb=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --pmem-force) pmem=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --throughput) tp_mib=$2; shift 2 ;;
    --commit-ops) ops_cells=$2; shift 2 ;;
    --commits) commits=$2; shift 2 ;;
    --workloads) wl_bin=$2; shift 2 ;;
    --workloads-b) wl_bin_b=$2; shift 2 ;;
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
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# The A/B table of FILE's per-round lines "side cell value": each side's median per cell, and B/A.
ab_table() {  # file first-column-heading unit cell...
  local file=$1 heading=$2 unit=$3 c a b; shift 3
  echo "| $heading | A: $unit | B: $unit | B / A |"
  echo "|---:|---:|---:|---:|"
  for c in "$@"; do
    a=$(awk -v c="$c" '$1=="a" && $2==c {print $3}' "$file" | median)
    b=$(awk -v c="$c" '$1=="b" && $2==c {print $3}' "$file" | median)
    printf "| %s | %s | %s | %.3f |\n" "$c" "$a" "$b" "$(echo "$b / $a" | bc -l)"
  done
}
if [ -n "$wl_bin" ]; then
  wl_bin_b=${wl_bin_b:-$wl_bin}
  wl() {  # side cell binary args...: one run's ns per op of the phase named by the cell
    local side=$1 cell=$2 bin=$3 phase; shift 3
    phase=${cell#*:}
    rm -rf "$work/wl"; mkdir -p "$work/wl"
    LD_LIBRARY_PATH=$lib "$bins/$bin" --dir "$work/wl" --ops 100000 --batch 1 "$@" |
      awk -F, -v s="$side" -v c="$cell" -v p="$phase" '$1 == "RESULT" && $3 == p {printf "%s %s %.0f\n", s, c, $7 / $6}' >> "$out/wl.txt"
  }
  for r in $(seq "$rounds"); do
    for side in a b; do
      lib=$liba bins=$wl_bin; [ $side = b ] && lib=$libb bins=$wl_bin_b
      wl $side sps-k1:swap-k1 sps --keys 100000 --swaps 1
      wl $side sps-k16:swap-k16 sps --keys 100000 --swaps 16
      wl $side sps-k64:swap-k64 sps --keys 100000 --swaps 64
      for m in a f g; do wl $side kv:ycsb-$m kv --keys 100000 --mix $m --value-size 64; done
      wl $side btree:insert btree
    done
  done
  echo "medium: $dir, PMEM_IS_PMEM_FORCE=$pmem, commit every op, $rounds rounds interleaved (A = $liba with $wl_bin, B = $libb with $wl_bin_b)"
  echo
  ab_table "$out/wl.txt" "workload:phase" "ns per op" sps-k1:swap-k1 sps-k16:swap-k16 sps-k64:swap-k64 kv:ycsb-a kv:ycsb-f kv:ycsb-g btree:insert
  exit 0
fi
if [ -n "$ops_cells" ]; then
  "$cc" -O2 -I"$src/Sources/CSnapshotShim/include" "$here/commit_ops.c" -o "$out/commit_ops" -L"$libb" -lsnapshot
  for r in $(seq "$rounds"); do
    for cell in $ops_cells; do
      for side in a b; do
        lib=$liba; [ $side = b ] && lib=$libb
        LD_LIBRARY_PATH=$lib "$out/commit_ops" "$work/ops.dat" "$commits" "${cell%%:*}" 1 "${cell##*:}" |
          awk -v s=$side -v c="$cell" '$1 == "commit_ns" {print s, c, $2}' >> "$out/ops.txt"
        rm -f "$work"/ops.dat "$work"/.ops.dat.snapshot-log
      done
    done
  done
  echo "medium: $dir, PMEM_IS_PMEM_FORCE=$pmem, commit_ops $commits commits, $rounds rounds interleaved (A = $liba, B = $libb)"
  echo
  ab_table "$out/ops.txt" "dirty runs : file MiB" "ns per commit" $ops_cells
  exit 0
fi
if [ -n "$tp_mib" ]; then
  "$cc" -O2 "$here/ntcopy.c" -o "$out/ntcopy" -lpmem
  for r in $(seq "$rounds"); do
    for side in a b; do
      lib=$liba; [ $side = b ] && lib=$libb
      LD_LIBRARY_PATH=$lib "$out/commit" throughput "$work/tp.dat" "$tp_mib" | awk -v s=$side '{print s, $6}' >> "$out/tp.txt"
      rm -f "$work"/tp.dat "$work"/.tp.dat.snapshot-log
    done
    "$out/ntcopy" "$work" "$tp_mib" | awk '$1 == "nt_GBps" {print "nt", $2}' >> "$out/tp.txt"
    rm -f "$work"/ntcopy.*
  done
  a=$(awk '$1=="a" {print $2}' "$out/tp.txt" | median); b=$(awk '$1=="b" {print $2}' "$out/tp.txt" | median)
  nt=$(awk '$1=="nt" {print $2}' "$out/tp.txt" | median)
  echo "medium: $dir, PMEM_IS_PMEM_FORCE=$pmem, one $tp_mib MiB commit, $rounds rounds interleaved (A = $liba, B = $libb)"
  echo
  echo "| measure | GB/s (median of rounds) | vs NT memcpy |"
  echo "|---|---:|---:|"
  printf "| pmem_memcpy NT + drain | %.2f | 100%% |\n" "$nt"
  printf "| A: commit, dirty bytes / time | %.2f | %.0f%% |\n" "$a" "$(echo "100 * $a / $nt" | bc -l)"
  printf "| B: commit, dirty bytes / time | %.2f | %.0f%% |\n" "$b" "$(echo "100 * $b / $nt" | bc -l)"
  echo
  echo "per round (side, GB/s):"; tr '\n' ' ' < "$out/tp.txt"; echo
  exit 0
fi
for r in $(seq "$rounds"); do
  for side in a b; do
    lib=$liba; [ $side = b ] && lib=$libb
    LD_LIBRARY_PATH=$lib "$out/commit" latency "$work/lat.dat" $lines | tail -n +2 | sed "s/^/$side /" >> "$out/all.txt"
    rm -f "$work"/lat.dat "$work"/.lat.dat.snapshot-log
  done
done
echo "medium: $dir, PMEM_IS_PMEM_FORCE=$pmem, $rounds rounds interleaved (A = $liba, B = $libb)"
echo
ab_table "$out/all.txt" "dirty lines" "commit (us)" $lines
