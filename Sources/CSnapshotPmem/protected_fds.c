/* Descriptors the runtime holds for itself (a managed file's own descriptor, its log, the
 * beyond-EOF memfd). A program never opened them, so to the program they do not exist: its close,
 * close_range, closefrom and dup2 must not take them away (a daemon's "close every descriptor"
 * loop would otherwise leave the runtime writing its log to whatever file reuses the number).
 * The interposers (CSnapshotShim/io.c) consult this table; the runtime's own calls bypass it.
 *
 * They are also moved to high numbers (SNAPSHOT_FD_FLOOR and up) when protected, away from the
 * small numbers programs dup2 onto (0, 1, 2 after closing them, say). */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SNAPSHOT_FD_FLOOR 512
#define TABLE_BITS 65536

static uint64_t protected_bits[TABLE_BITS / 64];
static int protected_count;

int snapshot_fd_protect(int fd) {
    if (fd < 0) return fd;
    if (fd < SNAPSHOT_FD_FLOOR) {
        int high = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, SNAPSHOT_FD_FLOOR);
        if (high >= 0) {   /* else (RLIMIT_NOFILE below the floor): keep the number we have */
            syscall(SYS_close, fd);
            fd = high;
        }
    }
    if (fd < TABLE_BITS) {
        __atomic_fetch_or(&protected_bits[fd / 64], 1ull << (fd % 64), __ATOMIC_RELEASE);
        __atomic_fetch_add(&protected_count, 1, __ATOMIC_RELEASE);
    }
    return fd;
}

void snapshot_fd_unprotect(int fd) {
    if (fd < 0 || fd >= TABLE_BITS) return;
    uint64_t bit = 1ull << (fd % 64);
    if (__atomic_fetch_and(&protected_bits[fd / 64], ~bit, __ATOMIC_RELEASE) & bit)
        __atomic_fetch_sub(&protected_count, 1, __ATOMIC_RELEASE);
}

int snapshot_fd_is_protected(int fd) {
    if (fd < 0 || fd >= TABLE_BITS || __atomic_load_n(&protected_count, __ATOMIC_ACQUIRE) == 0) return 0;
    return (__atomic_load_n(&protected_bits[fd / 64], __ATOMIC_ACQUIRE) >> (fd % 64)) & 1;
}

int snapshot_fd_next_protected(unsigned first, unsigned last) {
    if (__atomic_load_n(&protected_count, __ATOMIC_ACQUIRE) == 0) return -1;
    for (unsigned fd = first; fd <= last && fd < TABLE_BITS; fd++) {
        uint64_t word = __atomic_load_n(&protected_bits[fd / 64], __ATOMIC_ACQUIRE) >> (fd % 64);
        if (word == 0) { fd = (fd | 63); continue; }   /* the rest of this word is clear */
        if (word & 1) return (int)fd;
    }
    return -1;
}
