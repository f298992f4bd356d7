/*
 * snapshot_standin.h — the one stand-in for libsnapshot's side of snapshot_abi.h, for programs
 * built with the pass but linked without the real runtime: the coverage tests' recorder
 * (Tests/paths/recorder.c), the instrumentation benchmark's "maps nothing" runtime (unmapped.c)
 * and the benchmark ablations (bench/workloads/ablation.c). They differ only in what a record
 * does; the working range, the registration of each image's range copy, the ABI version symbol
 * and the set of record entry points are defined here once, so an ABI change is made in one place.
 *
 * Include in exactly one C file (compiled without the pass), which defines the three functions
 * declared below (what a record does), and may define STANDIN_RECORD_ATTR first: attributes of
 * the entry points (e.g. noinline, for a stand-in that measures the cost of the call itself).
 */
#ifndef SNAPSHOT_STANDIN_H
#define SNAPSHOT_STANDIN_H
#include "snapshot_abi.h"

#include <stddef.h>
#include <stdint.h>

#ifndef STANDIN_RECORD_ATTR
#define STANDIN_RECORD_ATTR
#endif

/* Defined by the including file. */
static void standin_fixed(void *addr, size_t n);   /* behind __snapshot_record_N, n = 1..64 */
static void standin_range(void *addr, size_t n);   /* behind __snapshot_record */
static void standin_cstring(char *addr);           /* behind __snapshot_record_cstring */

uintptr_t __snapshot_working_base;
uintptr_t __snapshot_working_size;

/* __snapshot_abi_version_<SNAPSHOT_ABI_VERSION>: the name instrumented objects reference. */
#define STANDIN_PASTE(a, b) a##b
#define STANDIN_VERSION_SYMBOL(v) STANDIN_PASTE(__snapshot_abi_version_, v)
const int STANDIN_VERSION_SYMBOL(SNAPSHOT_ABI_VERSION) = SNAPSHOT_ABI_VERSION;

/* The registered images' range copies, kept equal to the working range (as the runtime does). */
static struct __snapshot_range_copy *standin_copies;

static void standin_publish(void) {
    for (struct __snapshot_range_copy *c = standin_copies; c; c = c->next) {
        c->base = __snapshot_working_base;
        c->size = __snapshot_working_size;
    }
}

/* The working range every check compares with: {0, 0} (nothing mapped) until set. */
__attribute__((unused)) static void standin_set_range(void *base, size_t size) {
    __snapshot_working_base = (uintptr_t)base;
    __snapshot_working_size = size;
    standin_publish();
}

/* Idempotent, as snapshot_abi.h requires. */
void __snapshot_register_range(struct __snapshot_range_copy *copy) {
    struct __snapshot_range_copy *c = standin_copies;
    while (c && c != copy)
        c = c->next;
    if (!c) {
        copy->next = standin_copies;
        standin_copies = copy;
    }
    standin_publish();
}

void __snapshot_unregister_range(struct __snapshot_range_copy *copy) {
    for (struct __snapshot_range_copy **p = &standin_copies; *p; p = &(*p)->next)
        if (*p == copy) {
            *p = copy->next;
            break;
        }
    copy->base = 0;
    copy->size = SNAPSHOT_RANGE_UNREGISTERED;
}

#define STANDIN_FIXED(n) \
    STANDIN_RECORD_ATTR void __snapshot_record_##n(void *addr) { standin_fixed(addr, n); }
STANDIN_FIXED(1)
STANDIN_FIXED(2)
STANDIN_FIXED(4)
STANDIN_FIXED(8)
STANDIN_FIXED(16)
STANDIN_FIXED(32)
STANDIN_FIXED(64)
#undef STANDIN_FIXED

STANDIN_RECORD_ATTR void __snapshot_record(void *addr, size_t size) { standin_range(addr, size); }
STANDIN_RECORD_ATTR void __snapshot_record_cstring(char *addr) { standin_cstring(addr); }
#endif
