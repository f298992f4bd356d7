#!/usr/bin/env bash
# @file response files: expanded to classify the command, passed to clang unchanged.
. "$(dirname "$0")/lib.sh"
write_hello
mkdir -p "dir with space"
printf '%s\n' '-c' '-o "dir with space/h.o"' > compile.rsp
printf '%s\n' '-O2 -DGREETING=\"hi\"' > defs.rsp
printf '%s\n' '@defs.rsp' '-c' > nested.rsp

check "@file with -c: no link flags" eval 'out="$(hash @compile.rsp hello.c)"; lacks "$out" -lsnapshot && contains "$out" "-fpass-plugin="'
check "@file passed through unchanged" eval 'out="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=/bin/true "$CC" @compile.rsp hello.c 2>&1)"; contains "$out" "exec /bin/true @compile.rsp hello.c -fpass-plugin="'
check "@file compile really works (quoted path)" eval '"$CC" @compile.rsp hello.c && [ -f "dir with space/h.o" ]'
check "nested @file with -c: no link flags" eval 'out="$(hash @nested.rsp hello.c)"; lacks "$out" -lsnapshot && contains "$out" "\"-D\" \"GREETING=\\\"hi\\\"\""'
printf '%s\n' 'hello.c' '-o' 'from_rsp' > inputs.rsp
check "inputs only inside @file: links" eval 'out="$(hash @inputs.rsp)"; contains "$out" -lsnapshot'
check "link from @file runs" eval '"$CC" @inputs.rsp && [ "$(./from_rsp)" = hello ]'
# Own flags inside a response file are honoured and not passed to clang.
printf '%s\n' '-fno-snapshot' '-o plain_rsp' > own.rsp
check "own flag inside @file" eval 'out="$(hash @own.rsp hello.c)"; lacks "$out" -lsnapshot && lacks "$out" SnapshotInstrument && lacks "$out" fno-snapshot'
check "own flag inside @file builds a plain program" eval '"$CC" @own.rsp hello.c && needed plain_rsp | grep -qx libc.so.6 && ! needed plain_rsp | grep -q libsnapshot'
# When an own flag forces the expansion to be passed instead of the file, the tokens must be
# exactly clang's: compare with clang reading the same file minus the own flag.
cat > quoted.rsp <<'R'
-fno-snapshot -c -DX='a b' "-DY=c\" d" -DZ=e\ f -D'W=it\'s' -DV="" "" hello.c
  -o
	q.o
R
sed 's/-fno-snapshot //' quoted.rsp > quoted-plain.rsp
same_tokens() {
  local theirs
  theirs="$("$CLANG" -### @quoted-plain.rsp 2>&1 | grep -- -cc1)"
  grep -qF "\"W=it's\"" <<<"$theirs" && grep -qF '"Y=c\" d"' <<<"$theirs" &&   # the file is tricky
    [ "$("$CC" -### @quoted.rsp 2>&1 | grep -- -cc1)" = "$theirs" ]
}
check "quoting in an expanded @file matches clang's tokenisation" same_tokens

# A missing @file is clang's problem, reported by clang.
set +e; "$CC" -c @missing.rsp 2>ours.err; a=$?; "$CLANG" -c @missing.rsp 2>theirs.err; b=$?; set -e
check "missing @file: clang's error and status" eval '[ "$a" = "$b" ] && cmp -s ours.err theirs.err'
finish
