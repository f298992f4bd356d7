#!/usr/bin/env bash
# Real programs from Debian sources, built unmodified (but for upstream compiler fixes) with
# snapshot-cc/snapshot-c++, running their own test suites and crash tests. Long (minutes each), so
# not part of `make check`:  make check-programs [PROGRAMS="kyotocabinet gawk boost"]
#   run.sh BUILD_DIR [PROGRAM...]
set -uo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR [PROGRAM...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
export SNAPSHOT_BIN_DIR=$build/bin SNAPSHOT_LIB_DIR=$build/lib SNAPSHOT_BUILD_DIR=$build
export SNAPSHOT_SOURCE_DIR=$(cd "$here/../.." && pwd)
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(kyotocabinet gawk boost)
failed=0
for p in "${programs[@]}"; do
  [ -f "$here/$p.sh" ] || { echo "run.sh: no such program test: $p (have: $(cd "$here" && ls *.sh | grep -v run.sh | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }
  echo "== $p"
  bash "$here/$p.sh" || failed=$((failed + 1))
done
[ $failed -eq 0 ] && echo "all program tests passed" || { echo "$failed program test(s) failed" >&2; exit 1; }
