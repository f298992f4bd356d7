/* The runtime's mutex: the global lock and each file's commit lock.
 *
 * A commit takes two locks, so their cost is paid on every msync. Uncontended, taking this lock is
 * one compare-and-exchange and dropping it one exchange (pthread_mutex_lock + unlock ran ~60
 * instructions per pair). Contended, waiters sleep on a futex: state 0 free, 1 held, 2 held with
 * sleepers (the classic three-state futex mutex), so an uncontended drop never enters the kernel.
 * Not recursive, like the default pthread mutex it replaces.
 *
 * While the process is single-threaded (snapshot_words.h) both are plain stores: no other thread
 * can contend, and a locked drop would wait for the commit's unfenced data stores, which is the
 * whole point of leaving them unfenced. A lock taken that way and dropped after the process
 * gained a thread is dropped with the exchange, so a thread that queued behind it is woken. */
#ifndef SNAPSHOT_LOCK_H
#define SNAPSHOT_LOCK_H
#include "snapshot_words.h"

typedef struct { int state; } snapshot_lock_t;

void snapshot_lock_sleep(snapshot_lock_t *l);   /* slow paths (lock.c) */
void snapshot_lock_wake(snapshot_lock_t *l);

static inline __attribute__((always_inline)) void snapshot_lock_take(snapshot_lock_t *l) {
    // Held while single-threaded can only be this thread re-entering (a signal handler): that
    // takes the locked path and blocks, as a non-recursive mutex does, rather than proceed.
    if (__builtin_expect(snapshot_single_threaded() && __atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0, 1)) {
        __atomic_store_n(&l->state, 1, __ATOMIC_RELAXED);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        return;
    }
    int expected = 0;
    if (__builtin_expect(__atomic_compare_exchange_n(&l->state, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                                     __ATOMIC_RELAXED), 1))
        return;
    snapshot_lock_sleep(l);
}

static inline __attribute__((always_inline)) void snapshot_lock_drop(snapshot_lock_t *l) {
    if (__builtin_expect(snapshot_single_threaded(), 1)) {
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED);
        return;
    }
    if (__builtin_expect(__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) != 1, 0)) snapshot_lock_wake(l);
}

/* A forked child's copy: whatever thread held it does not exist in the child. */
static inline void snapshot_lock_reset(snapshot_lock_t *l) { __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED); }
#endif
