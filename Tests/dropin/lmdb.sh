#!/usr/bin/env bash
# Drop-in proof 2: Debian's LMDB (memory-mapped B-tree database: mmap, threads, fsync), built
# unmodified with `make CC=snapshot-cc`, passes its own `make test` and its other test programs.
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../driver/lib.sh"
. "$HERE/fetch.sh"
fetch_source lmdb
cp -r "$SRC/libraries/liblmdb" lmdb && cd lmdb

check "make CC=snapshot-cc" eval 'make -j2 CC="$CC" >make.log 2>&1 || { tail -30 make.log; false; }'
check "the build really went through snapshot-cc" grep -qF "$CC" make.log
check "make test (LMDB's own test)" eval 'make test CC="$CC" >test.log 2>&1 || { tail -30 test.log; false; }'
check "mdb_stat read the test database" eval 'grep -qE "Entries: [1-9]" test.log'
# The other test programs, each on a fresh database. (Not after mtest: they open with
# MDB_FIXEDMAP, which asks mmap for the address recorded by the previous process — a hint the
# kernel may not honour, here because the runtime's address-space reservation can sit there;
# LMDB then fails with EBUSY. That is LMDB's documented fragility of MDB_FIXEDMAP.)
for t in mtest2 mtest3 mtest4 mtest5; do
  check "$t" eval 'rm -rf testdb && mkdir testdb && ./$t >$t.log 2>&1 || { tail -20 $t.log; false; }'
done
rm -rf testdb && mkdir testdb && ./mtest >/dev/null 2>&1
# (mapaddr= differs between the two databases: mtest uses MDB_FIXEDMAP.)
check "round trip through mdb_dump / mdb_load" eval './mdb_dump testdb > dump.txt && mkdir -p copy && ./mdb_load -f dump.txt copy 2>/dev/null && cmp -s <(./mdb_dump copy | grep -v ^mapaddr=) <(grep -v ^mapaddr= dump.txt) && grep -q "^ " dump.txt'
# Beyond LMDB's own tests: mtest with MDB_WRITEMAP instead of its default flags, so LMDB writes
# its B-tree pages through a MAP_SHARED+PROT_WRITE mapping of data.mdb — a managed mapping — and
# commits each transaction with msync(). The undo log beside the file shows Snapshot managed it.
sed 's#MDB_FIXEDMAP /\*|MDB_NOSYNC\*/#MDB_WRITEMAP#' mtest.c > mtest_writemap.c
check "mtest variant uses MDB_WRITEMAP" grep -q 'mdb_env_open(env, "./testdb", MDB_WRITEMAP' mtest_writemap.c
check "build it against the instrumented liblmdb" "$CC" -O2 -pthread mtest_writemap.c -L. -llmdb -Wl,-rpath,"$PWD" -o mtest_writemap
check "MDB_WRITEMAP runs (twice on one database)" eval 'rm -rf testdb && mkdir testdb && ./mtest_writemap >wm.log 2>&1 && ./mtest_writemap >>wm.log 2>&1 || { tail -20 wm.log; false; }'
check "data.mdb was a managed mapping (undo log beside it)" test -f testdb/.data.mdb.snapshot-log
check "no recovery was needed after clean runs" eval '! grep -q "recovered" wm.log'
check "mdb_stat reads the MDB_WRITEMAP database" eval 'out=$(./mdb_stat testdb 2>&1); grep -qE "Entries: [1-9]" <<<"$out" || { echo "mdb_stat said: $out"; tail -5 wm.log; false; }'
rm -rf testdb && mkdir testdb && ./mtest >/dev/null 2>&1

check "objects are instrumented (__snapshot_record refs)" eval 'nm -u mdb.o midl.o | grep -q __snapshot_record'
for b in liblmdb.so mtest mdb_stat mdb_load; do
  check "$b needs libsnapshot.so" eval 'needed "$b" | grep -qx libsnapshot.so'
done
finish
