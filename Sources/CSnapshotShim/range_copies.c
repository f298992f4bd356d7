// The images' copies of the working range (snapshot_abi.h): a list threaded through the copies
// themselves, so registering needs no allocation and works from any constructor. Registration and
// publication are rare (once per image, once per process), so a spin lock is enough.
//
// Store order keeps every intermediate state a superset of the truth for writers reading the copy
// without synchronisation: when a copy goes from "everything" {0, MAX} or "nothing" {0, 0} to
// {b, s}, base is stored first ({b, MAX} still sends everything to the slow path; {b, 0} nothing,
// which is right because no mapping is visible yet); going back, size first.
#include "snapshot_abi.h"
#include "internal.h"

static struct __snapshot_range_copy *copies;
static char copies_lock;

static void lock(void) {
    while (__atomic_test_and_set(&copies_lock, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
}
static void unlock(void) { __atomic_clear(&copies_lock, __ATOMIC_RELEASE); }

static void fill(struct __snapshot_range_copy *c, uintptr_t base, uintptr_t size) {
    __atomic_store_n(&c->base, base, __ATOMIC_RELEASE);
    __atomic_store_n(&c->size, size, __ATOMIC_RELEASE);
}

void __snapshot_register_range(struct __snapshot_range_copy *copy) {
    lock();
    struct __snapshot_range_copy *c = copies;
    while (c && c != copy) c = c->next;
    if (!c) {
        copy->next = copies;
        copies = copy;
    }
    fill(copy, __atomic_load_n(&__snapshot_working_base, __ATOMIC_ACQUIRE),
         __atomic_load_n(&__snapshot_working_size, __ATOMIC_ACQUIRE));
    unlock();
}

void __snapshot_unregister_range(struct __snapshot_range_copy *copy) {
    lock();
    for (struct __snapshot_range_copy **p = &copies; *p; p = &(*p)->next)
        if (*p == copy) {
            *p = copy->next;
            break;
        }
    copy->next = 0;
    __atomic_store_n(&copy->size, SNAPSHOT_RANGE_UNREGISTERED, __ATOMIC_RELEASE);
    __atomic_store_n(&copy->base, 0, __ATOMIC_RELEASE);
    unlock();
}

void snapshot_publish_range_copies(uintptr_t base, uintptr_t size) {
    lock();
    for (struct __snapshot_range_copy *c = copies; c; c = c->next) fill(c, base, size);
    unlock();
}
