/* Raw system calls. libsnapshot interposes mmap/munmap/mremap/msync/fsync/fdatasync for the
 * program; the engine's own log and recovery mappings go straight to the kernel so they can never
 * be taken for (or committed as) managed mappings. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *snapshot_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    return r == -1 ? NULL : (void *)r;
}

int snapshot_sys_munmap(void *addr, size_t len) { return (int)syscall(SYS_munmap, addr, len); }

void *snapshot_sys_mremap_maymove(void *old, size_t oldlen, size_t newlen) {
    long r = syscall(SYS_mremap, old, oldlen, newlen, MREMAP_MAYMOVE, NULL);
    return r == -1 ? NULL : (void *)r;
}

int snapshot_sys_msync(void *addr, size_t len, int flags) {
    return (int)syscall(SYS_msync, addr, len, flags);
}

int snapshot_sys_fsync(int fd) { return (int)syscall(SYS_fsync, fd); }

int snapshot_sys_fdatasync(int fd) { return (int)syscall(SYS_fdatasync, fd); }

static uint64_t event_counter;

uint64_t snapshot_event_next(void) {
    return __atomic_add_fetch(&event_counter, 1, __ATOMIC_SEQ_CST);
}

/* Fork generation: bumped in every child by a pthread_atfork handler, so "am I still the process
 * that opened this file?" costs a load instead of a getpid() system call per commit. */
static uint64_t fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The pid, cached for the same reason (glibc no longer caches getpid()); forgotten in the child. */
static pid_t cached_pid;

static void in_child(void) {
    __atomic_add_fetch(&fork_generation, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&cached_pid, 0, __ATOMIC_RELAXED);
}
static void register_atfork(void) { pthread_atfork(NULL, NULL, in_child); }

uint64_t snapshot_fork_generation(void) {
    pthread_once(&atfork_once, register_atfork);
    return __atomic_load_n(&fork_generation, __ATOMIC_RELAXED);
}

pid_t snapshot_current_pid(void) {
    pthread_once(&atfork_once, register_atfork);
    pid_t pid = __atomic_load_n(&cached_pid, __ATOMIC_RELAXED);
    if (pid == 0) {
        pid = (pid_t)syscall(SYS_getpid);
        __atomic_store_n(&cached_pid, pid, __ATOMIC_RELAXED);
    }
    return pid;
}
