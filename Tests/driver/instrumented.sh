#!/usr/bin/env bash
# The plugin really runs: objects built by the driver call the runtime's record functions, the
# statistics flag reaches the pass, and an instrumented program that maps a file runs correctly.
. "$(dirname "$0")/lib.sh"
cat > writes.c <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
/* Writes through pointers the compiler cannot prove local: these must be instrumented. */
void fill(char *p, int n, char v) { for (int i = 0; i < n; i++) p[i] = v; }
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, 4096) != 0) { perror("open"); return 1; }
  char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) { perror("mmap"); return 1; }
  fill(m, 100, 'a');
  memcpy(m + 200, "snapshot", 8);
  if (msync(m, 4096, MS_SYNC) != 0) { perror("msync"); return 1; }
  munmap(m, 4096);
  char buf[208];
  if (pread(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) { perror("pread"); return 1; }
  close(fd);
  if (buf[0] != 'a' || buf[99] != 'a' || buf[100] != 0 || memcmp(buf + 200, "snapshot", 8) != 0) {
    fprintf(stderr, "file content wrong\n"); return 1;
  }
  puts("ok");
  return 0;
}
C
"$CC" -O2 -c writes.c -o writes.o
check "object references the runtime's record functions" eval 'nm -u writes.o | grep -q "__snapshot_record"'
"$CC" -fno-snapshot -O2 -c writes.c -o plain.o
check "-fno-snapshot object does not" eval 'nm plain.o | grep -q " T main" && ! nm -u plain.o | grep -q "__snapshot_"'
for opt in -O0 -O1 -O3 -Os -Oz; do
  check "instrumented at $opt" eval '"$CC" $opt -c writes.c -o w$opt.o && nm -u w$opt.o | grep -q "__snapshot_record"'
done
check "instrumented program links" "$CC" writes.o -o writes
check "instrumented program runs" eval '[ "$(./writes "$T/data")" = ok ]'

# -fsnapshot-stats: -mllvm -snapshot-stats reaches the pass (loaded early enough to know it).
check "-fsnapshot-stats adds -mllvm -snapshot-stats" eval 'out="$(hash -fsnapshot-stats -c writes.c)"; contains "$out" "\"-mllvm\" \"-snapshot-stats\"" && contains "$out" "\"-load\" \"$PLUGIN\""'
check "-fsnapshot-stats is not passed to clang" eval 'out="$(hash -fsnapshot-stats -c writes.c)"; lacks "$out" fsnapshot-stats'
check "-fsnapshot-stats link-only adds no -mllvm" eval 'out="$(hash -fsnapshot-stats writes.o -o x)"; lacks "$out" -snapshot-stats'
set +e; "$CC" -fsnapshot-stats -O2 -c writes.c -o s.o 2>stats.err; rc=$?; set -e
check "-fsnapshot-stats compile succeeds and the pass reports" eval '[ "$rc" = 0 ] && grep -q "^snapshot-stats: .*writes.c" stats.err'
cat stats.err
check "-fno-snapshot-stats undoes it" eval 'out="$(hash -fsnapshot-stats -fno-snapshot-stats -c writes.c)"; lacks "$out" -snapshot-stats'
finish
