/* Raw system calls: the one layer, for the runtime and the engine alike. libsnapshot interposes
 * mmap/munmap/mremap/msync/fsync/fdatasync/pread/... for the program; its own calls go straight to
 * the kernel with syscall(2): no dlsym (which may allocate and may itself mmap), no dependence on
 * symbol lookup order, never a recursion into the interposers, and the engine's log and recovery
 * mappings can never be taken for (or committed as) managed mappings.
 * One convention: the kernel's. -1 and errno; mmap/mremap return MAP_FAILED, which the mmap
 * interposer hands back to the program as it is. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

void *snapshot_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *snapshot_sys_map_failed(void) { return MAP_FAILED; }

int snapshot_sys_munmap(void *addr, size_t len) { return (int)syscall(SYS_munmap, addr, len); }

void *snapshot_sys_mremap_maymove(void *old, size_t oldlen, size_t newlen) {
    return (void *)syscall(SYS_mremap, old, oldlen, newlen, MREMAP_MAYMOVE, NULL);
}

int snapshot_sys_msync(void *addr, size_t len, int flags) {
    return (int)syscall(SYS_msync, addr, len, flags);
}

int snapshot_sys_fsync(int fd) { return (int)syscall(SYS_fsync, fd); }

int snapshot_sys_fdatasync(int fd) { return (int)syscall(SYS_fdatasync, fd); }

ssize_t snapshot_getrandom(void *buf, size_t n) { return syscall(SYS_getrandom, buf, n, 1 /* GRND_NONBLOCK */); }

int snapshot_sys_mprotect(void *addr, size_t len, int prot) { return (int)syscall(SYS_mprotect, addr, len, prot); }

ssize_t snapshot_sys_pread(int fd, void *buf, size_t n, off_t off) { return syscall(SYS_pread64, fd, buf, n, off); }

off_t snapshot_sys_lseek(int fd, off_t off, int whence) { return (off_t)syscall(SYS_lseek, fd, off, whence); }

ssize_t snapshot_sys_pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_pwritev2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
}

ssize_t snapshot_sys_preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_preadv2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
}

/* An empty memfd: private mappings of it fault with SIGBUS (pages beyond a managed file's end). */
int snapshot_sys_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */); }

static uint64_t event_counter;

uint64_t snapshot_event_next(void) {
    return __atomic_add_fetch(&event_counter, 1, __ATOMIC_SEQ_CST);
}

/* Fork generation: bumped in every child by a pthread_atfork handler, so "am I still the process
 * that opened this file?" costs a load instead of a getpid() system call per commit. */
uint64_t snapshot_fork_generation_word;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The pid, cached for the same reason (glibc no longer caches getpid()); forgotten in the child. */
static pid_t cached_pid;

/* The one pthread_atfork registration of the process; the runtime adds its own steps (its global
 * lock) through snapshot_sys_fork_hooks. */
static void (*hook_prepare)(void), (*hook_parent)(void), (*hook_child)(void);

static void on_prepare(void) { if (hook_prepare) hook_prepare(); }
static void on_parent(void) { if (hook_parent) hook_parent(); }
static void in_child(void) {
    __atomic_add_fetch(&snapshot_fork_generation_word, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&cached_pid, 0, __ATOMIC_RELAXED);
    if (hook_child) hook_child();
}
static void register_atfork(void) { pthread_atfork(on_prepare, on_parent, in_child); }

void snapshot_sys_fork_hooks(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
    pthread_once(&atfork_once, register_atfork);
    hook_prepare = prepare;
    hook_parent = parent;
    hook_child = child;
}

uint64_t snapshot_fork_generation(void) {
    pthread_once(&atfork_once, register_atfork);
    return __atomic_load_n(&snapshot_fork_generation_word, __ATOMIC_RELAXED);
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
