#!/usr/bin/env bash
# Builds the recovery fuzzer and runs it for SECONDS seconds from real seed logs.
#   Tests/fuzz/run.sh WORK_DIR SECONDS      (ctest: a short smoke run; make fuzz: a long one)
# Prints libFuzzer's final line (executions, coverage); exits non-zero on any crash, hang or
# property violation, leaving the reproducer (crash-*, timeout-*) in WORK_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run.sh WORK_DIR SECONDS}
secs=${2:?seconds}
mkdir -p "$work/corpus"
"$here/build.sh" "$work" 2>&1 | grep -v 'ld.gold: warning' >"$work/build.log" || { cat "$work/build.log"; exit 1; }
cd "$work"
rm -rf seeds
# The Swift runtime's backtracer would try to symbolicate under ASan: libFuzzer reports instead.
SWIFT_BACKTRACE=enable=no SNAPSHOT_QUIET=1 SNAPSHOT_FUZZ_SEEDS=$work/seeds \
  ./recovery-fuzz -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  corpus seeds >fuzz.log 2>&1 || { tail -40 fuzz.log; exit 1; }
grep -E '^Done|stat::number_of_executed_units|cov:' fuzz.log | tail -3
