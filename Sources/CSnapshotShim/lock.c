// Contended paths of snapshot_lock_t (see snapshot_lock.h).
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "snapshot_lock.h"

// Both keep errno: a lock is taken and dropped between a failure and the caller's return.
void snapshot_lock_sleep(snapshot_lock_t *l) {
    int saved = errno;
    // Mark the lock contended (2) and sleep while it stays held; whoever takes it from here on
    // takes it as contended, so its drop wakes the next sleeper.
    while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
        syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    errno = saved;
}

void snapshot_lock_wake(snapshot_lock_t *l) {
    int saved = errno;
    syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    errno = saved;
}
