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
# mtest's content is random (seeded with time()): about 7% of its runs delete every entry. So the
# count mdb_stat reads is compared with the one mtest's own output implies, not with "non-zero".
mtest_expected_entries() {
  awk '/^Adding [0-9]+ values/ {n += $2} /duplicates skipped/ {n -= $1} /^Deleted [0-9]+ values/ {n -= $2}
       /^Deleting with cursor/ {c = 1; next} /^Restarting cursor in txn/ {c = 0} c && /^key: / {n--}
       END {print n}' "$1"
}
check "mdb_stat read the entries mtest left" eval \
  'want=$(mtest_expected_entries test.log); grep -qx "  Entries: $want" test.log || { echo "mtest implies $want entries; mdb_stat said: $(grep Entries test.log)"; false; }'
# MDB_FIXEDMAP: a process that opens the database again asks mmap for the address the first one
# recorded (a hint), and LMDB fails with EBUSY if it gets another. The runtime's reservations sit
# where the kernel's own placement never goes (docs/runtime.md, "Address space"), so the address
# another process was given is free here as it is without Snapshot. (When they sat where the
# kernel put them, right below the libraries, 26 of 30 reopens failed.)
check "mtest reopens its MDB_FIXEDMAP database at the recorded address (5 processes)" eval \
  'rm -rf testdb && mkdir testdb && for i in 1 2 3 4 5; do ./mtest >reopen.log 2>&1 || { tail -3 reopen.log; false; } || return 1; done'
# The other test programs, each on a fresh database.
for t in mtest2 mtest3 mtest4 mtest5; do
  check "$t" eval 'rm -rf testdb && mkdir testdb && ./$t >$t.log 2>&1 || { tail -20 $t.log; false; }'
done
# Round trip on known content (mtest's may be empty): 2,000 records, every 100th larger than a
# page (LMDB's overflow pages), loaded as text with mdb_load -T, dumped, loaded from the dump into
# a second database and dumped again. Both dumps must hold exactly the records given.
awk 'BEGIN { for (i = 0; i < 2000; i++) { printf "key%05d\n", i
  v = sprintf("value %d", i); while (length(v) < (i % 100 ? 300 : 6000)) v = v " pad" i; print v } }' >records.txt
dump_records() { ./mdb_dump -p "$1" | sed -n '/^HEADER=END$/,/^DATA=END$/p' | sed '1d;$d;s/^ //'; }
check "round trip through mdb_load / mdb_dump / mdb_load" eval \
  'rm -rf one two && mkdir one two && ./mdb_load -T -f records.txt one && cmp records.txt <(dump_records one) &&
   ./mdb_dump one >dump.txt && ./mdb_load -f dump.txt two && cmp records.txt <(dump_records two)'
check "mdb_stat counts the loaded records" eval './mdb_stat two | grep -qx "  Entries: 2000"'
# Beyond LMDB's own tests: mtest with MDB_WRITEMAP instead of its default flags, so LMDB writes
# its B-tree pages through a MAP_SHARED+PROT_WRITE mapping of data.mdb — a managed mapping — and
# commits each transaction with msync(). The undo log beside the file shows Snapshot managed it.
sed 's#MDB_FIXEDMAP /\*|MDB_NOSYNC\*/#MDB_WRITEMAP#' mtest.c > mtest_writemap.c
check "mtest variant uses MDB_WRITEMAP" grep -q 'mdb_env_open(env, "./testdb", MDB_WRITEMAP' mtest_writemap.c
check "build it against the instrumented liblmdb" "$CC" -O2 -pthread mtest_writemap.c -L. -llmdb -Wl,-rpath,"$PWD" -o mtest_writemap
check "MDB_WRITEMAP runs (twice on one database)" eval 'rm -rf testdb && mkdir testdb && ./mtest_writemap >wm.log 2>&1 && ./mtest_writemap >>wm.log 2>&1 || { tail -20 wm.log; false; }'
check "data.mdb was a managed mapping (undo log beside it)" test -f testdb/.data.mdb.snapshot-log
check "no recovery was needed after clean runs" eval '! grep -q "recovered" wm.log'
check "mdb_stat reads the entries both MDB_WRITEMAP runs left" eval \
  'want=$(mtest_expected_entries wm.log); out=$(./mdb_stat testdb 2>&1); grep -qx "  Entries: $want" <<<"$out" || { echo "mtest implies $want entries; mdb_stat said: $out"; false; }'
rm -rf testdb && mkdir testdb && ./mtest >/dev/null 2>&1

check "objects are instrumented (__snapshot_record refs)" eval 'nm -u mdb.o midl.o | grep -q __snapshot_record'
for b in liblmdb.so mtest mdb_stat mdb_load; do
  check "$b needs libsnapshot.so" eval 'needed "$b" | grep -qx libsnapshot.so'
done
finish
