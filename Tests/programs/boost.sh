#!/usr/bin/env bash
# Boost.Interprocess (Debian's libboost-dev, headers only) with snapshot-c++: boost_map.cc keeps a
# map<uint64,uint64> with an interprocess allocator in a managed_mapped_file, plus an entry count
# and a checksum in the same file, updated with each insert (`boost_map check` verifies them).
# managed_mapped_file::flush() is msync(MS_ASYNC) of the whole mapping (Boost 1.74), which Snapshot
# commits like MS_SYNC: a failure-atomic, durable commit; the destructor only munmaps, which commits too.
#  - without flush(), a normal exit keeps every insert and the next open_or_create works;
#  - SIGKILL at random moments without flush(): the next open (any Snapshot program mapping the
#    file recovers it) finds the file exactly as before the killed run, the check passes, and
#    open_or_create + find_or_construct do not hang (Boost's segment mutex and its
#    initialisation word are rolled back with the rest);
#  - SIGKILL at random moments with flush() every K inserts (K = 1, 10, 100): nothing acknowledged
#    (printed after flush() returned) is lost, nothing beyond the in-flight flush survives;
#  - tools/crashtest/snapshot-crashtest on a short run (flush every 10): every crash point and
#    random kills, each recovered state byte-identical to a committed image, check passing;
#  - negative control: the same kills on a plain g++ build leave the killed run's partial inserts
#    in the file, so the "exactly as before" check would fail there.
# Needs libboost-dev (installed here if missing: scripts/install-deps.sh --programs).
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../driver/lib.sh"
if ! dpkg-query -W -f='${Status}' libboost-dev 2>/dev/null | grep -q "install ok installed"; then
  bash "${SNAPSHOT_SOURCE_DIR:-$HERE/../..}/scripts/install-deps.sh" --programs ||
    { echo "FAIL: libboost-dev is missing and could not be installed" >&2; exit 1; }
fi
KILLS=${BOOST_KILLS:-15}   # kills per mode
TO="timeout 60"            # an open that hangs (a lock or init word left behind) fails the check

check "build boost_map with snapshot-c++" eval '"$CXX" -O2 -o boost_map "$HERE/boost_map.cc" -lpthread 2>build.log || { cat build.log; false; }'
check "boost_map links libsnapshot" eval 'needed boost_map | grep -q snapshot'
check "plain build (negative control)" g++ -O2 -o boost_map_plain "$HERE/boost_map.cc" -lpthread

# size FILE [PROG]: the entry count after a checked open (fails if the check fails or hangs).
size() { local out; out=$($TO "./${2:-boost_map}" check "$1") || return 1; set -- $out; echo "$2"; }

# (a) clean exits without flush() commit.
clean_exit() {
  rm -f a.map && ./boost_map init a.map >/dev/null || return 1
  $TO ./boost_map run a.map 20000 1 --no-flush >/dev/null || return 1
  $TO ./boost_map check a.map 1 20000 >/dev/null || return 1
  $TO ./boost_map run a.map 5000 2 --no-flush >/dev/null || return 1   # open_or_create of an existing file
  $TO ./boost_map check a.map 1 20000 >/dev/null && $TO ./boost_map check a.map 2 5000 >/dev/null &&
    [ "$(size a.map)" = 25000 ]
}
check "no flush(): a normal exit keeps every insert, the next open_or_create works" clean_exit

check "a fresh run creates the file itself (open_or_create)" eval \
  'rm -f c.map && $TO ./boost_map run c.map 1000 3 --no-flush >/dev/null && [ "$(size c.map)" = 1000 ]'

# kill_round PROG K: KILLS runs on one file (each with a new seed), each SIGKILLed after a random
# delay; K = 0 is no flush(). Checks after every kill; prints failures and returns their count.
TOTAL_KILLS=0
kill_round() {
  local prog=$1 k=$2 i fails=0 rolled=0 before after acked seed n pid out
  rm -f k.map && ./$prog init k.map >/dev/null || return 1
  $TO ./$prog run k.map 2000 999 --no-flush >/dev/null || return 1   # some history
  n=50000000
  for i in $(seq "$KILLS"); do
    seed=$((1000 + i))
    before=$(size k.map "$prog") || { echo "kill $i: check before the run failed" >&2; return 1; }
    if [ "$k" = 0 ]; then ./$prog run k.map $n $seed --no-flush >run.out 2>run.err &
    else ./$prog run k.map $n $seed --flush-every "$k" >run.out 2>run.err &
    fi
    pid=$!
    sleep "0.$((RANDOM % 6 + 2))$((RANDOM % 10))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    TOTAL_KILLS=$((TOTAL_KILLS + 1))
    grep -q '^done' run.out && { echo "kill $i: the run ended before the kill" >&2; fails=$((fails + 1)); continue; }
    acked=$(sed -n 's/^ack //p' run.out | tail -1); acked=${acked:-0}
    if ! out=$($TO ./$prog check k.map $seed "$acked" 2>check.err); then
      echo "kill $i (K=$k, acked $acked): check failed or hung: $out $(cat check.err)" >&2; fails=$((fails + 1)); continue
    fi
    grep -q "^snapshot: recovered " check.err && rolled=$((rolled + 1))
    after=$(set -- $out; echo "$2")
    if [ "$k" = 0 ]; then
      [ "$after" = "$before" ] || { echo "kill $i (no flush): $before entries before, $after after" >&2; fails=$((fails + 1)); }
    else
      # The acknowledged inserts and at most the in-flight flush's K more.
      [ "$after" -eq $((before + acked)) ] || [ "$after" -eq $((before + acked + k)) ] ||
        { echo "kill $i (K=$k): $before entries before, $acked acknowledged, $after after" >&2; fails=$((fails + 1)); }
    fi
  done
  # The file is still usable: a clean run on it.
  $TO ./$prog run k.map 100 7 --no-flush >/dev/null && $TO ./$prog check k.map 7 100 >/dev/null ||
    { echo "run after the kills failed" >&2; fails=$((fails + 1)); }
  echo "$prog K=${k/#0/none}: $KILLS kills, $fails failures (after $rolled of them the open recovered log records)"
  return $fails
}
for k in 0 1 10 100; do
  if [ "$k" = 0 ]; then what="without flush(): the file is as before the run"; else what="flush() every $k: no acknowledged insert lost"; fi
  check "SIGKILL at random times, $what, recovered, check passes, open does not hang" kill_round boost_map "$k"
done

# The repo's crash harness, with its stronger oracle (the file byte-identical to the image of the
# last or the in-flight msync after every crash and recovery) and boost_map's check as invariant
# checker and as the recovering program: every crash point of a run (SIGKILL/_exit at each
# persistence event) and random kills. A small segment and run keep it to a few minutes.
harness() {
  BOOST_MAP_MIB=4 nice -n 5 "$SNAPSHOT_BIN_DIR/snapshot-crashtest" --models reference,crash-points,kills \
    --kills "${BOOST_HARNESS_KILLS:-20}" -j 2 \
    --setup "$PWD/boost_map init {file} 4" --check "$PWD/boost_map check {file}" \
    --recover "$PWD/boost_map check {file}" \
    -- "$PWD/boost_map" run {file} 150 {seed} --flush-every 10 >harness.log 2>&1
  local r=$?; cat harness.log | grep -E "states|FAIL" | head -20; return $r
}
check "snapshot-crashtest: crash points and kills of a run flushing every 10 inserts" harness

# Negative control: the plain build keeps the killed run's partial inserts (the no-flush
# expectation must fail there, or the test above proves nothing).
control() {
  local saved=$KILLS; KILLS=3
  ! kill_round boost_map_plain 0 >control.log 2>&1; local r=$?
  KILLS=$saved; grep -qE "entries before|check failed" control.log && [ $r -eq 0 ]
}
SNAPSHOT_KILLS=$TOTAL_KILLS
check "negative control: plain g++ build fails the no-flush kill check" control
echo "boost: $SNAPSHOT_KILLS kills of the snapshot-c++ build in total"
finish
