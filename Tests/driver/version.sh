#!/usr/bin/env bash
# --snapshot-version: project, LLVM and runtime versions and the paths in use.
. "$(dirname "$0")/lib.sh"
version="$(sed -n 's/^version=//p' "$CONF")"
llvm="$(sed -n 's/^llvm_version=//p' "$CONF")"
out="$("$CC" --snapshot-version)"; rc=$?
echo "$out"
# value LABEL [TEXT]: what follows "LABEL:" on its line.
value() { awk -v k="$1" 'index($0, k ":") == 1 { sub(/^[^:]*: */, ""); print }' <<<"${2:-$out}"; }
check "exit status 0" eval '[ "$rc" = 0 ]'
check "project version" eval '[ "$(head -1 <<<"$out")" = "snapshot-cc (Snapshot) $version" ]'
check "LLVM version" eval '[ "$(value LLVM)" = "$llvm" ]'
check "runtime version" eval 'value runtime | grep -qE "^[0-9]+\.[0-9]+"'
check "clang path" eval '[ "$(value clang)" = "$CLANG" ]'
check "clang++ path" eval '[ "$(value clang++)" = "$CLANGXX" ]'
check "plugin path" eval '[ "$(value plugin)" = "$PLUGIN" ]'
check "runtime path" eval '[ "$(value "runtime lib")" = "$SNAPSHOT_LIB_DIR/libsnapshot.so" ]'
check "toolchain.conf path" eval '[ "$(value toolchain.conf)" = "$CONF" ]'
check "not passed to clang with other args" eval '"$CC" --snapshot-version -c nonexistent.c >/dev/null'
check "SNAPSHOT_CLANG override shown" eval '[ "$(value clang "$(SNAPSHOT_CLANG=/bin/true "$CC" --snapshot-version)")" = "/bin/true (from SNAPSHOT_CLANG)" ]'
check "C++ falls back to SNAPSHOT_CLANG in g++ mode" eval '[ "$(value clang++ "$(SNAPSHOT_CLANG=/bin/true "$CXX" --snapshot-version)")" = "/bin/true --driver-mode=g++ (from SNAPSHOT_CLANG)" ]'
# The runtime's own version comes from the "@(#)libsnapshot <version>" marker inside the library:
# the real library carries the driver's version, and a library with another marker is reported.
check "runtime marker matches the driver" eval '[ "$(value runtime)" = "$version" ]'
marked() {
  mkdir -p m/bin m/lib/snapshot
  cp "$CC" m/bin/; cp "$PLUGIN" "$CONF" m/lib/snapshot/
  python3 - "$SNAPSHOT_LIB_DIR/libsnapshot.so" m/lib/libsnapshot.so "$version" <<'PY' || return 1
import sys
src, dst, version = sys.argv[1:]
data = open(src, "rb").read()
real = b"@(#)libsnapshot " + version.encode() + b"\0"
assert data.count(real) == 1, "real marker not found exactly once"
fake = b"@(#)libsnapshot " + b"9" * len(version) + b"\0"
open(dst, "wb").write(data.replace(real, fake))
PY
  local v9; v9=$(printf '9%.0s' $(seq ${#version}))
  [ "$(value runtime "$(m/bin/snapshot-cc --snapshot-version)")" = "$v9  (differs from the driver's $version: mixed installs?)" ]
}
check "runtime version read from the library's marker" marked
finish
