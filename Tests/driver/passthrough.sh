#!/usr/bin/env bash
# Exit status, stdout and stderr are clang's: the driver execs clang and adds nothing to its output.
. "$(dirname "$0")/lib.sh"

check "--version output is clang's" eval '[ "$("$CC" --version 2>&1)" = "$("$CLANG" --version 2>&1)" ]'
check "snapshot-c++ --version is clang++'s" eval '[ "$("$CXX" --version 2>&1)" = "$("$CLANGXX" --version 2>&1)" ]'
check "-dumpversion is clang's" eval '[ "$("$CC" -dumpversion)" = "$("$CLANG" -dumpversion)" ]'

# A failing compile: same status, same diagnostics (the plugin changes nothing before codegen).
cat > bad.c <<'C'
int main(void) { return undeclared_thing; }
C
set +e
"$CC" -c bad.c -o bad.o 2>ours.err >ours.out; ours=$?
"$CLANG" -c bad.c -o bad.o 2>theirs.err >theirs.out; theirs=$?
set -e
check "failing compile returns clang's status ($theirs)" eval '[ "$ours" = "$theirs" ] && [ "$ours" -ne 0 ]'
check "failing compile prints clang's stderr" cmp -s ours.err theirs.err
check "failing compile prints nothing on stdout" eval '[ ! -s ours.out ]'

# A driver-level error (unknown option) is clang's too, with clang's status.
set +e
"$CC" --no-such-option-xyz -c bad.c 2>ours.err; ours=$?
"$CLANG" --no-such-option-xyz -c bad.c 2>theirs.err; theirs=$?
set -e
check "unknown option: clang's status" eval '[ "$ours" = "$theirs" ] && [ "$ours" -ne 0 ]'
check "unknown option: clang's message" cmp -s ours.err theirs.err

set +e; "$CC" 2>ours.err; ours=$?; "$CLANG" 2>theirs.err; theirs=$?; set -e
check "no arguments: clang's 'no input files' and status" eval '[ "$ours" = "$theirs" ] && [ "$ours" -ne 0 ] && cmp -s ours.err theirs.err'

# A failing link (undefined symbol): the linker's status comes back.
cat > undef.c <<'C'
int missing_function(void);
int main(void) { return missing_function(); }
C
set +e; "$CC" undef.c -o undef 2>link.err; rc=$?; set -e
check "failing link returns non-zero" eval '[ "$rc" -ne 0 ] && grep -q missing_function link.err'

# Output on stdout (-E) is clang's, byte for byte.
cat > pp.c <<'C'
#define X 42
int v = X;
C
check "-E output is clang's" eval 'cmp -s <("$CC" -E pp.c) <("$CLANG" -E pp.c)'
check "-E to stdout with -o - " eval '"$CC" -E pp.c -o - | grep -q "int v = 42"'
finish
