/* Write path: atomicrmw and cmpxchg of every width, including 16-byte operations (inline
 * cmpxchg16b with -mcx16, otherwise libatomic calls), and the generic __atomic builtins. */
#include "recorder.h"
#include <stdatomic.h>
#include <stdint.h>

#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int o)
CASE(rmw_add8) { __atomic_fetch_add((uint8_t *)(b + o), 3, __ATOMIC_SEQ_CST); }
CASE(rmw_or16) { __atomic_fetch_or((uint16_t *)(b + o), 0x8001, __ATOMIC_RELAXED); }
CASE(rmw_xchg32) { __atomic_exchange_n((uint32_t *)(b + o), 0x12345678u, __ATOMIC_ACQ_REL); }
CASE(rmw_sub64) { atomic_fetch_sub((_Atomic uint64_t *)(b + o), 0x1111111111111111ull); }
CASE(rmw_fadd) { atomic_fetch_add((_Atomic int *)(b + o), 1 << 20); }
CASE(cas32) {
  uint32_t *p = (uint32_t *)(b + o), expected = *p;
  __atomic_compare_exchange_n(p, &expected, ~expected, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
CASE(cas64_weak_loop) {
  _Atomic uint64_t *p = (_Atomic uint64_t *)(b + o);
  uint64_t v = atomic_load(p);
  while (!atomic_compare_exchange_weak(p, &v, v * 3 + 1)) {}
}
CASE(cas128) {
  __int128 *p = (__int128 *)(b + o), expected = *p;
  __atomic_compare_exchange_n(p, &expected, ~expected, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
CASE(store128) { __atomic_store_n((__int128 *)(b + o), (__int128)-5, __ATOMIC_SEQ_CST); }
struct odd { char c[12]; };
CASE(generic_store) {
  struct odd v = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
  __atomic_store((struct odd *)(b + o), &v, __ATOMIC_SEQ_CST);
}
CASE(generic_xchg) {
  struct odd v = {{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}}, old;
  __atomic_exchange((struct odd *)(b + o), &v, &old, __ATOMIC_SEQ_CST);
}

int main(void) {
  unsigned char *b = rec_buf();
  int fail = 0;
#define RUN(fn, off, min) rec_begin(); fn(b, off); fail |= rec_check(#fn, min);
  RUN(rmw_add8, 64, 1) RUN(rmw_or16, 130, 1) RUN(rmw_xchg32, 200, 3) RUN(rmw_sub64, 256, 6)
  RUN(rmw_fadd, 320, 1) RUN(cas32, 400, 3) RUN(cas64_weak_loop, 512, 4) RUN(cas128, 640, 14)
  RUN(store128, 768, 14) RUN(generic_store, 900, 10) RUN(generic_xchg, 1000, 10)
  return fail;
}
