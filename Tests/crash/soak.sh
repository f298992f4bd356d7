#!/usr/bin/env bash
# Soak profile of the crash harness: long multi-threaded runs, thousands of kills, tens of
# thousands of power-failure states. Usage: Tests/crash/soak.sh [BUILD_DIR] [extra harness args]
# SOAK_ONLY="name name..." runs only those workloads (names as below), in the order given there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd); shift || true
export SNAPSHOT_BIN_DIR=$build/bin SNAPSHOT_LIB_DIR=$build/lib
wl=$build/Tests/crash/workloads
bash "$here/build_workloads.sh" "$wl"
tool="python3 $here/../../tools/crashtest/snapshot-crashtest --soak"
rc=0
run() {  # name workload run-args...
  local name=$1 w=$2; shift 2
  if [ -n "${SOAK_ONLY:-}" ] && [[ " $SOAK_ONLY " != *" $name "* ]]; then return 0; fi
  $tool --name "$name" --differential --setup "$wl/$w init {file}" --check "$wl/$w check {file}" \
        "${EXTRA[@]}" -- "$wl/$w" run {file} {seed} "$@" || rc=1
}
EXTRA=("$@")
# Longer runs than the quick profile (several times the crash points); ~5-10 min each on 2 cores.
run list     wl_list  240
run btree    wl_btree 300
run kv-mt    wl_kv    80 4
run bank-mt  wl_bank  120 4
run multi-mt wl_multi 60 3
# Many laps of the redo log (16 KiB log), on both media.
SNAPSHOT_TEST_LOG_LIMIT=16384 run list-laps wl_list 240
SNAPSHOT_TEST_LOG_LIMIT=16384 PMEM_IS_PMEM_FORCE=1 run btree-laps-pmem wl_btree 300
PMEM_IS_PMEM_FORCE=1 run bank-mt-pmem wl_bank 120 4
exit $rc
