// Private to the C layer.
#ifndef SNAPSHOT_INTERNAL_H
#define SNAPSHOT_INTERNAL_H
#include <stdint.h>
#include <stddef.h>
#include "snapshot_abi.h"
#include "snapshot_shim.h"
#include "snapshot_pmem.h"

// Hidden aliases of the exported globals: inside libsnapshot.so they are read RIP-relative, not
// through the GOT (the exported names stay interposable for nobody's benefit otherwise).
extern uintptr_t snapshot_working_base_local __attribute__((visibility("hidden")));
extern uintptr_t snapshot_working_size_local __attribute__((visibility("hidden")));
extern uint64_t *snapshot_dirty_bits_local __attribute__((visibility("hidden")));

// Mirrors the range into every image's registered copy (range_copies.c).
void snapshot_publish_range_copies(uintptr_t base, uintptr_t size);

// Per-thread "inside the runtime" flag: interposers pass straight through while it is set, so the
// engine (libpmem, log mappings, recovery) and the Swift runtime never recurse into management.
// initial-exec: one %fs load. Entered and left inline: a commit per operation pays for each call.
extern __thread int snapshot_tls_in_runtime __attribute__((tls_model("initial-exec")));
static inline int snapshot_enter_runtime(void) {   // returns the previous value
    int p = snapshot_tls_in_runtime;
    snapshot_tls_in_runtime = 1;
    return p;
}
static inline void snapshot_leave_runtime(int previous) { snapshot_tls_in_runtime = previous; }

static inline int snapshot_overlaps(uintptr_t a, size_t len, uintptr_t base, uintptr_t size) {
    if (size == 0) return 0;
    uintptr_t end = a + (len ? len : 1);
    if (end < a) end = UINTPTR_MAX;
    return a < base + size && base < end;
}
// Is the address inside the working half? One subtraction and one unsigned compare (an empty
// reservation holds nothing): msync tests this on every commit.
static inline int snapshot_working_holds(uintptr_t a) {
    return a - __snapshot_working_base < __snapshot_working_size;
}
static inline int snapshot_in_reservation(uintptr_t a, size_t len) {
    return snapshot_overlaps(a, len, __snapshot_working_base, __snapshot_working_size) ||
           snapshot_overlaps(a, len, snapshot_persistent_base, __snapshot_working_size);
}
// The interposers' first test: are we managing anything, and is this call not our own?
static inline int snapshot_active(void) {
    return __atomic_load_n(&snapshot_state, __ATOMIC_ACQUIRE) == SNAPSHOT_STATE_ACTIVE &&
           !snapshot_tls_in_runtime;
}
// Slot of the managed file fd refers to, or -1. One load for descriptors below the table size.
static inline int snapshot_fd_slot(int fd) {
    if ((unsigned)fd < SNAPSHOT_FD_TABLE) return (int)__atomic_load_n(&snapshot_fd_slots[fd], __ATOMIC_RELAXED) - 1;
    if (fd < 0 || __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0) return -1;
    return snapshot_fd_slot_slow(fd);
}
#endif
