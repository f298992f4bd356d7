#!/usr/bin/env bash
# The installed prefix is relocatable: install, move the whole prefix elsewhere, and the moved
# drivers still find their plugin and runtime (from /proc/self/exe), build and run a program.
. "$(dirname "$0")/lib.sh"
: "${SNAPSHOT_BUILD_DIR:?}"
write_hello
"${SNAPSHOT_CMAKE:-cmake}" --install "$SNAPSHOT_BUILD_DIR" --prefix "$T/first" >install.log
mkdir -p "$T/elsewhere"
mv "$T/first" "$T/elsewhere/moved"
P="$T/elsewhere/moved"

for f in bin/snapshot-cc bin/snapshot-c++ lib/libsnapshot.so lib/snapshot/SnapshotInstrument.so \
         lib/snapshot/toolchain.conf include/snapshot.h lib/pkgconfig/snapshot.pc; do
  check "installed $f" test -e "$P/$f"
done
check "snapshot-c++ is a relative symlink to snapshot-cc" eval '[ "$(readlink "$P/bin/snapshot-c++")" = snapshot-cc ]'
# (Debug info may name source and build directories; what the program loads must not.)
check "no build path in the driver's loaded sections, toolchain.conf or snapshot.pc" eval \
  'objcopy --strip-debug "$P/bin/snapshot-cc" driver.nodebug && ! grep -qaF "$SNAPSHOT_BUILD_DIR" driver.nodebug "$P/lib/snapshot/toolchain.conf" "$P/lib/pkgconfig/snapshot.pc"'
check "--snapshot-version shows the moved paths" eval '"$P/bin/snapshot-cc" --snapshot-version | grep -qxE "plugin: +$P/lib/snapshot/SnapshotInstrument.so"'

"$P/bin/snapshot-cc" -O2 hello.c -o hello
check "program from the moved prefix runs" eval '[ "$(./hello)" = hello ]'
check "its runpath is the moved prefix" eval 'runpath hello | tr : "\n" | grep -qx "$P/lib"'
check "it loads the moved libsnapshot" eval 'ldd ./hello | grep -q "libsnapshot.so => $P/lib/libsnapshot.so"'
check "moved plugin used for compiles" eval '"$P/bin/snapshot-cc" -### -c hello.c 2>&1 | grep -qF -- "-fpass-plugin=$P/lib/snapshot/SnapshotInstrument.so"'
cat > hi.cc <<'C'
#include <iostream>
int main() { std::cout << "hi++" << std::endl; }
C
"$P/bin/snapshot-c++" hi.cc -o hi
check "C++ program from the moved prefix runs" eval '[ "$(./hi)" = "hi++" ]'
# pkg-config users get the same runtime flags.
check "pkg-config file points at the moved prefix" eval \
  'd="$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --libs-only-L snapshot | sed "s/^ *-L//; s/ *\$//")"; [ "$(realpath "$d")" = "$(realpath "$P/lib")" ]'
finish
