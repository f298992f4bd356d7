#!/usr/bin/env bash
# Drop-in proof 1: Debian's zlib, built unmodified with `CC=snapshot-cc ./configure && make`,
# passes its own `make test` (static and shared example programs, 64-bit offsets), and is really
# instrumented and linked with the runtime.
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../driver/lib.sh"
. "$HERE/fetch.sh"
fetch_source zlib
cp -r "$SRC" zlib && cd zlib

check "configure with CC=snapshot-cc" eval 'CC="$CC" ./configure >configure.log 2>&1 || { cat configure.log; false; }'
check "configure detected a gcc-compatible compiler (shared library build)" grep -q "Building shared library libz.so" configure.log
check "make" eval 'make -j2 >make.log 2>&1 || { tail -30 make.log; false; }'
check "the build really went through snapshot-cc" grep -qF "$CC" make.log
check "make test (zlib's own tests)" eval 'make test >test.log 2>&1 || { tail -30 test.log; false; }; cat test.log'
check "static and shared tests both passed" eval '[ "$(grep -c "\*\*\* zlib .*test OK \*\*\*" test.log)" -ge 2 ]'
check "objects are instrumented (__snapshot_record refs)" eval 'nm -u deflate.o inflate.o | grep -q __snapshot_record'
check "shared objects are instrumented" eval 'nm -u deflate.lo inflate.lo | grep -q __snapshot_record'
for b in libz.so example minigzip examplesh; do
  check "$b needs libsnapshot.so" eval 'needed "$b" | grep -qx libsnapshot.so'
done
check "test programs load this runtime" eval 'LD_LIBRARY_PATH=. ldd ./examplesh | grep -qF "libsnapshot.so => $SNAPSHOT_LIB_DIR/libsnapshot.so"'
finish
