/* The coverage tests' recorder API (recorder.h) on the REAL runtime: the buffer is a managed
 * MAP_SHARED mapping of a file (libsnapshot gives the program a working copy), rec_begin() fills
 * it and commits with msync, rec_check() commits again and compares the file, read with a raw
 * pread system call (no libc interposer involved), against the working copy: a byte that differs
 * was written but not recorded, so the commit missed it. Built with snapshot-cc. */
#define _GNU_SOURCE
#include "recorder.h"

#include <fcntl.h>
#include <snapshot.h>
#include <snapshot_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned char *area, *file_copy;
static int fd = -1;
static uint64_t seed = 0x9e3779b97f4a7c15ull;
static unsigned char pre[REC_SIZE];

static void die(const char *what) { perror(what); exit(2); }

static void setup(void) {
  if (area)
    return;
  const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char path[4096];
  snprintf(path, sizeof path, "%s/snapshot-paths-%d.dat", dir, (int)getpid());
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, REC_SIZE)) die("recorder_real: create data file");
  area = mmap(NULL, REC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (area == MAP_FAILED) die("recorder_real: mmap");
  file_copy = malloc(REC_SIZE);
  if (!file_copy) die("recorder_real: malloc");
  unlink(path);  /* the fd keeps it; the log beside it is removed by the runtime when clean */
}

unsigned char *rec_buf(void) { setup(); return area; }
unsigned long rec_calls(void) { return 0; } /* not observable through the real runtime */

/* What the runtime recorded, as it committed it: the lines rec_check's commit copied. */
static size_t recorded;
size_t rec_recorded(void) { return recorded; }

static uint64_t lines_committed(void) {
  struct snapshot_stats s;
  if (snapshot_stats(&s)) die("recorder_real: snapshot_stats");
  return s.lines_committed;
}

void rec_begin(void) {
  setup();
  for (size_t i = 0; i < REC_SIZE; i++) {
    seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
    area[i] = (unsigned char)(seed >> 24) | 1;
  }
  if (msync(area, REC_SIZE, MS_SYNC)) die("recorder_real: msync (begin)");
  memcpy(pre, area, REC_SIZE);
  recorded = 0;
}

int rec_check(const char *what, size_t min_changed) {
  uint64_t before = lines_committed();
  if (msync(area, REC_SIZE, MS_SYNC)) die("recorder_real: msync (check)");
  recorded = (size_t)(lines_committed() - before) * SNAPSHOT_LINE_SIZE;
  if (syscall(SYS_pread64, fd, file_copy, (size_t)REC_SIZE, (off_t)0) != REC_SIZE)
    die("recorder_real: pread");
  size_t changed = 0, missed = 0;
  for (size_t i = 0; i < REC_SIZE; i++) {
    changed += area[i] != pre[i];
    if (area[i] != file_copy[i]) {
      if (missed < 8)
        fprintf(stderr, "FAIL %s: byte %zu changed but were not recorded (file %02x, memory %02x)\n",
                what, i, file_copy[i], area[i]);
      missed++;
    }
  }
  int fail = missed != 0;
  if (changed < min_changed) {
    fprintf(stderr, "FAIL %s: only %zu bytes changed, expected >= %zu\n", what, changed, min_changed);
    fail = 1;
  }
  printf("%s %s: changed %zu, not committed %zu\n", fail ? "FAIL" : "ok  ", what, changed, missed);
  return fail;
}
