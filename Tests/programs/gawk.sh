#!/usr/bin/env bash
# gawk 5.2.1 (Debian source) built with snapshot-cc, with its persistent memory allocator (PMA):
#  - its own `pma` test (two runs sharing a persistent heap file) passes: PMA maps the heap file
#    with an address hint and requires it to land at the address stored in the file;
#  - a run killed in the middle (SIGKILL) leaves the heap exactly at the end of the previous run:
#    PMA never calls msync, so the clean exit of a run is its commit (pm-gawk's manual recommends
#    reflink backups because PMA alone has no crash consistency).
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../driver/lib.sh"
. "$HERE/../dropin/fetch.sh"
fetch_source gawk
# -a: keep the timestamps, or make would try to rerun automake.
cp -a "$SRC" gawk && cd gawk
check "configure with snapshot-cc" eval './configure CC="$CC" --disable-nls >configure.log 2>&1 || { tail -20 configure.log; false; }'
# The program only: Debian's source lacks the manual's texinfo sources.
check "make gawk" eval '{ nice -n 5 make -j2 -C support && nice -n 5 make -j2 gawk; } >make.log 2>&1 || { tail -30 make.log; false; }'
check "the build really went through snapshot-cc" grep -qF "$CC" make.log
check "gawk was built with PMA" eval './gawk --version | grep -q PMA'
check "gawk's own pma test" eval '(cd test && make pma-tests >pma.log 2>&1) && grep -q "^pma$" test/pma.log && ! grep -qiE "differ|error|fail" test/pma.log || { cat test/pma.log; false; }'

heap=$PWD/heap.pma
run() { GAWK_PERSIST_FILE=$heap ./gawk "$@"; }
check "make a heap file" eval 'rm -f "$heap" && truncate -s 512M "$heap"'
check "run 1 fills the heap" eval '[ "$(run "BEGIN { for (i = 0; i < 100000; i++) a[i] = i * 3; runs++; print runs }")" = 1 ]'
check "run 2 sees run 1 (same address, committed at exit)" eval '[ "$(run "BEGIN { runs++; print runs, length(a), a[777] }")" = "2 100000 2331" ]'
# Run 3 is killed mid-way, after changing the heap: nothing of it may survive.
GAWK_PERSIST_FILE=$heap ./gawk 'BEGIN { runs++; delete a; for (i = 0; ; i++) b[i] = i }' 2>/dev/null &
pid=$!
sleep 2
kill -9 $pid; wait $pid 2>/dev/null || true   # (set -e: the status is 137)
check "after a SIGKILL mid-run the heap is at the end of run 2" eval '[ "$(run "BEGIN { print runs, length(a), a[777], length(b) }")" = "2 100000 2331 0" ]'
check "no runtime message in the runs" eval '! run "BEGIN { x = 1 }" 2>&1 | grep -q "^snapshot: "'
finish
