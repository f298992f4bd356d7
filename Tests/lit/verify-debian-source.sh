#!/bin/sh
# IR verifier on a large real C code base from Debian source packages, instrumented by the pass:
# SQLite (the 250k-line amalgamation sqlite3.c + shell.c, from `apt-get source sqlite3`) and Lua
# 5.4 (`apt-get source lua5.4`). Each file is compiled with clang-14 + the pass to bitcode at
# -O0 and -O2 and run through `opt -passes=verify` (clang's release build skips the verifier).
# The instrumented sqlite3 shell is then linked against the stand-in runtime that maps nothing
# (PassPlugin/standin/unmapped.c) and must run a small SQL script with the same output as an
# uninstrumented build.
#
# Usage: Tests/lit/verify-debian-source.sh [build-dir]     (needs deb-src, tclsh, network)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build}
CLANG=${SNAPSHOT_CLANG_PATH:-/usr/bin/clang-14}
TOOLS=${SNAPSHOT_LLVM_TOOLS:-/usr/lib/llvm-14/bin}
PLUGIN="$BUILD/lib/snapshot/SnapshotInstrument.so"
[ -f "$PLUGIN" ] || { echo "error: $PLUGIN not built" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshot-debsrc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get source sqlite3 lua5.4 >apt.log 2>&1 || { cat apt.log; echo "error: apt-get source failed (deb-src configured?)" >&2; exit 1; }
SQLITE=$(find . -maxdepth 1 -type d -name 'sqlite3-*' | head -1)
LUA=$(find . -maxdepth 1 -type d -name 'lua5.4-*' | head -1)

# SQLite's amalgamation is generated (tclsh + lemon); configure with the plain compiler.
(cd "$SQLITE" && ./configure CC="$CLANG" >../configure.log 2>&1 && make sqlite3.c shell.c >../make.log 2>&1) ||
  { tail -20 configure.log make.log; echo "error: generating sqlite3.c failed" >&2; exit 1; }

# Debian's luaconf.h includes a header its packaging generates.
printf '#define DEB_HOST_MULTIARCH "%s"\n' "$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)" \
  >"$LUA/src/lua5.4-deb-multiarch.h"

fail=0
verify() { # verify <label> <source> <flags...>
  label=$1; src=$2; shift 2
  bc="$WORK/$(basename "$src").$label.bc"
  if ! "$CLANG" -fplugin="$PLUGIN" -fpass-plugin="$PLUGIN" "$@" -c -emit-llvm "$src" -o "$bc" \
       -mllvm -snapshot-stats 2>"$bc.err"; then
    cat "$bc.err"; echo "FAIL compile $label $src"; fail=1; return
  fi
  if "$TOOLS/opt" -passes=verify -disable-output "$bc" 2>"$bc.verify"; then
    echo "ok   verify $label $(basename "$src") $(wc -l <"$src") lines: $(grep '^snapshot-stats' "$bc.err" | sed 's/^snapshot-stats: [^:]*: //')"
  else
    head -20 "$bc.verify"; echo "FAIL verify $label $src"; fail=1
  fi
}
SQLFLAGS="-DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_JSON1 -I$SQLITE"
for lvl in O0 O2; do
  verify "$lvl" "$SQLITE/sqlite3.c" -"$lvl" $SQLFLAGS
  verify "$lvl" "$SQLITE/shell.c" -"$lvl" $SQLFLAGS
  lua_fail=0
  for f in "$LUA"/src/*.c; do
    verify "$lvl" "$f" -"$lvl" -DLUA_USE_LINUX -I"$LUA/src" >"$WORK/lua.log" || true
    tail -1 "$WORK/lua.log" | grep -q '^ok' || { cat "$WORK/lua.log"; lua_fail=1; fail=1; }
    grep '^ok' "$WORK/lua.log" | sed 's/^ok   verify [^:]*lines: //' >>"$WORK/lua.$lvl.stats"
  done
  [ $lua_fail = 0 ] && echo "ok   verify $lvl lua5.4: $(ls "$LUA"/src/*.c | wc -l) files, $(cat "$LUA"/src/*.c | wc -l) lines," \
    "$(awk '{s+=$1; i+=$16; st+=$20} END {print s " write sites, " i " instrumented, " st " skipped as stack"}' "$WORK/lua.$lvl.stats")"
done

# Instrumented SQLite still works (range copy registered as {0, 0} by the stand-in runtime, as in a
# program that maps nothing): same output as the plain build.
"$CLANG" -O2 -I"$ROOT/Sources/CSnapshotShim/include" -c "$ROOT/PassPlugin/standin/unmapped.c" -o stub.o
for v in plain snap; do
  extra=""; [ $v = snap ] && extra="-fpass-plugin=$PLUGIN"
  # shellcheck disable=SC2086
  "$CLANG" -O2 $extra $SQLFLAGS -c "$SQLITE/sqlite3.c" -o sqlite3.$v.o
  # shellcheck disable=SC2086
  "$CLANG" -O2 $extra $SQLFLAGS -c "$SQLITE/shell.c" -o shell.$v.o
  "$CLANG" shell.$v.o sqlite3.$v.o stub.o -o sqlite3.$v -lpthread -ldl -lm
done
cat >script.sql <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
INSERT INTO t SELECT i, printf('row-%d', i*7919 % 10007), i*0.5 FROM n;
CREATE INDEX tb ON t(b);
UPDATE t SET c = c * 2 WHERE a % 3 = 0;
DELETE FROM t WHERE a % 7 = 0;
SELECT count(*), sum(c), min(b), max(b) FROM t;
SELECT b FROM t ORDER BY b DESC LIMIT 3;
SQL
./sqlite3.plain :memory: <script.sql >plain.out
./sqlite3.snap :memory: <script.sql >snap.out
if cmp -s plain.out snap.out; then echo "ok   instrumented sqlite3 shell: same output ($(wc -l <snap.out) lines)"; else
  diff plain.out snap.out | head; echo "FAIL instrumented sqlite3 output differs"; fail=1; fi
exit $fail
