// Read-only MAP_SHARED file mappings that passed through the runtime. They are remembered so that
// mprotect(PROT_WRITE) on one can be refused: it would turn it into a plain writable shared mapping,
// whose stores reach the file without any atomicity — a silent downgrade. A small fixed table with a
// spin lock: no allocation, usable from the interposers. Mappings beyond the table are not tracked
// (documented gap); the table is only consulted while it is non-empty.
#include <stdint.h>
#include "internal.h"

#define RO_MAX 128
static struct { uintptr_t start, end; } ro[RO_MAX];
static int ro_used;               // slots in use (0..RO_MAX), read racily as the fast-path test
static char ro_spin;

static void lock(void) { while (__atomic_test_and_set(&ro_spin, __ATOMIC_ACQUIRE)) __builtin_ia32_pause(); }
static void unlock(void) { __atomic_clear(&ro_spin, __ATOMIC_RELEASE); }

// The child of a fork has one thread: a spin lock held by another thread of the parent is void.
void snapshot_ro_atfork_child(void) { __atomic_clear(&ro_spin, __ATOMIC_RELEASE); }

int snapshot_ro_any(void) { return __atomic_load_n(&ro_used, __ATOMIC_RELAXED) != 0; }

static void add_locked(uintptr_t s, uintptr_t e) {
    for (int i = 0; i < RO_MAX; i++)
        if (ro[i].start == ro[i].end) {
            ro[i].start = s;
            ro[i].end = e;
            __atomic_fetch_add(&ro_used, 1, __ATOMIC_RELAXED);
            return;
        }
}

void snapshot_ro_add(void *addr, size_t len) {
    uintptr_t s = (uintptr_t)addr, e = s + ((len + 4095) & ~(size_t)4095);
    lock();
    add_locked(s, e);
    unlock();
}

// [addr, addr+len) no longer holds what it held (munmap, MAP_FIXED over it, mremap away).
void snapshot_ro_forget(void *addr, size_t len) {
    uintptr_t s = (uintptr_t)addr, e = s + ((len + 4095) & ~(size_t)4095);
    lock();
    for (int i = 0; i < RO_MAX; i++) {
        uintptr_t a = ro[i].start, b = ro[i].end;
        if (a == b || e <= a || b <= s) continue;
        if (s <= a && b <= e) {                       // wholly gone
            ro[i].start = ro[i].end = 0;
            __atomic_fetch_sub(&ro_used, 1, __ATOMIC_RELAXED);
        } else if (s <= a) {                          // head gone
            ro[i].start = e;
        } else if (b <= e) {                          // tail gone
            ro[i].end = s;
        } else {                                      // hole in the middle: split
            ro[i].end = s;
            add_locked(e, b);
        }
    }
    unlock();
}

int snapshot_ro_overlaps(const void *addr, size_t len) {
    uintptr_t s = (uintptr_t)addr, e = s + (len ? len : 1);
    int hit = 0;
    lock();
    for (int i = 0; i < RO_MAX && !hit; i++)
        hit = ro[i].start != ro[i].end && s < ro[i].end && ro[i].start < e;
    unlock();
    return hit;
}
