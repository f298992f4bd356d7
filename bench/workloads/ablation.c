/*
 * ablation.c — stands in for libsnapshot in the two instrumentation-cost ablations: the stand-in
 * runtime (PassPlugin/standin/snapshot_standin.h) with record functions that do nothing, so a
 * program built by snapshot-cc pays exactly the instrumentation and nothing of the runtime:
 *   snapshot-noop:  persist.c calls bench_ablation_set_range(heap) -> every heap write passes the
 *                   inline range check and calls a no-op record function (real, out-of-line call);
 *   snapshot-check: the range stays empty -> every write pays the inline range check only.
 * Compiled with plain clang-14 (never instrumented itself).
 */
#define STANDIN_RECORD_ATTR __attribute__((noinline))
#include "../../PassPlugin/standin/snapshot_standin.h"

void bench_ablation_set_range(void *base, size_t size) { standin_set_range(base, size); }

/* An empty asm keeps a body the optimiser cannot drop: each record stays a real call. */
static void standin_fixed(void *addr, size_t n) { __asm__ volatile("" ::"r"(addr), "r"(n)); }
static void standin_range(void *addr, size_t n) { __asm__ volatile("" ::"r"(addr), "r"(n)); }
static void standin_cstring(char *addr) { __asm__ volatile("" ::"r"(addr)); }
