#!/usr/bin/env bash
# bench/run.sh — builds the workloads for every variant and runs them side by side.
#
#   bench/run.sh --quick            small sizes, 5 repeats (under 5 minutes on 2 cores)  [make bench]
#   bench/run.sh --full             1M operations / 1M keys, 5 repeats (about an hour)   [make bench-full]
# Options (after the profile; each overrides it):
#   --dir DIR          medium for the data files (default /dev/shm, tmpfs); say a DAX mount or a disk
#   --pmem-force 0|1   PMEM_IS_PMEM_FORCE for libpmem users (default 1 on the default tmpfs, else 0)
#   --variants "..."   subset of: native snapshot pmdk msync wal msync-dax wal-dax snapshot-noop
#                      snapshot-check
#   --workloads "..."  subset of: list btree kv sps      --mixes "a b c d e f g"
#   --sps-swaps "..."  sps: pairs swapped per transaction (default "1 4 16 64")
#   --batches "..."    operations per commit, e.g. "1 8 64 512"
#   --ops N --keys N --repeats N --value-size N
#   --out DIR          where results go (default build/bench-results/<profile>-<UTC time>)
#   --no-build         reuse binaries already in OUT/bin
#   --publish          also write bench/RESULTS.md and bench/results/ (default for --full)
#   --timeout S        kill a run after S seconds (default 300 quick, 3600 full) and count it failed
# Writes OUT/{raw.csv,summary.csv,results.md,meta.txt,*.png}. Variants are interleaved (rotating
# order per repeat) so drifting machine load hits all of them alike; each cell is the median.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cmdline="bench/run.sh $*"

profile=quick
case ${1:-} in --quick) profile=quick; shift ;; --full) profile=full; shift ;; esac
if [ $profile = quick ]; then
  ops=100000 keys=100000 repeats=5 batches="1 64" mixes="a b c d e f g"
else
  ops=1000000 keys=1000000 repeats=5 batches="1 8 64 512" mixes="a b c d e f g"
fi
dir=/dev/shm pmem_force="" variants="native snapshot pmdk msync wal msync-dax wal-dax snapshot-noop snapshot-check"
workloads="list btree kv sps" sps_swaps="1 4 16 64" value_size=64 out="" build=1 publish="" timeout=""
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --pmem-force) pmem_force=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --mixes) mixes=$2; shift 2 ;;
    --sps-swaps) sps_swaps=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --publish) publish=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -d "$dir" ] && [ -w "$dir" ] || { echo "run.sh: --dir $dir is not a writable directory" >&2; exit 2; }
[ -n "$timeout" ] || { [ $profile = quick ] && timeout=300 || timeout=3600; }
if [ -z "$pmem_force" ]; then [ "$dir" = /dev/shm ] && pmem_force=1 || pmem_force=0; fi
default_out=0
if [ -z "$out" ]; then out=$repo/build/bench-results/$profile-$(date -u +%Y%m%dT%H%M%SZ); default_out=1; fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- build ----------------------------------------------------------------------------------------
if [ $build = 1 ]; then
  echo "== building variants: $variants"
  # shellcheck disable=SC2086
  "$here/build.sh" "$out/bin" $variants || { echo "run.sh: nothing built" >&2; exit 1; }
fi
runnable=()
for v in $variants; do
  okv=1
  for w in $workloads; do [ -x "$out/bin/$v/$w" ] || okv=0; done
  if [ $okv = 1 ]; then runnable+=("$v"); else echo "== skipping $v: not built (see $out/bin/logs/)"; fi
done
[ ${#runnable[@]} -gt 0 ] || { echo "run.sh: no variant built" >&2; exit 1; }

# Data files go to a private directory on the medium, removed at the end even after a failed or
# killed run (a crashed variant leaves its heap, log or pool behind).
work=$dir/snapbench-run-$$
mkdir -p "$work" || { echo "run.sh: cannot create $work" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT

# ---- record the setup -----------------------------------------------------------------------------
{
  echo "command: $cmdline"
  echo "profile: $profile"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$( [ -n "$(git -C "$repo" status --porcelain 2>/dev/null | head -1)" ] && echo ' (+ uncommitted changes)')"
  echo "machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(nproc) cores; $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "medium: $dir ($(df -T "$dir" | awk 'NR==2 {print $2 " on " $1}')), PMEM_IS_PMEM_FORCE=$pmem_force"
  echo "sizes: ops=$ops keys=$keys value_size=$value_size repeats=$repeats batches=[$batches] mixes=[$mixes] sps_swaps=[$sps_swaps]"
  echo "variants: ${runnable[*]}"
  echo "compiler: $(/usr/bin/clang-14 --version | head -1); -O2"
} >"$out/meta.txt"
# "TAG,lines,ns[,mode]" lines from several probe runs -> "1 line X ns, 4 lines Y ns, ..." keeping
# the best (lowest) of the runs: the probes measure a floor, and load only ever adds to it.
best_of() {
  awk -F, -v tag="$1" '$1 == tag { if (!($2 in b) || $3 < b[$2]) b[$2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 }; m = $4 }
    END { for (i = 0; i < n; i++) printf "%s%s line%s %s ns", (i ? ", " : ""), order[i], (order[i] == 1 ? "" : "s"), b[order[i]];
          if (n && m != "") printf " (libpmem %s mode; best of 3 runs)", m; else if (n) printf " (best of 3 runs)" }'
}
# Probe iterations: a page-cache medium syncs to the device on every commit (milliseconds each).
[ "$pmem_force" = 1 ] && probe_iters=50000 || probe_iters=200
if [ -x "$out/bin/tools/commit_floor" ]; then
  # Minimum cost of one failure-atomic commit of N lines with libpmem on this medium: the floor
  # under snapshot's (and pmdk's) per-commit cost.
  floor=$(for _ in 1 2 3; do PMEM_IS_PMEM_FORCE=$pmem_force "$out/bin/tools/commit_floor" "$work" $probe_iters 2>/dev/null; done |
          best_of "FLOOR")
  [ -n "$floor" ] && echo "commit floor (undo log + copy + invalidate, 3 ordering points): $floor" >>"$out/meta.txt"
fi
if [ -x "$out/bin/tools/commit_cost" ] && [[ " ${runnable[*]} " == *" snapshot "* ]]; then
  # The same commits through libsnapshot (write N random lines + msync): the gap to the floor is
  # the runtime's own per-commit overhead.
  cost=$(for _ in 1 2 3; do PMEM_IS_PMEM_FORCE=$pmem_force SNAPSHOT_QUIET=1 "$out/bin/tools/commit_cost" "$work" $probe_iters 2>/dev/null; done |
         best_of "COMMIT")
  [ -n "$cost" ] && echo "snapshot msync commit (N random dirty lines): $cost" >>"$out/meta.txt"
fi
sed 's/^/   /' "$out/meta.txt"

# ---- run ------------------------------------------------------------------------------------------
configs=()
for b in $batches; do
  for w in $workloads; do
    if [ "$w" = kv ]; then for m in $mixes; do configs+=("kv:$m:$b"); done
    elif [ "$w" = sps ]; then for k in $sps_swaps; do configs+=("sps:$k:$b"); done
    else configs+=("$w:-:$b"); fi
  done
done
nv=${#runnable[@]}
total=$((repeats * ${#configs[@]} * nv))
raw=$out/raw.csv
echo "workload,phase,variant,batch,ops,ns,checksum,repeat" >"$raw"
export PMEM_IS_PMEM_FORCE=$pmem_force SNAPSHOT_QUIET=1
n=0 failures=0 t_start=$(date +%s)
for ((r = 1; r <= repeats; r++)); do
  for c in "${configs[@]}"; do
    IFS=: read -r w m b <<<"$c"
    for ((i = 0; i < nv; i++)); do
      v=${runnable[$(((i + r + n / nv) % nv))]}
      n=$((n + 1))
      args=(--dir "$work" --ops "$ops" --batch "$b")
      [ "$w" = kv ] && args+=(--keys "$keys" --mix "$m" --value-size "$value_size")
      [ "$w" = sps ] && args+=(--keys "$keys" --swaps "$m")
      label="$w$([ "$w" = kv ] && echo " ycsb-$m")$([ "$w" = sps ] && echo " k=$m") batch=$b $v (repeat $r/$repeats)"
      t0=$(date +%s.%N)
      if res=$(timeout "$timeout" "$out/bin/$v/$w" "${args[@]}" 2>"$out/last-stderr.txt"); then
        grep '^RESULT,' <<<"$res" | sed "s/^RESULT,//; s/\$/,$r/" >>"$raw"
        status=ok
      else
        rc=$?
        failures=$((failures + 1))
        [ $rc = 124 ] && echo "timed out after $timeout s" >>"$out/last-stderr.txt"
        status="FAILED (exit $rc): $(tail -1 "$out/last-stderr.txt")"
        find "$work" -mindepth 1 -delete 2>/dev/null
        { echo "== $label"; cat "$out/last-stderr.txt"; } >>"$out/failures.txt"
      fi
      el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
      elapsed=$(($(date +%s) - t_start))
      eta=$((elapsed * (total - n) / n))
      printf '[%4d/%d %3ds, ~%ds left] %-45s %6ss %s\n' "$n" "$total" "$elapsed" "$eta" "$label" "$el" "$status"
    done
  done
done
rm -f "$out/last-stderr.txt"
echo "== $n runs in $(($(date +%s) - t_start)) s, $failures failed$([ $failures -gt 0 ] && echo " (see $out/failures.txt)")"

# ---- report ---------------------------------------------------------------------------------------
report_args=("$out")
[ -z "$publish" ] && [ $profile = full ] && [ $default_out = 1 ] && publish=1
[ "$publish" = 1 ] && report_args+=(--publish "$here")
python3 "$here/report.py" "${report_args[@]}"
rc=$?
[ $failures -eq 0 ] || rc=1
exit $rc
