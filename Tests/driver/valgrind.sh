#!/usr/bin/env bash
# Programs built with snapshot-cc run under valgrind: users debug their programs with it, and
# valgrind refuses to start when it cannot read a loaded library's debug info (the static Swift
# stdlib's DWARF in an unstripped libsnapshot.so did exactly that).
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind missing: run scripts/install-deps.sh" >&2; exit 1; }
cat > mapped.c <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, 4096) != 0) return 1;
  char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return 1;
  m[100] = 'v';
  if (msync(m, 4096, MS_SYNC) != 0) return 1;
  puts("committed");
  return 0;
}
C
"$CC" -O1 mapped.c -o mapped
run_under_valgrind() {
  SNAPSHOT_RESERVE_GIB=16 valgrind -q --tool=none --error-exitcode=9 ./mapped "$T/data" > out 2> err
  local rc=$?
  [ "$rc" -eq 0 ] && grep -qx committed out || { cat err >&2; return 1; }
  [ "$(dd if="$T/data" bs=1 skip=100 count=1 2>/dev/null)" = v ]
}
check "instrumented program that maps and commits runs under valgrind" run_under_valgrind
finish
