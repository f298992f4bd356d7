#!/usr/bin/env bash
# bench/build.sh OUT [variant...] — builds every workload for each variant into OUT/<variant>/.
#
# The workload sources are the same for every variant; only -DVARIANT_* and the compiler differ:
#   native, msync, wal, pmdk          clang-14 (the compiler snapshot-cc drives), -O2
#   msync-dax, wal-dax                same, with the DAX msync cost model (workloads/dax.h)
#   snapshot                          snapshot-cc -O2 (instrumented, linked with libsnapshot)
#   snapshot-noop, snapshot-check     snapshot-cc -O2 -c, linked by clang-14 with ablation.c instead
#                                     of libsnapshot (runtime entry no-op / range check only)
# A variant that fails to build is reported and skipped (exit status 0 if at least one built);
# its compiler output is in OUT/logs/<variant>-<workload>.log.
# Environment: SNAPSHOT_BUILD (default <repo>/build), CC_BASE (default clang-14),
#              SNAPSHOT_CC (default $SNAPSHOT_BUILD/bin/snapshot-cc).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:?usage: bench/build.sh OUT [variant...]}
shift
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(native msync wal pmdk snapshot snapshot-noop snapshot-check msync-dax wal-dax)
SNAPSHOT_BUILD=${SNAPSHOT_BUILD:-$repo/build}
CC_BASE=${CC_BASE:-$(command -v clang-14 || echo /usr/bin/clang-14)}
SNAPSHOT_CC=${SNAPSHOT_CC:-$SNAPSHOT_BUILD/bin/snapshot-cc}
CFLAGS=(-O2 -gdwarf-4 -std=gnu11 -Wall -Wextra -Wno-unused-parameter)
src=$here/workloads
workloads=(list btree kv sps)
mkdir -p "$out/logs"

sources_for() { # workload variant
  local s=("$src/$1.c" "$src/bench.c" "$src/persist.c")
  [ "$1" = kv ] && s+=("$src/ycsb.c")
  case $2 in wal|wal-dax) s+=("$src/wal.c") ;; esac
  case $2 in msync-dax|wal-dax) s+=("$src/dax.c") ;; esac
  echo "${s[@]}"
}

define_for() {
  case $1 in
    native) echo -DVARIANT_NATIVE ;; msync) echo -DVARIANT_MSYNC ;; wal) echo -DVARIANT_WAL ;;
    pmdk) echo -DVARIANT_PMDK ;; snapshot) echo -DVARIANT_SNAPSHOT ;;
    msync-dax) echo -DVARIANT_MSYNC_DAX ;; wal-dax) echo -DVARIANT_WAL_DAX ;;
    snapshot-noop) echo -DVARIANT_ABLATE_NOOP ;; snapshot-check) echo -DVARIANT_ABLATE_CHECK ;;
    *) return 1 ;;
  esac
}

build_one() { # variant workload -> 0 on success
  local v=$1 w=$2 def log=$out/logs/$1-$2.log bin=$out/$1/$2
  def=$(define_for "$v") || { echo "build: unknown variant $v" >&2; return 1; }
  mkdir -p "$out/$v"
  # shellcheck disable=SC2046
  case $v in
    native|msync|wal)
      "$CC_BASE" "${CFLAGS[@]}" "$def" $(sources_for "$w" "$v") -o "$bin" -lm >"$log" 2>&1 ;;
    pmdk)
      "$CC_BASE" "${CFLAGS[@]}" "$def" $(sources_for "$w" "$v") -o "$bin" -lpmemobj -lm >"$log" 2>&1 ;;
    msync-dax|wal-dax)
      "$CC_BASE" "${CFLAGS[@]}" "$def" $(sources_for "$w" "$v") -o "$bin" -lpmem -lm >"$log" 2>&1 ;;
    snapshot)
      [ -x "$SNAPSHOT_CC" ] || { echo "no snapshot-cc at $SNAPSHOT_CC" >"$log"; return 1; }
      "$SNAPSHOT_CC" "${CFLAGS[@]}" "$def" $(sources_for "$w" "$v") -o "$bin" -lm >"$log" 2>&1 ;;
    snapshot-noop|snapshot-check)
      [ -x "$SNAPSHOT_CC" ] || { echo "no snapshot-cc at $SNAPSHOT_CC" >"$log"; return 1; }
      local objs=() f o
      for f in $(sources_for "$w" "$v"); do
        o=$out/$v/$(basename "$f" .c)-$w.o
        "$SNAPSHOT_CC" "${CFLAGS[@]}" "$def" -c "$f" -o "$o" >>"$log" 2>&1 || return 1
        objs+=("$o")
      done
      "$CC_BASE" "${CFLAGS[@]}" -I"$SNAPSHOT_BUILD/include" -I"$repo/Sources/CSnapshotShim/include" \
        -c "$src/ablation.c" -o "$out/$v/ablation.o" >>"$log" 2>&1 || return 1
      "$CC_BASE" "${objs[@]}" "$out/$v/ablation.o" -o "$bin" -lm >>"$log" 2>&1 ;;
  esac
}

# The commit-floor probe (libpmem only; see workloads/commit_floor.c).
mkdir -p "$out/tools"
"$CC_BASE" "${CFLAGS[@]}" "$src/commit_floor.c" -o "$out/tools/commit_floor" -lpmem \
  >"$out/logs/commit_floor.log" 2>&1 || echo "build: commit_floor FAILED (see $out/logs/commit_floor.log)" >&2

# The same commit measured through libsnapshot (see workloads/commit_cost.c).
if [[ " ${variants[*]} " == *" snapshot "* ]] && [ -x "$SNAPSHOT_CC" ]; then
  "$SNAPSHOT_CC" "${CFLAGS[@]}" "$src/commit_cost.c" -o "$out/tools/commit_cost" \
    >"$out/logs/commit_cost.log" 2>&1 || echo "build: commit_cost FAILED (see $out/logs/commit_cost.log)" >&2
fi

built=0
for v in "${variants[@]}"; do
  ok=1
  for w in "${workloads[@]}"; do
    if build_one "$v" "$w"; then built=$((built + 1)); else ok=0; echo "build: $v/$w FAILED (see $out/logs/$v-$w.log)" >&2; fi
  done
  [ $ok = 1 ] && echo "build: $v ok" >&2
done
[ $built -gt 0 ]
