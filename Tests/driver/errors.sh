#!/usr/bin/env bash
# A missing clang, plugin, runtime or toolchain record: one clear line naming the path and the
# fix, exit status 1. The tree is copied into a temporary prefix and pieces are deleted.
. "$(dirname "$0")/lib.sh"
write_hello
fresh() {
  rm -rf p; mkdir -p p/bin p/lib/snapshot
  cp "$SNAPSHOT_BIN_DIR/snapshot-cc" p/bin/; ln -s snapshot-cc p/bin/snapshot-c++
  cp "$SNAPSHOT_LIB_DIR/libsnapshot.so" p/lib/
  cp "$PLUGIN" "$CONF" p/lib/snapshot/
}
# expect_error MESSAGE-FRAGMENT COMMAND... : exit 1, exactly one line on stderr containing it.
expect_error() {
  local frag="$1"; shift
  local err rc
  set +e; err="$("$@" 2>&1 >/dev/null)"; rc=$?; set -e
  [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && contains "$err" "$frag" \
    || { echo "  got rc=$rc: $err" >&2; return 1; }
}

fresh
check "copied prefix works" eval 'p/bin/snapshot-cc hello.c -o h && [ "$(./h)" = hello ]'

fresh; rm p/lib/snapshot/SnapshotInstrument.so
check "missing plugin: compile" expect_error "plugin not found at $T/p/lib/snapshot/SnapshotInstrument.so — rebuild with \`make\` or reinstall" p/bin/snapshot-cc -c hello.c
check "missing plugin: -fno-snapshot still builds" eval 'p/bin/snapshot-cc -fno-snapshot hello.c -o h2 && [ "$(./h2)" = hello ]'
check "missing plugin: --version still answered by clang" eval 'p/bin/snapshot-cc --version | grep -q "clang version"'

fresh; rm p/lib/libsnapshot.so
check "missing runtime: link" expect_error "runtime not found at $T/p/lib/libsnapshot.so — rebuild with \`make\` or reinstall" p/bin/snapshot-cc hello.c -o h3
check "missing runtime: compile-only still works" eval 'p/bin/snapshot-cc -c hello.c -o h.o'

fresh; rm p/lib/snapshot/toolchain.conf
check "missing toolchain.conf" expect_error "toolchain record not found at $T/p/lib/snapshot/toolchain.conf" p/bin/snapshot-cc -c hello.c
check "missing toolchain.conf: SNAPSHOT_CLANG suffices" eval 'SNAPSHOT_CLANG="$CLANG" p/bin/snapshot-cc -c hello.c -o h4.o'

fresh; sed -i 's#^clang=.*#clang=/nonexistent/clang-99#' p/lib/snapshot/toolchain.conf
check "missing clang (recorded)" expect_error "clang not found at /nonexistent/clang-99 (recorded in $T/p/lib/snapshot/toolchain.conf) — install it" p/bin/snapshot-cc -c hello.c
check "missing clang (SNAPSHOT_CLANG)" expect_error "clang not found at /nonexistent/cc (from SNAPSHOT_CLANG) — fix or unset SNAPSHOT_CLANG" env SNAPSHOT_CLANG=/nonexistent/cc "$CC" -c hello.c
check "missing clang++ (recorded) for snapshot-c++" eval 'sed -i "s#^clangxx=.*#clangxx=/nonexistent/clang++-99#" p/lib/snapshot/toolchain.conf; expect_error "clang not found at /nonexistent/clang++-99" p/bin/snapshot-c++ -c hello.c'

fresh
check "--snapshot-version flags missing pieces" eval 'rm p/lib/libsnapshot.so; set +e; out="$(p/bin/snapshot-cc --snapshot-version)"; rc=$?; set -e; [ "$rc" = 1 ] && grep -q "runtime lib: .*(MISSING)" <<<"$out"'
finish
