#!/usr/bin/env bash
# bench/profile.sh BINDIR VARIANT WORKLOAD [workload args...] — where does a variant spend its
# instructions? Runs the workload under valgrind's callgrind (perf is often unavailable in
# containers) and prints the inclusive and self top functions. Use small sizes (--ops 20000):
# callgrind is ~50x slower. Example:
#   bench/profile.sh build/bench-results/quick-*/bin snapshot btree --ops 20000
# Instruction counts, not time: cache misses, fences and flushes are cheap for callgrind and
# expensive on hardware, so read it next to the timed results.
set -euo pipefail
bindir=${1:?usage: bench/profile.sh BINDIR VARIANT WORKLOAD [args...]}
variant=${2:?variant}
workload=${3:?workload}
shift 3
out=$(mktemp -d)
# valgrind 3.19 cannot read the DWARF 5 that Swift emits into libsnapshot.so: load a copy
# without debug info from LD_LIBRARY_PATH (beats RUNPATH; symbols stay, functions keep names).
preload=""
lib=$(ldd "$bindir/$variant/$workload" | awk '/libsnapshot\.so/ {print $3}')
if [ -n "$lib" ]; then
  objcopy --strip-debug "$lib" "$out/libsnapshot.so"
  preload=$out/libsnapshot.so
fi
LD_LIBRARY_PATH=${preload:+$out} PMEM_IS_PMEM_FORCE=${PMEM_IS_PMEM_FORCE:-1} SNAPSHOT_QUIET=1 \
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" -q \
  "$bindir/$variant/$workload" "$@"
callgrind_annotate --inclusive=yes "$out/cg.out" >"$out/inclusive.txt" 2>/dev/null
callgrind_annotate "$out/cg.out" >"$out/self.txt" 2>/dev/null
echo "== $variant/$workload $*: inclusive (top 25)"
sed -n '/^Ir/,$p' "$out/inclusive.txt" | head -30
echo "== self (top 25)"
sed -n '/^Ir/,$p' "$out/self.txt" | head -30
echo "(callgrind output kept in $out/cg.out)"
