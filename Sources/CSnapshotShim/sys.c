// errno, stderr messages, the global lock, the per-thread "inside the runtime" flag and
// /proc/self/mem copies. The raw system calls themselves are in CSnapshotPmem/sys_raw.c (one layer,
// one failure convention, shared with the engine).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "snapshot_shim.h"
#include "snapshot_lock.h"
#include "snapshot_pmem.h"
#include "internal.h"

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

snapshot_lock_t snapshot_global_lock_state;   // taken and dropped inline (snapshot_shim.h)

// A fork while another thread holds the global lock would leave the child's copy locked forever.
static void atfork_prepare(void) { snapshot_lock_take(&snapshot_global_lock_state); }
static void atfork_parent(void) { snapshot_lock_drop(&snapshot_global_lock_state); }
void snapshot_ro_atfork_child(void);
static void atfork_child(void) {
    snapshot_lock_reset(&snapshot_global_lock_state);
    snapshot_ro_atfork_child();
}
void snapshot_install_fork_handlers(void) {
    snapshot_sys_fork_hooks(atfork_prepare, atfork_parent, atfork_child);
}

// initial-exec: libsnapshot is a load-time dependency, so its TLS lives in the static block and
// reading it is one %fs-relative load (no __tls_get_addr, which may allocate).
__thread int snapshot_tls_in_runtime __attribute__((tls_model("initial-exec")));

