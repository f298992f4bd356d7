#!/usr/bin/env bash
# Compile-only and information modes never get link flags; links always get the runtime; the
# plugin is on every compile; user arguments pass through unchanged and in order.
. "$(dirname "$0")/lib.sh"
write_hello
cat > util.c <<'C'
int twice(int x) { return 2 * x; }
C

linkflag="-lsnapshot"
pluginflag="-fpass-plugin=$PLUGIN"

no_link() { local out; out="$(hash "$@")"; contains "$out" "$pluginflag" && lacks "$out" "$linkflag" && lacks "$out" "/ld\""; }
for mode in "-c" "-S" "-E" "-fsyntax-only" "-M" "-MM" "-c -MD -MF deps.d" "-c -MMD -MF deps.d -MT x.o" \
            "-c -emit-llvm" "-S -emit-llvm" "--analyze"; do
  # shellcheck disable=SC2086
  check "no link flags with $mode" no_link $mode hello.c
done
check "-r (relocatable) does not add the runtime" eval 'out="$(hash -r util.c -o r.o)"; lacks "$out" "$linkflag"'
check "-c with -o value that looks like a source" no_link -c hello.c -o out.c.o

links() { local out; out="$(hash "$@")"; contains "$out" "$pluginflag" && contains "$out" "\"$linkflag\"" \
  && contains "$out" "\"-L$SNAPSHOT_LIB_DIR\"" && contains "$out" "-rpath\" \"$SNAPSHOT_LIB_DIR\""; }
check "compile+link adds plugin, -L, -lsnapshot, rpath" links hello.c -o hello
check "-MD without -M still links" links -MD -MF deps.d hello.c -o hello
check "-shared links the runtime too" links -shared -fPIC util.c -o libutil.so
check "-x c with odd extension compiles and links" eval 'cp util.c util.txt; links -x c util.txt hello.c -o hello'
check "-x c - (stdin) compiles" eval 'out="$(echo "int main(){return 0;}" | "$CC" -### -x c - -o x 2>&1)"; contains "$out" "$pluginflag" && contains "$out" "$linkflag"'

# Link-only invocations (objects in, executable out) still add the runtime.
"$CC" -c util.c -o util.o 2>/dev/null || true
check "link of objects only adds runtime" eval 'out="$(hash util.o hello.o -o prog)"; contains "$out" "$linkflag"'

check "link of objects only: no plugin (nothing to compile)" eval 'out="$(hash util.o -o prog)"; lacks "$out" "$pluginflag"'
# Assembly only: no plugin flag, hence no "argument unused" warning (would break -Werror builds).
printf '.text\n.globl f\nf:\n ret\n' > f.s
check "assembling .s: silent, no plugin" eval 'err="$("$CC" -Werror -c f.s -o f.o 2>&1)" && [ -z "$err" ]'
check "-fsnapshot-stats with -E/-M/-fsyntax-only: silent" eval 'for m in -E -M -fsyntax-only; do err="$("$CC" $m -fsnapshot-stats hello.c -o /dev/null 2>&1)" && [ -z "$err" ] || return 1; done'
check "header only (-x c-header): PCH, no link" eval 'cp util.c u.h; out="$(hash -x c-header u.h -o u.pch)"; lacks "$out" "$linkflag"'
check "SNAPSHOT_CLANG as a bare name is looked up in PATH" eval 'out="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=true "$CC" -c hello.c 2>&1)"; contains "$out" "exec $(type -P true) -c hello.c"'

# No inputs: -v, -### alone, --version, -print-*: nothing added, clang answers.
check "-v alone adds nothing" eval 'out="$("$CC" -v 2>&1)"; lacks "$out" "$pluginflag" && lacks "$out" "$linkflag" && contains "$out" "clang version"'
check "-print-search-dirs adds nothing" eval 'out="$(hash -print-search-dirs)"; lacks "$out" "$linkflag"'
check "--print-file-name X is not an input" eval 'out="$(hash --print-file-name libc.so)"; lacks "$out" "$pluginflag"'
check "-print-prog-name=ld equals clang's" eval '[ "$("$CC" -print-prog-name=ld)" = "$("$CLANG" -print-prog-name=ld)" ]'
check "-dumpmachine equals clang's" eval '[ "$("$CC" -dumpmachine)" = "$("$CLANG" -dumpmachine)" ]'

# Pass-through: user arguments reach clang unchanged and in the same order.
check "-fPIC and -Wl, pass through" eval 'out="$(hash -fPIC -Wl,-z,now hello.c -o h)"; contains "$out" "\"-mrelocation-model\" \"pic\"" && contains "$out" "\"-z\" \"now\""'
order() {
  local printed
  printed="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=/bin/true "$CC" -O2 -DA=1 -Ifoo -c hello.c -o h.o -Wall 2>&1)"
  contains "$printed" "exec /bin/true -O2 -DA=1 -Ifoo -c hello.c -o h.o -Wall -fpass-plugin=$PLUGIN"
}
check "argument order preserved, our flags appended" order
dd() {
  local printed
  printed="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=/bin/true "$CC" -o h -- hello.c 2>&1)"
  contains "$printed" "-Wl,-rpath,$SNAPSHOT_LIB_DIR -- hello.c"
}
check "our flags go before --" dd
# The C++ driver runs clang++ (argv[0] ending in ++).
check "snapshot-c++ runs clang++" eval 'out="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANGXX= "$CXX" -### -c hello.c 2>&1)"; contains "$out" "exec $CLANGXX "'
# Invoked through a symlink elsewhere (e.g. /usr/local/bin/cc -> prefix/bin/snapshot-cc): the
# toolchain is still found next to the real binary; a name ending in ++ selects C++.
mkdir -p alias && ln -s "$CC" alias/cc && ln -s "$CC" alias/snapshot-clang++
check "symlinked driver finds its plugin" eval 'alias/cc -### -c hello.c 2>&1 | grep -qF -- "-fpass-plugin=$PLUGIN"'
check "symlink named *++ runs clang++" eval 'out="$(SNAPSHOT_CC_PRINT=1 alias/snapshot-clang++ -### -c hello.c 2>&1)"; contains "$out" "exec $CLANGXX "'
finish
