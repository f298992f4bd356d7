#!/usr/bin/env bash
# bench/programs/boost_ipc.sh — Boost.Interprocess managed_mapped_file, unmodified Boost usage:
# inserts into a persistent map<uint64,uint64> (Tests/programs/boost_map.cc `bench` mode), a flush
# every K inserts, plain build against snapshot-c++ build, on tmpfs and on a disk file system.
#
#   bench/programs/boost_ipc.sh [--repeats R] [--ks "1 10 100 1000"] [--dirs "/dev/shm /var/tmp"] [--out DIR]
#
# Variants (same source, -O2):
#   plain-async  clang++; flush() as Boost 1.74 does it: msync(MS_ASYNC) of the whole segment,
#                which on Linux starts no write-back: neither durable nor atomic (a lower bound)
#   plain-sync   clang++; msync(MS_SYNC) of the whole segment instead of flush(): durable, not atomic
#   snapshot     snapshot-c++; flush() (Snapshot commits on MS_ASYNC too): durable and atomic
# Each cell is the median ns/insert of R runs (each a fresh file), variants and K interleaved within
# every repeat (the order of the variants rotates). N inserts per run depends on K and the medium
# (below) so that a run takes 0.05–0.5 s. Writes DIR/results.md and DIR/raw.csv
# (default DIR: build/bench-results/boost-ipc-<time>/). PMEM_IS_PMEM_FORCE is left unset: on tmpfs
# libsnapshot's log takes the page-cache path, as on the disk.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SNAPSHOT_BUILD=${SNAPSHOT_BUILD:-$repo/build}
repeats=5 ks="1 10 100 1000" dirs="/dev/shm /var/tmp" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --repeats) repeats=$2; shift 2 ;;
    --ks) ks=$2; shift 2 ;;
    --dirs) dirs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "usage: $0 [--repeats R] [--ks LIST] [--dirs LIST] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -f /usr/include/boost/interprocess/managed_mapped_file.hpp ] ||
  { echo "boost_ipc: libboost-dev is missing: scripts/install-deps.sh --programs" >&2; exit 2; }
conf=$SNAPSHOT_BUILD/lib/snapshot/toolchain.conf
[ -x "$SNAPSHOT_BUILD/bin/snapshot-c++" ] && [ -f "$conf" ] || { echo "boost_ipc: build first (make build)" >&2; exit 2; }
CXX_BASE=${CXX_BASE:-$(sed -n 's/^clangxx=//p' "$conf")}
out=${out:-$repo/build/bench-results/boost-ipc-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out/bin"
src=$repo/Tests/programs/boost_map.cc
"$CXX_BASE" -O2 -o "$out/bin/plain" "$src" -lpthread
"$SNAPSHOT_BUILD/bin/snapshot-c++" -O2 -o "$out/bin/snapshot" "$src" -lpthread
export BOOST_MAP_MIB=32

inserts() {  # K DIR -> N
  local fast=1
  [ "$(stat -f -c %T "$2")" = tmpfs ] || fast=0
  case $1 in
    1) [ $fast = 1 ] && echo 20000 || echo 1000 ;;
    10) [ $fast = 1 ] && echo 50000 || echo 5000 ;;
    100) [ $fast = 1 ] && echo 100000 || echo 20000 ;;
    *) [ $fast = 1 ] && echo 100000 || echo 50000 ;;
  esac
}
run_one() {  # VARIANT DIR K N -> ns/insert
  local f=$2/boost-ipc-bench.$$ r
  case $1 in
    plain-async) r=$("$out/bin/plain" bench "$f" "$4" "$3") ;;
    plain-sync) r=$("$out/bin/plain" bench "$f" "$4" "$3" --sync) ;;
    snapshot) r=$("$out/bin/snapshot" bench "$f" "$4" "$3") ;;
  esac
  rm -f "$f" "$f".* "$2"/.boost-ipc-bench.$$* 2>/dev/null || true
  echo "$r"
}
variants=(plain-async plain-sync snapshot)
{
  echo "date=$(date -u +%FT%TZ) commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo ?)"
  echo "machine=$(uname -srm) cpus=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
  for d in $dirs; do echo "medium $d: $(df -T "$d" | awk 'NR==2 {print $2, $1}')"; done
  echo "plain compiler: $CXX_BASE; repeats=$repeats; segment ${BOOST_MAP_MIB} MiB"
} >"$out/meta.txt"
echo "repeat,medium,k,n,variant,ns_per_insert" >"$out/raw.csv"
for rep in $(seq "$repeats"); do
  for d in $dirs; do
    for k in $ks; do
      n=$(inserts "$k" "$d")
      for j in 0 1 2; do
        v=${variants[$(((j + rep + k) % 3))]}
        ns=$(run_one "$v" "$d" "$k" "$n")
        echo "$rep,$d,$k,$n,$v,$ns" >>"$out/raw.csv"
      done
    done
  done
  echo "boost_ipc: repeat $rep/$repeats done" >&2
done
python3 - "$out" <<'PY'
import csv, statistics, sys, collections
out = sys.argv[1]
cells = collections.defaultdict(list)
ns_of = {}
for r in csv.DictReader(open(f"{out}/raw.csv")):
    cells[(r["medium"], int(r["k"]), r["variant"])].append(float(r["ns_per_insert"]))
    ns_of[(r["medium"], int(r["k"]))] = r["n"]
meta = open(f"{out}/meta.txt").read().strip()
lines = ["# Boost.Interprocess managed_mapped_file: inserts with a flush every K", "", "```", meta, "```", "",
         "Median ns per insert (flush included); ratios are snapshot time / plain time.", "",
         "| medium | K | inserts | plain-async | plain-sync | snapshot | snapshot / plain-sync | snapshot / plain-async |",
         "|---|---:|---:|---:|---:|---:|---:|---:|"]
def fmt(x): return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"
for (medium, k) in sorted(ns_of, key=lambda t: (t[0], t[1])):
    m = {v: statistics.median(cells[(medium, k, v)]) for v in ("plain-async", "plain-sync", "snapshot")}
    lines.append(f"| {medium} | {k} | {ns_of[(medium, k)]} | {fmt(m['plain-async'])} | {fmt(m['plain-sync'])} | "
                 f"{fmt(m['snapshot'])} | {m['snapshot'] / m['plain-sync']:.2f} | {m['snapshot'] / m['plain-async']:.2f} |")
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "boost_ipc: $out/results.md" >&2
