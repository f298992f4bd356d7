/* Write path: `store` of every type and width, volatile, atomic, unaligned, line-spanning,
 * first-class aggregates and bit-fields, into the working buffer. */
#include "recorder.h"
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef int v16i __attribute__((vector_size(64)));
typedef float v3f __attribute__((ext_vector_type(3)));
struct pair { int a; short b; char c; };
struct big { long x[5]; };
struct __attribute__((packed)) packed { char c; long l; int i; };
struct bits { unsigned a : 3, b : 7, c : 1; unsigned long d : 40; };

/* noinline + opaque offsets: the address is not a compile-time constant. */
#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int o)
CASE(s_i1) { *(_Bool *)(b + o) = (_Bool)(o & 1) ^ 1; ((_Bool *)(b + o))[3] = 1; }
CASE(s_i8) { b[o] = (unsigned char)(o * 7 + 2); }
CASE(s_i16) { *(uint16_t *)(b + o) = 0xbeef; }
CASE(s_i32) { *(uint32_t *)(b + o) = 0xdeadbeef; }
CASE(s_i64) { *(uint64_t *)(b + o) = 0x0123456789abcdefull; }
CASE(s_i128) { *(__int128 *)(b + o) = ((__int128)0x0102030405060708ull << 64) | 0x1112131415161718ull; }
CASE(s_half) { *(__fp16 *)(b + o) = 1.5f; }
CASE(s_float) { *(float *)(b + o) = 3.25f; }
CASE(s_double) { *(double *)(b + o) = -7.125; }
CASE(s_fp80) { *(long double *)(b + o) = 1.0L / 3.0L; }
CASE(s_v4f) { *(v4f *)(b + o) = (v4f){1, 2, 3, 4}; }
CASE(s_v4d) { *(v4d *)(b + o) = (v4d){1, 2, 3, 4}; }
CASE(s_v16i) { v16i v; for (int i = 0; i < 16; i++) v[i] = i * 3 + o; *(v16i *)(b + o) = v; }
CASE(s_v3f) { *(v3f *)(b + o) = (v3f){5, 6, 7}; }
CASE(s_struct) { *(struct pair *)(b + o) = (struct pair){o + 1, 2, 3}; }
CASE(s_big) { struct big x = {{1, 2, 3, 4, o}}; *(struct big *)(b + o) = x; }
CASE(s_packed) { struct packed *p = (struct packed *)(b + o); p->l = 0x5555aaaa5555aaaal; p->i = 77; }
CASE(s_bits) { struct bits *p = (struct bits *)(b + o); p->b = 99; p->d = 0x123456789ull; }
CASE(s_volatile) { *(volatile uint64_t *)(b + o) = 42; *(volatile uint8_t *)(b + o + 9) = 9; }
CASE(s_atomic) {
  atomic_store_explicit((_Atomic uint64_t *)(b + o), 0x77, memory_order_seq_cst);
  atomic_store_explicit((_Atomic uint32_t *)(b + o + 8), 0x78, memory_order_release);
  atomic_store_explicit((_Atomic uint16_t *)(b + o + 12), 0x79, memory_order_relaxed);
}
CASE(s_unaligned) { memcpy(b + o, &(uint64_t){0xfeedfacecafebeefull}, 8); *(uint32_t *)(b + o + 9) = 0x01020304; }
CASE(s_span) { *(uint64_t *)(b + o) = 0xa1a2a3a4a5a6a7a8ull; } /* o = 60: crosses a 64-byte line */
CASE(s_fields) { struct pair *p = (struct pair *)(b + o); p->a = 1; p->b = 2; p->c = 3; p[1].a = 4; }
CASE(s_repeat) { uint32_t *p = (uint32_t *)(b + o); p[0] = 1; p[0] = 2; p[1] = 3; p[0] = 4; }

int main(void) {
  unsigned char *b = rec_buf();
  int fail = 0;
#define RUN(fn, off, min) rec_begin(); fn(b, off); fail |= rec_check(#fn, min);
  RUN(s_i1, 100, 1) RUN(s_i8, 200, 1) RUN(s_i16, 302, 2) RUN(s_i32, 404, 3) RUN(s_i64, 512, 6)
  RUN(s_i128, 640, 12) RUN(s_half, 770, 1) RUN(s_float, 900, 2) RUN(s_double, 1024, 4)
  RUN(s_fp80, 1152, 8) RUN(s_v4f, 1280, 10) RUN(s_v4d, 1408, 20) RUN(s_v16i, 1536, 40)
  RUN(s_v3f, 1712, 8) RUN(s_struct, 1800, 4) RUN(s_big, 1920, 20) RUN(s_packed, 2049, 8)
  RUN(s_bits, 2200, 2) RUN(s_volatile, 2304, 2) RUN(s_atomic, 2432, 3) RUN(s_unaligned, 2561, 8)
  RUN(s_span, 2624 + 60, 6) RUN(s_fields, 2800, 6) RUN(s_repeat, 2900, 4)
  return fail;
}
