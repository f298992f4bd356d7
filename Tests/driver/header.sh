#!/usr/bin/env bash
# The driver puts its own include directory on the path, as mpicc does for mpi.h: a program
# includes <snapshot.h> with no -I, compiles, links and runs (from the build tree and from an
# install). The directory comes after the user's -I and the system directories, and is added only
# when something is preprocessed (no "argument unused" under -Werror otherwise).
. "$(dirname "$0")/lib.sh"
cat > uses-header.c <<'C'
#include <snapshot.h>
#include <snapshot_abi.h>
#include <stdio.h>
int main(void) {
  int local = 0;
  struct snapshot_stats s;
  if (snapshot_stats(&s) != 0 || snapshot_is_managed(&local) != 0) return 1;
  printf("%s %d\n", SNAPSHOT_VERSION, SNAPSHOT_ABI_VERSION);
  return 0;
}
C
check "#include <snapshot.h> compiles, links and runs with no -I" \
  eval '"$CC" -Werror uses-header.c -o uses-header && ./uses-header | grep -q "^[0-9.]* [0-9]*$"'
check "C++ too" eval 'cp uses-header.c uses-header.cpp && "$CXX" -Werror uses-header.cpp -o uses-header-xx && ./uses-header-xx >/dev/null'
check "-E finds the header" eval '"$CC" -E uses-header.c | grep -q snapshot_is_managed'
check "the build tree's include directory, after the user's arguments" \
  eval 'out="$(hash -c uses-header.c)"; contains "$out" "\"-idirafter\" \"$SNAPSHOT_BUILD_DIR/include\""'

# The program's own snapshot.h (here: one that defines a marker) wins over the toolchain's.
mkdir -p own && printf '#define OWN_SNAPSHOT_H 1\n' > own/snapshot.h
cat > own.c <<'C'
#include <snapshot.h>
#ifndef OWN_SNAPSHOT_H
#error the toolchain header shadowed the program's own
#endif
int main(void) { return 0; }
C
check "-I dir with its own snapshot.h takes precedence" eval '"$CC" -Iown -c own.c -o own.o'

# Inputs that are not preprocessed get no include directory: clang would warn it is unused.
printf 'int f(void){return 1;}\n' > f.c
"$CLANG" -S -emit-llvm f.c -o f.ll
"$CLANG" -E f.c -o f.i
printf '.text\n.globl g\ng:\n ret\n' > g.s
for input in f.ll f.i g.s; do
  check "-Werror -c $input: silent" eval 'err="$("$CC" -Werror -c '"$input"' -o x.o 2>&1)" && [ -z "$err" ]'
done
check "link of objects only: no include directory" eval '"$CC" -c f.c -o f.o && out="$(hash f.o -shared -o libf.so)"; lacks "$out" "-idirafter"'
check "-fno-snapshot: plain clang, no include directory" eval 'out="$(hash -fno-snapshot -c f.c)"; lacks "$out" "-idirafter"'

# An installed prefix finds its own copy.
if [ -n "${SNAPSHOT_CMAKE:-}" ]; then
  "$SNAPSHOT_CMAKE" --install "$SNAPSHOT_BUILD_DIR" --prefix "$T/prefix" >/dev/null
  check "installed driver finds <prefix>/include/snapshot.h" \
    eval '"$T/prefix/bin/snapshot-cc" uses-header.c -o inst && ./inst >/dev/null && out="$("$T/prefix/bin/snapshot-cc" -### -c uses-header.c 2>&1)"; contains "$out" "\"-idirafter\" \"$T/prefix/include\""'
fi
finish
