#!/usr/bin/env bash
# bench/programs/kyoto.sh — Kyoto Cabinet 1.2.79 (Debian source) HashDB: Kyoto's own WAL
# transactions in a plain build against a snapshot-c++ build with transactions off.
#   A (kyoto-tx)   plain build (clang++-14 -O2, no Snapshot); begin_transaction(true) /
#                  end_transaction(true) around each batch of N set()s (Kyoto's WAL + sync)
#   B (snapshot)   the same sources built with snapshot-c++; no transactions;
#                  db.synchronize(true) after every N set()s (msync = libsnapshot's atomic commit)
# Workload (kc_bench.cc): OPS random set()s, 8-byte keys from a space of 4*OPS, 100-byte values,
# tune_map(256 MiB) so the whole file is mapped. Only the set loop is timed.
# --workload insert (default): keys from a space of 4*OPS, mostly inserts, the file grows;
# --workload update: OPS keys stored first (untimed), the timed sets overwrite them in place.
# --with-plain-sync adds C (plain-sync): the plain build doing what B does (synchronize(true)
# every N sets, plain msync: not failure-atomic), i.e. the cost of Kyoto's synchronize itself.
# Variants are interleaved per repeat; the table gives medians and A/B per N and medium.
#
# Options: --ops N (default 3000)  --batches "1 10 100 1000"  --repeats R (3)
#          --media "/dev/shm /var/tmp"  --workload insert|update  --with-plain-sync  --out DIR (default build/bench-results/kyoto-<time>)
# Kyoto is built once per flavour into build/kyoto-bench/{plain,snapshot} (needs zlib1g-dev
# liblzo2-dev liblzma-dev and a deb-src entry for `apt-get source kyotocabinet`).
# Environment: SNAPSHOT_BUILD (default <repo>/build), CXX_BASE (default clang++-14).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SNAPSHOT_BUILD=${SNAPSHOT_BUILD:-$repo/build}
CXX_BASE=${CXX_BASE:-$(command -v clang++-14 || echo /usr/bin/clang++-14)}
CC_BASE=${CC_BASE:-$(command -v clang-14 || echo /usr/bin/clang-14)}
SCXX=$SNAPSHOT_BUILD/bin/snapshot-c++
SCC=$SNAPSHOT_BUILD/bin/snapshot-cc
ops=3000 batches="1 10 100 1000" repeats=3 media="/dev/shm /var/tmp" out="" workload=insert plainsync=0
while [ $# -gt 0 ]; do
  case $1 in
    --ops) ops=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --media) media=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    --with-plain-sync) plainsync=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case $workload in insert) preload=0 ;; update) preload=1 ;; *) echo "--workload insert|update" >&2; exit 2 ;; esac
[ -x "$SCXX" ] || { echo "no snapshot-c++ at $SCXX: run make build first" >&2; exit 1; }
cache=$SNAPSHOT_BUILD/kyoto-bench
out=${out:-$SNAPSHOT_BUILD/bench-results/kyoto-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$cache" "$out"

# Pristine Debian source, fetched once.
if [ ! -f "$cache/src/.complete" ]; then
  rm -rf "$cache/src" "$cache/src.tmp"; mkdir -p "$cache/src.tmp"
  (cd "$cache/src.tmp" && apt-get source -qq kyotocabinet >fetch.log 2>&1) ||
    { cat "$cache/src.tmp/fetch.log" >&2; echo "apt-get source kyotocabinet failed" >&2; exit 1; }
  mv "$(find "$cache/src.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)" "$cache/src"
  touch "$cache/src/.complete"; rm -rf "$cache/src.tmp"
fi

build_kyoto() { # FLAVOUR CC CXX   -> $cache/FLAVOUR/libkyotocabinet.a (built once)
  local d=$cache/$1
  [ -f "$d/.complete" ] && return 0
  echo "building Kyoto Cabinet ($1, CXX=$3) in $d"
  rm -rf "$d"; cp -r "$cache/src" "$d"; rm -f "$d/.complete"
  # The clang fix of Tests/programs/kyotocabinet.sh: a void* compared with int constants.
  sed -i 's/__sync_bool_compare_and_swap(&opq_, 0, 1)/__sync_bool_compare_and_swap(\&opq_, (void*)0, (void*)1)/' "$d/kcthread.cc"
  grep -q 'compare_and_swap(&opq_, (void\*)0, (void\*)1)' "$d/kcthread.cc" || { echo "the clang fix did not apply" >&2; exit 1; }
  (cd "$d" && nice -n 5 ./configure CC="$2" CXX="$3" --enable-zlib --enable-lzo --enable-lzma >configure.log 2>&1) ||
    { tail -20 "$d/configure.log" >&2; exit 1; }
  (cd "$d" && nice -n 5 make -j2 libkyotocabinet.a >make.log 2>&1) || { tail -30 "$d/make.log" >&2; exit 1; }
  touch "$d/.complete"
}
build_kyoto plain "$CC_BASE" "$CXX_BASE"
build_kyoto snapshot "$SCC" "$SCXX"
grep -qF "$SCXX" "$cache/snapshot/make.log" || { echo "the snapshot build did not go through snapshot-c++" >&2; exit 1; }

libs=(-lz -llzo2 -llzma -lpthread)
"$CXX_BASE" -O2 -I"$cache/plain" "$here/kc_bench.cc" "$cache/plain/libkyotocabinet.a" "${libs[@]}" -o "$out/kc_bench-plain"
"$SCXX" -O2 -I"$cache/snapshot" "$here/kc_bench.cc" "$cache/snapshot/libkyotocabinet.a" "${libs[@]}" -o "$out/kc_bench-snapshot"

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  for m in $media; do echo "medium: $m ($(df -T "$m" | awk 'NR==2 {print $2 " on " $1}'))"; done
  echo "ops per cell: $ops, batches: $batches, repeats: $repeats, keys 8 B, values 100 B, tune_map 256 MiB, workload: $workload"
} >"$out/meta.txt"
cat "$out/meta.txt"

raw=$out/raw.csv
echo "medium,variant,batch,ops,ns,records,checksum" >"$raw"
run_one() { # MEDIUM VARIANT N
  local dir=$1 v=$2 n=$3 db line
  db=$dir/kyoto-bench-$$.kch
  rm -f "$db" "$db.wal"
  if [ "$v" = kyoto-tx ]; then
    line=$("$out/kc_bench-plain" tx "$db" "$ops" "$n" 100 268435456 1 "$preload")
  elif [ "$v" = plain-sync ]; then
    line=$("$out/kc_bench-plain" sync "$db" "$ops" "$n" 100 268435456 1 "$preload")
  else
    local force=0; [ "$dir" = /dev/shm ] && force=1
    line=$(PMEM_IS_PMEM_FORCE=$force SNAPSHOT_QUIET=1 "$out/kc_bench-snapshot" sync "$db" "$ops" "$n" 100 268435456 1 "$preload")
  fi
  rm -f "$db" "$db.wal" "$db".snapshot* 2>/dev/null || true
  IFS=, read -r _ _ _ b o ns rec sum <<<"$line"
  echo "$dir,$v,$b,$o,$ns,$rec,$sum" >>"$raw"
  printf '  %-9s %-9s N=%-5s %8.3f s\n' "$dir" "$v" "$n" "$(echo "$ns / 1000000000" | bc -l)"
}
for r in $(seq "$repeats"); do
  echo "repeat $r"
  for m in $media; do
    for n in $batches; do
      if [ $((r % 2)) -eq 1 ]; then run_one "$m" kyoto-tx "$n"; run_one "$m" snapshot "$n"
      else run_one "$m" snapshot "$n"; run_one "$m" kyoto-tx "$n"; fi
      if [ "$plainsync" = 1 ]; then run_one "$m" plain-sync "$n"; fi
    done
  done
done

python3 - "$raw" "$out/results.md" "$ops" <<'PY'
import csv, sys, statistics
raw, md, ops = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(raw)))
cells, sums = {}, {}
for r in rows:
    cells.setdefault((r['medium'], int(r['batch']), r['variant']), []).append(int(r['ns']))
    sums.setdefault((r['medium'], int(r['batch'])), set()).add(r['checksum'])
bad = [k for k, s in sums.items() if len(s) != 1]
out = ["| medium | N | A: plain + Kyoto tx (WAL+sync) | B: snapshot-c++, synchronize | A per op | B per op | A/B | A min–max | B min–max |",
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
for medium in dict.fromkeys(r['medium'] for r in rows):
    for n in sorted({k[1] for k in cells if k[0] == medium}):
        ca, cb = cells[(medium, n, 'kyoto-tx')], cells[(medium, n, 'snapshot')]
        a, b = statistics.median(ca) / 1e9, statistics.median(cb) / 1e9
        out.append(f"| {medium} | {n} | {a:.3f} s | {b:.3f} s | {a/ops*1e6:.1f} µs | {b/ops*1e6:.1f} µs | {a/b:.2f}x"
                   f" | {min(ca)/1e9:.3f}–{max(ca)/1e9:.3f} s | {min(cb)/1e9:.3f}–{max(cb)/1e9:.3f} s |")
if any(k[2] == 'plain-sync' for k in cells):
    out += ["", "| medium | N | C: plain build, synchronize (plain msync, not atomic) | C per op | B/C (Snapshot's price over plain msync) |",
            "|---|---:|---:|---:|---:|"]
    for medium in dict.fromkeys(r['medium'] for r in rows):
        for n in sorted({k[1] for k in cells if k[0] == medium}):
            c = statistics.median(cells[(medium, n, 'plain-sync')]) / 1e9
            b = statistics.median(cells[(medium, n, 'snapshot')]) / 1e9
            out.append(f"| {medium} | {n} | {c:.3f} s | {c/ops*1e6:.1f} µs | {b/c:.2f} |")
out.append("")
out.append("checksums: " + ("all cells agree between A and B" if not bad else "DISAGREE in " + repr(bad)))
open(md, 'w').write("\n".join(out) + "\n")
print("\n".join(out))
sys.exit(1 if bad else 0)
PY
echo "results: $out/results.md (raw: $raw)"
