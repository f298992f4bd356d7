# Shared helpers for the driver tests. Sourced by each test script; ctest provides the environment
# (SNAPSHOT_BIN_DIR, SNAPSHOT_LIB_DIR, SNAPSHOT_BUILD_DIR, SNAPSHOT_CLANG_PATH, …).
# No pipefail: checks pipe into `grep -q`, which exits at the first match (SIGPIPE upstream).
set -eu

: "${SNAPSHOT_BIN_DIR:?run through ctest (SNAPSHOT_BIN_DIR unset)}"
: "${SNAPSHOT_LIB_DIR:?run through ctest (SNAPSHOT_LIB_DIR unset)}"
CC="$SNAPSHOT_BIN_DIR/snapshot-cc"
CXX="$SNAPSHOT_BIN_DIR/snapshot-c++"
PLUGIN="$SNAPSHOT_LIB_DIR/snapshot/SnapshotInstrument.so"
CONF="$SNAPSHOT_LIB_DIR/snapshot/toolchain.conf"
# The compilers the driver must run: the ones recorded at configure time.
CLANG="$(sed -n 's/^clang=//p' "$CONF")"
CLANGXX="$(sed -n 's/^clangxx=//p' "$CONF")"
# The overrides would change what is under test.
unset SNAPSHOT_CLANG SNAPSHOT_CLANGXX SNAPSHOT_CC_PRINT

T="$(mktemp -d "${TMPDIR:-/tmp}/snapshot-driver-test.XXXXXX")"
trap 'rm -rf "$T"' EXIT
cd "$T"

FAILURES=0
fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok: $*"; }
finish() {
  if [ "$FAILURES" -ne 0 ]; then echo "$FAILURES check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
}

# check NAME COMMAND... : runs a check function, records the failure instead of stopping.
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# hash ARGS... : the commands clang would run (`-###`, on stderr), one line each.
hash() { "$CC" -### "$@" 2>&1; }
hashxx() { "$CXX" -### "$@" 2>&1; }

contains() { grep -qF -- "$2" <<<"$1"; }
lacks() { ! grep -qF -- "$2" <<<"$1"; }

# needed BINARY : the DT_NEEDED entries of an ELF file.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
runpath() { readelf -d "$1" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p'; }

write_hello() {
  cat > hello.c <<'C'
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
C
}
