#!/usr/bin/env bash
# Kyoto Cabinet 1.2.79 (Debian source) built with snapshot-cc/snapshot-c++, with one upstream
# clang fix (kcthread.cc compares a void* with int constants in __sync_bool_compare_and_swap, which
# clang rejects; plain clang++ needs the same fix):
#  - its own check-hash, check-tree, check-util, check-dir, check-forest, check-poly, check-langc;
#  - a crash test (kc_crash.cc): SIGKILL at random moments with and without Kyoto's transactions,
#    with the whole file mapped (64 MiB msiz) and with a 1 MiB msiz (records beyond it go through
#    pwrite/pread): no acknowledged record may be lost.
# Needs Kyoto's build dependencies: apt-get install zlib1g-dev liblzo2-dev liblzma-dev
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../driver/lib.sh"
. "$HERE/../dropin/fetch.sh"
for dev in zlib1g-dev liblzo2-dev liblzma-dev; do
  dpkg -s "$dev" >/dev/null 2>&1 || { echo "FAIL: $dev is missing: apt-get install zlib1g-dev liblzo2-dev liblzma-dev" >&2; exit 1; }
done
fetch_source kyotocabinet
cp -r "$SRC" kc && cd kc
sed -i 's/__sync_bool_compare_and_swap(&opq_, 0, 1)/__sync_bool_compare_and_swap(\&opq_, (void*)0, (void*)1)/' kcthread.cc
check "the clang fix applies" grep -q 'compare_and_swap(&opq_, (void\*)0, (void\*)1)' kcthread.cc
check "configure with snapshot-cc" eval './configure CC="$CC" CXX="$CXX" --enable-zlib --enable-lzo --enable-lzma >configure.log 2>&1 || { tail -20 configure.log; false; }'
check "make" eval 'nice -n 5 make -j2 >make.log 2>&1 || { tail -30 make.log; false; }'
check "the build really went through snapshot-c++" grep -qF "$CXX" make.log
export LD_LIBRARY_PATH=$PWD
for t in check-hash check-tree check-util check-dir check-forest check-poly check-langc; do
  check "make $t" eval 'nice -n 5 make $t >$t.log 2>&1 || { grep -B5 FAILED $t.log | tail -20; false; }'
  check "$t: no runtime message" eval '! grep -q "^snapshot: " $t.log'
done

check "build kc_crash" "$CXX" -O2 -I. "$HERE/kc_crash.cc" -L. -lkyotocabinet -lz -llzo2 -llzma -lpthread -Wl,-rpath,"$PWD" -o kc_crash
crash_round() {   # MODE MSIZ RUNS
  local lost=0 i
  for i in $(seq "$3"); do
    rm -rf crash && mkdir crash
    ./kc_crash write crash/db.kch crash/ack "$1" "$2" 2>crash/err.log &
    local pid=$!
    sleep "0.$((RANDOM % 8 + 2))"
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    if ! ./kc_crash verify crash/db.kch crash/ack >crash/verify.log 2>&1; then
      lost=$((lost + 1)); cat crash/verify.log crash/err.log >&2
    fi
  done
  echo "kc_crash $1 msiz=$2: $lost of $3 kills lost acknowledged records"
  [ "$lost" -eq 0 ]
}
for mode in notx tx; do
  check "SIGKILL, $mode, whole file mapped" crash_round "$mode" 67108864 10
  check "SIGKILL, $mode, 1 MiB mapped (pwrite beyond)" crash_round "$mode" 1048576 10
done
finish
