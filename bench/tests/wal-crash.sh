#!/usr/bin/env bash
# bench/tests/wal-crash.sh [DIR] — SIGKILL-crash test of the `wal` baseline (see wal_crash.c),
# plus its negative control: the same test with recovery compiled out must report inconsistencies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-/dev/shm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC_BASE:-clang-14}
srcs=("$here/wal_crash.c" "$here/../workloads/wal.c" "$here/../workloads/bench.c")
"$cc" -O2 -DVARIANT_WAL "${srcs[@]}" -o "$tmp/wal_crash"
"$cc" -O2 -DVARIANT_WAL -DWAL_TEST_FAULT_NO_RECOVERY "${srcs[@]}" -o "$tmp/wal_crash_broken"
# recovery notes ("wal: recovered ...") are expected here; keep everything else
"$tmp/wal_crash" "$dir" 60 2> >(grep -v '^wal: recovered' >&2)
if "$tmp/wal_crash_broken" "$dir" 60 2>/dev/null; then
  echo "wal-crash: negative control passed, so the test cannot detect a broken recovery" >&2
  exit 1
fi
echo "wal-crash: ok (negative control detected the broken recovery)"
