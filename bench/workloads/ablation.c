/*
 * ablation.c — stands in for libsnapshot in the two instrumentation-cost ablations. It defines the
 * pass<->runtime ABI (snapshot_abi.h) with record functions that do nothing, so a program built by
 * snapshot-cc pays exactly the instrumentation and nothing of the runtime:
 *   snapshot-noop:  persist.c calls bench_ablation_set_range(heap) -> every heap write passes the
 *                   inline range check and calls a no-op record function (real, out-of-line call);
 *   snapshot-check: the range stays empty -> every write pays the inline range check only.
 * Compiled with plain clang-14 (never instrumented itself).
 */
#include "snapshot_abi.h"

uintptr_t __snapshot_working_base = 0;
uintptr_t __snapshot_working_size = 0;
const int __snapshot_abi_version_2 = SNAPSHOT_ABI_VERSION;

/* The images' range copies, kept equal to the range above (one image here: the executable). */
static struct __snapshot_range_copy *copies;
static void publish(void) {
    for (struct __snapshot_range_copy *c = copies; c; c = c->next) {
        c->base = __snapshot_working_base;
        c->size = __snapshot_working_size;
    }
}
void __snapshot_register_range(struct __snapshot_range_copy *copy) {
    copy->next = copies;
    copies = copy;
    publish();
}
void __snapshot_unregister_range(struct __snapshot_range_copy *copy) {
    copy->size = SNAPSHOT_RANGE_UNREGISTERED;
    copy->base = 0;
}

void bench_ablation_set_range(void *base, size_t size) {
    __snapshot_working_base = (uintptr_t)base;
    __snapshot_working_size = size;
    publish();
}

/* noinline + an empty asm keep each a real call with a body the optimiser cannot drop. */
#define NOOP_RECORD(n) \
    __attribute__((noinline)) void __snapshot_record_##n(void *addr) { __asm__ volatile("" ::"r"(addr)); }
NOOP_RECORD(1)
NOOP_RECORD(2)
NOOP_RECORD(4)
NOOP_RECORD(8)
NOOP_RECORD(16)
NOOP_RECORD(32)
NOOP_RECORD(64)

__attribute__((noinline)) void __snapshot_record(void *addr, size_t size) {
    __asm__ volatile("" ::"r"(addr), "r"(size));
}

__attribute__((noinline)) void __snapshot_record_cstring(char *addr) {
    __asm__ volatile("" ::"r"(addr));
}
