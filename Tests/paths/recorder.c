/* The coverage tests' runtime (recorder.h): the stand-in runtime (snapshot_standin.h) whose
 * records mark a shadow map of the working buffer. */
#include "recorder.h"
#include "../../PassPlugin/standin/snapshot_standin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static unsigned char *area, *pre, *shadow;
static unsigned long calls, bad_fixed;
static uint64_t seed = 0x9e3779b97f4a7c15ull;

static void setup(void) {
  if (area)
    return;
  /* [guard 64K][working 64K][guard 64K]: writes next to the range land in mapped memory. */
  unsigned char *m = mmap(NULL, 3 * REC_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
  if (m == MAP_FAILED) {
    perror("recorder: mmap");
    exit(2);
  }
  area = m + REC_SIZE;
  pre = malloc(REC_SIZE);
  shadow = malloc(REC_SIZE);
  if (!pre || !shadow) {
    perror("recorder: malloc");
    exit(2);
  }
  standin_set_range(area, REC_SIZE);
}

unsigned char *rec_buf(void) {
  setup();
  return area;
}

void rec_begin(void) {
  setup();
  for (size_t i = 0; i < REC_SIZE; i++) {
    seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
    area[i] = (unsigned char)(seed >> 24) | 1; /* never 0: string tests rely on no stray NULs */
  }
  memcpy(pre, area, REC_SIZE);
  memset(shadow, 0, REC_SIZE);
  calls = 0;
  bad_fixed = 0;
}

unsigned long rec_calls(void) { return calls; }

size_t rec_recorded(void) {
  size_t n = 0;
  for (size_t i = 0; i < REC_SIZE; i++)
    n += shadow[i];
  return n;
}

static void mark(uintptr_t a, size_t n) {
  uintptr_t lo = a, hi = a + n;
  if (hi < lo) hi = UINTPTR_MAX;
  if (lo < __snapshot_working_base) lo = __snapshot_working_base;
  if (hi > __snapshot_working_base + __snapshot_working_size)
    hi = __snapshot_working_base + __snapshot_working_size;
  for (uintptr_t p = lo; p < hi; p++)
    shadow[p - __snapshot_working_base] = 1;
}

static void standin_fixed(void *a, size_t n) {
  calls++;
  /* The ABI: the caller checked that addr is inside the working range. */
  if ((uintptr_t)a - __snapshot_working_base >= __snapshot_working_size) {
    fprintf(stderr, "recorder: __snapshot_record_%zu(%p) outside the working range\n", n, a);
    bad_fixed++;
  }
  mark((uintptr_t)a, n);
}

static void standin_range(void *a, size_t n) {
  calls++;
  mark((uintptr_t)a, n);
}

static void standin_cstring(char *a) {
  calls++;
  uintptr_t p = (uintptr_t)a, end = __snapshot_working_base + __snapshot_working_size;
  if (p - __snapshot_working_base >= __snapshot_working_size)
    return;
  mark(p, strnlen(a, end - p) + 1);
}
int rec_check(const char *what, size_t min_changed) {
  size_t changed = 0, missed = 0, recorded = 0;
  for (size_t i = 0; i < REC_SIZE; i++) {
    recorded += shadow[i];
    if (area[i] == pre[i])
      continue;
    changed++;
    if (!shadow[i]) {
      size_t j = i;
      while (j + 1 < REC_SIZE && area[j + 1] != pre[j + 1] && !shadow[j + 1])
        j++;
      fprintf(stderr, "FAIL %s: bytes [%zu, %zu] changed but were not recorded\n", what, i, j);
      missed += j - i + 1;
      changed += j - i;
      i = j;
    }
  }
  int fail = missed != 0 || bad_fixed != 0;
  if (changed < min_changed) {
    fprintf(stderr, "FAIL %s: only %zu bytes changed, the test expects >= %zu (path not exercised)\n",
            what, changed, min_changed);
    fail = 1;
  }
  printf("%s %s: changed %zu, unrecorded %zu, recorded %zu, record calls %lu\n",
         fail ? "FAIL" : "ok  ", what, changed, missed, recorded, calls);
  return fail;
}
