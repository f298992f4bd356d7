// Raw system calls, errno, stderr messages, the global lock and the per-thread "inside the runtime"
// flag. The raw calls use syscall(2) directly: no dlsym (which may allocate and may itself mmap),
// no dependence on symbol lookup order, and they can never recurse into our own interposers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "snapshot_shim.h"
#include "internal.h"

void *snapshot_raw_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
int snapshot_raw_munmap(void *addr, size_t len) { return (int)syscall(SYS_munmap, addr, len); }
int snapshot_raw_msync(void *addr, size_t len, int flags) {
    return (int)syscall(SYS_msync, addr, len, flags);
}
int snapshot_raw_mprotect(void *addr, size_t len, int prot) {
    return (int)syscall(SYS_mprotect, addr, len, prot);
}
int snapshot_raw_fsync(int fd) { return (int)syscall(SYS_fsync, fd); }
int snapshot_raw_fdatasync(int fd) { return (int)syscall(SYS_fdatasync, fd); }
void *snapshot_map_failed(void) { return MAP_FAILED; }
ssize_t snapshot_raw_pread(int fd, void *buf, size_t n, off_t off) { return syscall(SYS_pread64, fd, buf, n, off); }
off_t snapshot_raw_lseek(int fd, off_t off, int whence) { return (off_t)syscall(SYS_lseek, fd, off, whence); }

ssize_t snapshot_raw_pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_pwritev2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
}
ssize_t snapshot_raw_preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_preadv2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
}

int snapshot_peek(void *dst, const void *src, size_t n) {
    int fd = (int)syscall(SYS_open, "/proc/self/mem", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t done = 0;
    while ((size_t)done < n) {
        ssize_t r = syscall(SYS_pread64, fd, (char *)dst + done, n - done, (off_t)((uintptr_t)src + done));
        if (r <= 0) { int e = errno; syscall(SYS_close, fd); errno = r == 0 ? EIO : e; return -1; }
        done += r;
    }
    syscall(SYS_close, fd);
    return 0;
}

int snapshot_poke(void *dst, const void *src, size_t n) {
    // Opened per call: a cached descriptor could be closed by the program (closefrom) and its
    // number reused for one of the program's files, which this would then scribble on.
    int fd = (int)syscall(SYS_open, "/proc/self/mem", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t done = 0;
    while ((size_t)done < n) {
        ssize_t w = syscall(SYS_pwrite64, fd, (const char *)src + done, n - done, (off_t)((uintptr_t)dst + done));
        if (w <= 0) { int e = errno; syscall(SYS_close, fd); errno = w == 0 ? EIO : e; return -1; }
        done += w;
    }
    syscall(SYS_close, fd);
    return 0;
}
// An empty memfd: private mappings of it fault with SIGBUS (pages beyond a managed file's end).
int snapshot_raw_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */); }

int snapshot_get_errno(void) { return errno; }
void snapshot_set_errno(int e) { errno = e; }

void snapshot_message(const char *line) {
    // One write(2) per message so lines from several threads/processes do not interleave.
    char buf[1024];
    static const char prefix[] = "snapshot: ";
    size_t n = strlen(line), p = sizeof prefix - 1;
    if (n > sizeof buf - p - 2) n = sizeof buf - p - 2;
    memcpy(buf, prefix, p);
    memcpy(buf + p, line, n);
    buf[p + n] = '\n';
    int saved = errno;
    ssize_t unused = syscall(SYS_write, 2, buf, p + n + 1);
    (void)unused;
    errno = saved;
}

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
void snapshot_global_lock(void) { pthread_mutex_lock(&global_lock); }
void snapshot_global_unlock(void) { pthread_mutex_unlock(&global_lock); }

// A fork while another thread holds the global lock would leave the child's copy locked forever.
static void atfork_prepare(void) { pthread_mutex_lock(&global_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&global_lock); }
void snapshot_ro_atfork_child(void);
static void atfork_child(void) {
    pthread_mutex_init(&global_lock, NULL);
    snapshot_ro_atfork_child();
}
void snapshot_install_fork_handlers(void) {
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

// initial-exec: libsnapshot is a load-time dependency, so its TLS lives in the static block and
// reading it is one %fs-relative load (no __tls_get_addr, which may allocate).
__thread int snapshot_tls_in_runtime __attribute__((tls_model("initial-exec")));
int snapshot_enter_runtime(void) { int p = snapshot_tls_in_runtime; snapshot_tls_in_runtime = 1; return p; }
void snapshot_leave_runtime(int previous) { snapshot_tls_in_runtime = previous; }

static struct snapshot_stats totals;
void snapshot_stats_add(uint64_t commits, uint64_t lines, uint64_t log_bytes, uint64_t data_bytes,
                        uint64_t nanoseconds, uint64_t recoveries) {
    __atomic_fetch_add(&totals.commits, commits, __ATOMIC_RELAXED);
    __atomic_fetch_add(&totals.lines_committed, lines, __ATOMIC_RELAXED);
    __atomic_fetch_add(&totals.log_bytes_written, log_bytes, __ATOMIC_RELAXED);
    __atomic_fetch_add(&totals.data_bytes_written, data_bytes, __ATOMIC_RELAXED);
    __atomic_fetch_add(&totals.commit_nanoseconds, nanoseconds, __ATOMIC_RELAXED);
    __atomic_fetch_add(&totals.recoveries, recoveries, __ATOMIC_RELAXED);
}

void snapshot_stats_add_ordering_points(uint64_t n) {
    __atomic_fetch_add(&totals.ordering_points, n, __ATOMIC_RELAXED);
}

int snapshot_stats(struct snapshot_stats *out) {
    if (!out) { errno = EINVAL; return -1; }
    out->commits = __atomic_load_n(&totals.commits, __ATOMIC_RELAXED);
    out->lines_committed = __atomic_load_n(&totals.lines_committed, __ATOMIC_RELAXED);
    out->log_bytes_written = __atomic_load_n(&totals.log_bytes_written, __ATOMIC_RELAXED);
    out->data_bytes_written = __atomic_load_n(&totals.data_bytes_written, __ATOMIC_RELAXED);
    out->commit_nanoseconds = __atomic_load_n(&totals.commit_nanoseconds, __ATOMIC_RELAXED);
    out->recoveries = __atomic_load_n(&totals.recoveries, __ATOMIC_RELAXED);
    out->ordering_points = __atomic_load_n(&totals.ordering_points, __ATOMIC_RELAXED);
    return 0;
}
