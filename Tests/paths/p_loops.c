/* Write paths inside loops, where the pass records one range before a call-free loop (affine
 * stores on every iteration) or loads the range globals once per loop nest: forward, backward,
 * strided, unrolled and vectorised loops, nested loops, early exits, conditional stores, loops
 * with calls, trip counts 0 and 1, and idioms the optimiser turns into memset/memcpy. */
#include "recorder.h"
#include <stdint.h>
#include <stdio.h>

static volatile int sink;
__attribute__((noinline)) static void opaque(void) { sink++; }

#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int n)
CASE(l_forward) { int *a = (int *)b; for (int i = 0; i < n; i++) a[i] = i * 3 + 1; }
CASE(l_backward) { long *a = (long *)b; for (int i = n - 1; i >= 0; i--) a[i] = -i - 5; }
CASE(l_stride) { short *a = (short *)b; for (int i = 0; i < n; i += 3) a[i] = (short)(i + 9); }
CASE(l_bytes) { for (int i = 0; i < n; i++) b[i] = (unsigned char)(i ^ 0x5c) | 1; }
CASE(l_two_arrays) { int *a = (int *)b, *c = (int *)(b + 8192); for (int i = 0; i < n; i++) { a[i] = i; c[n - 1 - i] = -i - 1; } }
CASE(l_struct_fields) {
  struct p { int x; char pad[6]; short y; } *a = (struct p *)b;
  for (int i = 0; i < n; i++) { a[i].x = i + 100; a[i].y = (short)(i + 7); }
}
CASE(l_nested) { int *a = (int *)b; for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * 64 + j] = i * j + 1; }
CASE(l_early_exit) { int *a = (int *)b; for (int i = 0; i < 4096; i++) { if (i >= n) break; a[i] = i + 11; } }
CASE(l_conditional) { int *a = (int *)b; for (int i = 0; i < n; i++) if (i % 3 == 0) a[i] = 7 * i + 2; }
CASE(l_with_call) { int *a = (int *)b; for (int i = 0; i < n; i++) { a[i] = i + 3; opaque(); } }
CASE(l_memset_idiom) { for (int i = 0; i < n; i++) b[i] = 0; }
CASE(l_memcpy_idiom) { for (int i = 0; i < n; i++) b[i] = b[i + 4096]; }
CASE(l_linked) {
  struct node { struct node *next; long v; } *nodes = (struct node *)b;
  for (int i = 0; i < n; i++) nodes[i].next = i + 1 < n ? &nodes[i + 1] : 0;
  for (struct node *p = nodes; p; p = p->next) p->v = (long)(p - nodes) * 11 + 1;
}
/* Strided: one field per 4 KiB record, a column of a matrix of doubles (512-byte rows), a stride
 * known only at run time (n + 1 longs, n < 1024). Checked for exactness too (RUN_NEAR). */
CASE(l_field_4k) {
  struct rec { uint64_t stamp; char rest[4088]; } *a = (struct rec *)b;
  for (int i = 0; i < n; i++) a[i].stamp = (uint64_t)i * 5 + 3;
}
CASE(l_column) { double (*m)[64] = (double (*)[64])b; for (int r = 0; r < n; r++) m[r][3] = r + 0.25; }
CASE(l_runtime_stride) {
  long *a = (long *)b, step = (long)(n & 1023) + 1;
  for (int i = 0; i < 60; i++) a[i * step] = i + 17;
}
CASE(l_zero_trip) { int *a = (int *)b; for (int i = 0; i < n; i++) a[i] = 1; }
CASE(l_while_ptr) { uint32_t *p = (uint32_t *)b, *e = p + n; while (p != e) *p++ = 0xabcdef01u; }

int main(void) {
  unsigned char *b = rec_buf();
  int fail = 0;
  unsigned long calls;
#define RUN(fn, off, n, min) rec_begin(); fn(b + off, n); fail |= rec_check(#fn, min);
  RUN(l_forward, 64, 1000, 3000) RUN(l_forward, 8, 1, 1) RUN(l_backward, 128, 500, 3000)
  RUN(l_stride, 256, 900, 500) RUN(l_bytes, 3, 5000, 4000) RUN(l_two_arrays, 16, 1000, 6000)
  RUN(l_struct_fields, 96, 400, 1500) RUN(l_nested, 0, 60, 10000) RUN(l_early_exit, 40, 777, 2500)
  RUN(l_conditional, 4, 999, 1000) RUN(l_with_call, 100, 300, 900) RUN(l_memset_idiom, 77, 3000, 2900)
  RUN(l_memcpy_idiom, 5, 2000, 1500) RUN(l_linked, 0, 300, 2000) RUN(l_while_ptr, 12, 3333, 10000)
  /* ... and records no more than `max` bytes: the lines written, not the span crossed. */
#define RUN_NEAR(fn, off, n, min, max) RUN(fn, off, n, min) \
  if (rec_recorded() > (max)) { printf("FAIL %s: %zu bytes recorded, at most %d expected\n", #fn, rec_recorded(), (max)); fail = 1; }
  RUN_NEAR(l_field_4k, 0, 15, 15, 15 * 64) RUN_NEAR(l_column, 8, 120, 120, 120 * 64)
  RUN_NEAR(l_runtime_stride, 0, 100, 60, 60 * 64) RUN_NEAR(l_runtime_stride, 16, 0, 60, 512)
  /* zero trips: nothing written and, with the range check in the preheader, nothing recorded */
  rec_begin(); l_zero_trip(b + 64, 0); calls = rec_calls();
  if (calls) { printf("FAIL l_zero_trip: %lu record calls for a loop that ran 0 times\n", calls); fail = 1; }
  return fail;
}
