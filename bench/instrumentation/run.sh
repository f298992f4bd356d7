#!/bin/sh
# Instrumentation overhead on CPU-bound programs that write heavily to the heap but never map a
# file: clang-14 -O2 versus clang-14 -O2 with the Snapshot pass. Prints a Markdown table of
# per-program time and instruction-count ratios, their geomeans, and the compile-time overhead.
#
# Usage: bench/instrumentation/run.sh [--runs N] [--build-dir DIR]
#   Time: wall clock, median of N runs (default 5) per build, builds interleaved (noise hits both
#   alike). On a shared machine time ratios are noisy; instruction counts are not.
#   Instructions: valgrind --tool=callgrind (Ir), at a smaller input scale (deterministic).
#   Compile time: user+sys seconds to compile all programs, median of 3.
# Programs are linked with the stand-in runtime PassPlugin/standin/unmapped.c (range {0, 0}, as in
# any program that maps nothing), so the cost measured is the inline checks alone.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=5
BUILD="$ROOT/build"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--build-dir DIR]" >&2; exit 2 ;;
  esac
done
CLANG=${SNAPSHOT_CLANG_PATH:-/usr/bin/clang-14}
PLUGIN="$BUILD/lib/snapshot/SnapshotInstrument.so"
[ -f "$PLUGIN" ] || { echo "error: $PLUGIN not built (cmake --build build --target SnapshotInstrument)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "error: valgrind not installed (apt-get install valgrind)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshot-bench-instr.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PROGS="sort hash tree lz stencil"
# Input scales: timing (about 0.3-1 s each) and callgrind (about 20x smaller).
time_scale() { case $1 in sort) echo 4000000;; hash) echo 3000000;; tree) echo 1000000;; lz) echo 30000000;; stencil) echo 1500;; esac; }
cg_scale() { case $1 in sort) echo 200000;; hash) echo 150000;; tree) echo 60000;; lz) echo 300000;; stencil) echo 150;; esac; }

"$CLANG" -O2 -I"$ROOT/Sources/CSnapshotShim/include" -c "$ROOT/PassPlugin/standin/unmapped.c" -o "$WORK/stub.o"
for p in $PROGS; do
  "$CLANG" -O2 -c "$HERE/$p.c" -o "$WORK/$p.base.o"
  "$CLANG" -O2 -fpass-plugin="$PLUGIN" -c "$HERE/$p.c" -o "$WORK/$p.snap.o"
  "$CLANG" "$WORK/$p.base.o" "$WORK/stub.o" -o "$WORK/$p.base"
  "$CLANG" "$WORK/$p.snap.o" "$WORK/stub.o" -o "$WORK/$p.snap"
  # Same output from both builds, or the comparison is meaningless.
  a=$("$WORK/$p.base" "$(cg_scale $p)"); b=$("$WORK/$p.snap" "$(cg_scale $p)")
  [ "$a" = "$b" ] || { echo "error: $p output differs: '$a' vs '$b'" >&2; exit 1; }
done

# wall-clock seconds of one run (nanosecond clock; /usr/bin/time has only 10 ms resolution)
cpu_seconds() {
  t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", (b - a) / 1e9}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$@" >/dev/null 2>"$WORK/cg.err"
  grep -m1 "^summary:" "$WORK/cg.out" | awk '{print $2}'
}

echo "| program | base time (s) | snapshot time (s) | time ratio | base Ir | snapshot Ir | Ir ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in $PROGS; do
  : >"$WORK/tb"; : >"$WORK/ts"
  i=0
  while [ $i -lt "$RUNS" ]; do
    cpu_seconds "$WORK/$p.base" "$(time_scale $p)" >>"$WORK/tb"
    cpu_seconds "$WORK/$p.snap" "$(time_scale $p)" >>"$WORK/ts"
    i=$((i + 1))
  done
  tb=$(median <"$WORK/tb"); ts=$(median <"$WORK/ts")
  ib=$(instructions "$WORK/$p.base" "$(cg_scale $p)"); is=$(instructions "$WORK/$p.snap" "$(cg_scale $p)")
  echo "$p $tb $ts $ib $is" >>"$WORK/results"
  awk -v p=$p -v tb=$tb -v ts=$ts -v ib=$ib -v is=$is \
    'BEGIN {printf "| %s | %.3f | %.3f | %.3f | %d | %d | %.3f |\n", p, tb, ts, ts/tb, ib, is, is/ib}'
done
awk '{lt += log($3/$2); li += log($5/$4); n++; if ($3/$2 > wt) wt = $3/$2; if ($5/$4 > wi) wi = $5/$4}
     END {printf "| **geomean** | | | **%.3f** | | | **%.3f** |\n| worst | | | %.3f | | | %.3f |\n",
          exp(lt/n), exp(li/n), wt, wi}' "$WORK/results"

# Compile-time overhead: all programs, -O2, with and without the pass.
: >"$WORK/cb"; : >"$WORK/cs"
for i in 1 2 3; do
  s=$( { /usr/bin/time -f "%U %S" sh -c "for p in $PROGS; do '$CLANG' -O2 -c '$HERE/'\$p.c -o '$WORK/c.o'; done" ; } 2>&1 | tail -1 | awk '{print $1+$2}')
  echo "$s" >>"$WORK/cb"
  s=$( { /usr/bin/time -f "%U %S" sh -c "for p in $PROGS; do '$CLANG' -O2 -fpass-plugin='$PLUGIN' -c '$HERE/'\$p.c -o '$WORK/c.o'; done" ; } 2>&1 | tail -1 | awk '{print $1+$2}')
  echo "$s" >>"$WORK/cs"
done
cb=$(median <"$WORK/cb"); cs=$(median <"$WORK/cs")
awk -v b=$cb -v s=$cs 'BEGIN {printf "\nCompile time (-O2, %s programs, user+sys, median of 3): %.3f s -> %.3f s (%+.1f%%)\n", 5, b, s, 100*(s/b-1)}'
