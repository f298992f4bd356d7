/* Write path: llvm.memcpy / memmove / memset and their .inline forms, constant sizes (small ones
 * the backend expands into plain stores after the pass ran) and dynamic sizes. */
#include "recorder.h"
#include <string.h>

static unsigned char src[8192];
#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int o, size_t n)
CASE(cpy1) { memcpy(b + o, src + 1, 1); }
CASE(cpy3) { memcpy(b + o, src + 2, 3); }
CASE(cpy8) { memcpy(b + o, src + 3, 8); }
CASE(cpy24) { memcpy(b + o, src + 4, 24); }
CASE(cpy64) { memcpy(b + o, src + 5, 64); }
CASE(cpy100) { memcpy(b + o, src + 6, 100); }
CASE(cpy4096) { memcpy(b + o, src + 7, 4096); }
CASE(cpy_dyn) { memcpy(b + o, src + 8, n); }
CASE(move_overlap) { memmove(b + o + 5, b + o, 40); }
CASE(move_dyn) { memmove(b + o, b + o + 17, n); }
CASE(set7) { memset(b + o, 0, 7); }
CASE(set32) { memset(b + o, 0x5a, 32); }
CASE(set_dyn) { memset(b + o, 0, n); }
CASE(cpy_inline16) { __builtin_memcpy_inline(b + o, src + 9, 16); }
CASE(cpy_inline48) { __builtin_memcpy_inline(b + o, src + 10, 48); }
struct s { long a[9]; };
CASE(struct_copy) { struct s *d = (struct s *)(b + o); *d = *(const struct s *)src; d[1] = d[0]; }
CASE(struct_zero) { *(struct s *)(b + o) = (struct s){0}; }

int main(void) {
  for (unsigned i = 0; i < sizeof src; i++) src[i] = (unsigned char)(i * 131 + 7) | 1;
  unsigned char *b = rec_buf();
  int fail = 0;
#define RUN(fn, off, n, min) rec_begin(); fn(b, off, n); fail |= rec_check(#fn, min);
  RUN(cpy1, 11, 0, 1) RUN(cpy3, 70, 0, 2) RUN(cpy8, 130, 0, 6) RUN(cpy24, 200, 0, 20)
  RUN(cpy64, 300, 0, 50) RUN(cpy100, 400, 0, 90) RUN(cpy4096, 1000, 0, 4000)
  RUN(cpy_dyn, 6000, 777, 700) RUN(move_overlap, 8000, 0, 30) RUN(move_dyn, 9000, 333, 300)
  RUN(set7, 10001, 0, 7) RUN(set32, 10100, 0, 32) RUN(set_dyn, 11000, 1500, 1500)
  RUN(cpy_inline16, 13000, 0, 14) RUN(cpy_inline48, 13100, 0, 40)
  RUN(struct_copy, 14000, 0, 130) RUN(struct_zero, 15000, 0, 72)
  return fail;
}
