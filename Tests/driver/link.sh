#!/usr/bin/env bash
# Real links: programs and shared libraries built with the driver depend on libsnapshot and find
# it through the rpath; -fno-snapshot builds plain binaries; mixed C/C++ links with snapshot-c++.
. "$(dirname "$0")/lib.sh"
write_hello

"$CC" -O2 hello.c -o hello
check "program needs libsnapshot.so" eval 'needed hello | grep -qx libsnapshot.so'
check "program's runpath is the runtime's directory" eval 'runpath hello | tr : "\n" | grep -qx "$SNAPSHOT_LIB_DIR"'
check "program runs" eval '[ "$(./hello)" = hello ]'
check "libsnapshot resolves from the program (ldd)" eval 'ldd ./hello | grep -q "libsnapshot.so => $SNAPSHOT_LIB_DIR/libsnapshot.so"'
check "runtime needs no Swift toolchain libraries" eval 'needed "$SNAPSHOT_LIB_DIR/libsnapshot.so" | grep -qx libc.so.6 && ! needed "$SNAPSHOT_LIB_DIR/libsnapshot.so" | grep -q "^libswift"'

# Distro defaults of --as-needed must not drop the runtime (it interposes mmap/msync).
"$CC" -Wl,--as-needed hello.c -o hello-asneeded
check "--as-needed keeps libsnapshot" eval 'needed hello-asneeded | grep -qx libsnapshot.so'

check "gold linker: libsnapshot linked too" eval '"$CC" -fuse-ld=gold hello.c -o hello-gold && needed hello-gold | grep -qx libsnapshot.so && [ "$(./hello-gold)" = hello ]'

"$CC" -fno-snapshot hello.c -o plain
check "-fno-snapshot: not linked to libsnapshot" eval 'needed plain | grep -qx libc.so.6 && ! needed plain | grep -q libsnapshot'
check "-fno-snapshot: no rpath to the runtime" eval '[ -x plain ] && ! runpath plain | grep -q "$SNAPSHOT_LIB_DIR"'
check "-fno-snapshot: no plugin, no runtime in the commands" eval 'out="$(hash -fno-snapshot hello.c -o p)"; lacks "$out" SnapshotInstrument && lacks "$out" -lsnapshot'
check "-fno-snapshot then -fsnapshot re-enables" eval 'out="$(hash -fno-snapshot -fsnapshot hello.c -o p)"; contains "$out" -lsnapshot'
check "-fno-snapshot program runs" eval '[ "$(./plain)" = hello ]'

# Separate compile and link, -fPIC shared library, and a program using it.
cat > lib.c <<'C'
int lib_value(int x) { static int calls; calls++; return x + calls; }
C
cat > uselib.c <<'C'
#include <stdio.h>
int lib_value(int x);
int main(void) { printf("%d\n", lib_value(41)); return 0; }
C
"$CC" -c -fPIC lib.c -o lib.o
check "-c -fPIC object is relocatable, not linked" eval 'readelf -h lib.o | grep -q "REL (Relocatable file)"'
"$CC" -shared lib.o -o libv.so
check "-shared library needs libsnapshot.so" eval 'needed libv.so | grep -qx libsnapshot.so'
"$CC" uselib.c -L. -lv -Wl,-rpath,"$T" -o uselib
check "program using the shared library runs" eval '[ "$(./uselib)" = 42 ]'

# Mixed C and C++: snapshot-c++ links the C++ standard library like clang++.
cat > part.c <<'C'
int c_part(int x) { return x * 3; }
C
cat > main.cc <<'C'
#include <iostream>
#include <string>
#include <vector>
extern "C" int c_part(int);
int main() {
  std::vector<std::string> v{"mixed", "ok"};
  std::cout << v[0] << ' ' << v[1] << ' ' << c_part(14) << std::endl;
  return 0;
}
C
"$CC" -c part.c -o part.o
"$CXX" -c main.cc -o main.o
"$CXX" part.o main.o -o mixed
check "mixed C/C++ program runs" eval '[ "$(./mixed)" = "mixed ok 42" ]'
check "mixed program needs libstdc++ and libsnapshot" eval 'needed mixed | grep -qx libstdc++.so.6 && needed mixed | grep -qx libsnapshot.so'
"$CXX" part.o main.cc -o mixed2
check "snapshot-c++ compiles and links with a C object in one invocation" eval '[ "$(./mixed2)" = "mixed ok 42" ]'

# -static cannot work with a shared runtime: a clear error rather than a linker riddle.
set +e; msg="$("$CC" -static hello.c -o st 2>&1)"; rc=$?; set -e
check "-static is refused with one clear line" eval '[ "$rc" = 1 ] && [ "$(wc -l <<<"$msg")" = 1 ] && contains "$msg" "-static cannot be used"'
check "-static -fno-snapshot builds" eval '"$CC" -static -fno-snapshot hello.c -o st2 2>/dev/null || ! "$CLANG" -static hello.c -o st3 2>/dev/null'
finish
