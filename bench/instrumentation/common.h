/* Shared helpers of the instrumentation benchmarks: a deterministic PRNG, a scale argument and a
 * checksum printed at the end (so the work cannot be optimised away and both builds can be
 * compared for equal output). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state = 0x853c49e6748fea9bull;
static inline uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static inline long scale_arg(int argc, char **argv, long dflt) {
  return argc > 1 ? atol(argv[1]) : dflt;
}
static inline void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) { perror("malloc"); exit(2); }
  return p;
}
#endif
