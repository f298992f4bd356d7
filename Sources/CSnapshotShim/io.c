// File I/O on descriptors of managed files goes through the working copy (IO.swift): a write is
// part of the next commit like a store into the mapping, and a read sees the working contents.
// Every other descriptor costs one table load (snapshot_fd_slot) before the raw system call.
// Also here: the descriptor table's upkeep (open, dup, fcntl, close) and the calls that report
// or use the size (fstat/stat, lseek SEEK_END), which must show the logical size.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "internal.h"
#include "snapshot_pmem.h"

// On the 64-bit targets this builds for, struct stat and struct stat64 are the same layout.
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64 layout");
#include "swift_entry.h"

#define EXPORT __attribute__((visibility("default")))
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif

// The slot of a managed descriptor when this call is the program's, else -1.
static inline int managed_slot(int fd) {
    int slot = snapshot_fd_slot(fd);
    if (__builtin_expect(slot < 0, 1)) return -1;
    return snapshot_active() ? slot : -1;
}

static ssize_t managed_write(int slot, int fd, const struct iovec *iov, int n, off_t off, int append) {
    int prev = snapshot_enter_runtime();
    ssize_t r = snapshot_rt_write(slot, fd, iov, n, off, append);
    snapshot_leave_runtime(prev);
    return r;
}
static ssize_t managed_read(int slot, int fd, const struct iovec *iov, int n, off_t off) {
    int prev = snapshot_enter_runtime();
    ssize_t r = snapshot_rt_read(slot, fd, iov, n, off);
    snapshot_leave_runtime(prev);
    return r;
}

// ---- writes ---------------------------------------------------------------------------------
EXPORT ssize_t write(int fd, const void *buf, size_t n) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_write, fd, buf, n);
    struct iovec v = {(void *)buf, n};
    return managed_write(slot, fd, &v, 1, -1, 0);
}
static ssize_t pwrite_impl(int fd, const void *buf, size_t n, off_t off) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_pwrite64, fd, buf, n, off);
    if (off < 0) { errno = EINVAL; return -1; }
    struct iovec v = {(void *)buf, n};
    return managed_write(slot, fd, &v, 1, off, 0);
}
EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { return pwrite_impl(fd, buf, n, off); }
EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite_impl(fd, buf, n, off); }
EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_writev, fd, iov, n);
    return managed_write(slot, fd, iov, n, -1, 0);
}
static ssize_t pwritev_impl(int fd, const struct iovec *iov, int n, off_t off, int flags, int v2) {
    int slot = managed_slot(fd);
    if (slot < 0) {
        if (v2) return syscall(SYS_pwritev2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
        return syscall(SYS_pwritev, fd, iov, n, (long)off, (long)((uint64_t)off >> 32));
    }
    if (off < 0 && !(v2 && off == -1)) { errno = EINVAL; return -1; }   // -1: pwritev2's "file offset"
    return managed_write(slot, fd, iov, n, off, (flags & RWF_APPEND) != 0);
}
EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) { return pwritev_impl(fd, iov, n, off, 0, 0); }
EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off) { return pwritev_impl(fd, iov, n, off, 0, 0); }
EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags) { return pwritev_impl(fd, iov, n, off, flags, 1); }
EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int n, off_t off, int flags) { return pwritev_impl(fd, iov, n, off, flags, 1); }

// ---- reads ----------------------------------------------------------------------------------
EXPORT ssize_t read(int fd, void *buf, size_t n) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_read, fd, buf, n);
    struct iovec v = {buf, n};
    return managed_read(slot, fd, &v, 1, -1);
}
static ssize_t pread_impl(int fd, void *buf, size_t n, off_t off) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_pread64, fd, buf, n, off);
    if (off < 0) { errno = EINVAL; return -1; }
    struct iovec v = {buf, n};
    return managed_read(slot, fd, &v, 1, off);
}
EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off) { return pread_impl(fd, buf, n, off); }
EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread_impl(fd, buf, n, off); }
EXPORT ssize_t readv(int fd, const struct iovec *iov, int n) {
    int slot = managed_slot(fd);
    if (slot < 0) return syscall(SYS_readv, fd, iov, n);
    return managed_read(slot, fd, iov, n, -1);
}
static ssize_t preadv_impl(int fd, const struct iovec *iov, int n, off_t off, int flags, int v2) {
    int slot = managed_slot(fd);
    if (slot < 0) {
        if (v2) return syscall(SYS_preadv2, fd, iov, n, (long)off, (long)((uint64_t)off >> 32), flags);
        return syscall(SYS_preadv, fd, iov, n, (long)off, (long)((uint64_t)off >> 32));
    }
    if (off < 0 && !(v2 && off == -1)) { errno = EINVAL; return -1; }
    return managed_read(slot, fd, iov, n, off);
}
EXPORT ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off) { return preadv_impl(fd, iov, n, off, 0, 0); }
EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int n, off_t off) { return preadv_impl(fd, iov, n, off, 0, 0); }
EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags) { return preadv_impl(fd, iov, n, off, flags, 1); }
EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int n, off_t off, int flags) { return preadv_impl(fd, iov, n, off, flags, 1); }

// ---- copies between descriptors ---------------------------------------------------------------
// When either end is managed the copy goes through a buffer and the calls above, so the managed end
// sees (or is) the working copy. *off_in / *off_out as the kernel: NULL means the file offset.
static ssize_t copy_through(int in, off_t *off_in, int out, off_t *off_out, size_t len) {
    char buf[65536];
    size_t done = 0;
    while (done < len) {
        size_t want = len - done < sizeof buf ? len - done : sizeof buf;
        ssize_t got = off_in ? pread_impl(in, buf, want, *off_in) : read(in, buf, want);
        if (got < 0) return done ? (ssize_t)done : -1;
        if (got == 0) break;
        ssize_t put = 0;
        while (put < got) {
            ssize_t w = off_out ? pwrite_impl(out, buf + put, (size_t)(got - put), *off_out + put)
                                : write(out, buf + put, (size_t)(got - put));
            if (w < 0) {
                // Bytes read but not written: give the input offset back what was not used.
                if (off_in) *off_in += put; else if (got - put > 0) lseek(in, -(off_t)(got - put), SEEK_CUR);
                if (off_out) *off_out += put;
                done += (size_t)put;
                return done ? (ssize_t)done : -1;
            }
            put += w;
        }
        if (off_in) *off_in += got;
        if (off_out) *off_out += got;
        done += (size_t)got;
        if ((size_t)got < want) break;
    }
    return (ssize_t)done;
}

EXPORT ssize_t copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags) {
    if (managed_slot(in) < 0 && managed_slot(out) < 0)
        return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
    if (flags) { errno = EINVAL; return -1; }
    return copy_through(in, off_in, out, off_out, len);
}
static ssize_t sendfile_impl(int out, int in, off_t *offset, size_t count) {
    if (managed_slot(in) < 0 && managed_slot(out) < 0) return syscall(SYS_sendfile, out, in, offset, count);
    return copy_through(in, offset, out, NULL, count);
}
EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t count) { return sendfile_impl(out, in, offset, count); }
EXPORT ssize_t sendfile64(int out, int in, off_t *offset, size_t count) { return sendfile_impl(out, in, offset, count); }

// ---- the size as the program sees it ----------------------------------------------------------
static void patch_size(struct stat *st) {
    if (__atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0 || snapshot_tls_in_runtime) return;
    int slot = snapshot_slot_find((uint64_t)st->st_dev, (uint64_t)st->st_ino);
    if (slot >= 0) st->st_size = __atomic_load_n(&snapshot_file_slots[slot].size, __ATOMIC_RELAXED);
}
EXPORT int fstat(int fd, struct stat *st) {
    int r = (int)syscall(SYS_fstat, fd, st);
    if (r == 0) patch_size(st);
    return r;
}
EXPORT int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }
EXPORT int stat(const char *path, struct stat *st) {
    int r = (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
    if (r == 0) patch_size(st);
    return r;
}
EXPORT int stat64(const char *path, struct stat64 *st) { return stat(path, (struct stat *)st); }
EXPORT int lstat(const char *path, struct stat *st) {
    int r = (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
    if (r == 0) patch_size(st);
    return r;
}
EXPORT int lstat64(const char *path, struct stat64 *st) { return lstat(path, (struct stat *)st); }
EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    int r = (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
    if (r == 0) patch_size(st);
    return r;
}
EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) { return fstatat(dirfd, path, (struct stat *)st, flags); }
EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) {
    int r = (int)syscall(SYS_statx, dirfd, path, flags, mask, sx);
    if (r == 0 && __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0 && !snapshot_tls_in_runtime) {
        // glibc's makedev: how struct stat's st_dev encodes the major and minor numbers.
        uint64_t dev = ((uint64_t)(sx->stx_dev_major & 0xfffff000u) << 32) | ((uint64_t)(sx->stx_dev_major & 0xfffu) << 8) |
              ((uint64_t)(sx->stx_dev_minor & 0xffffff00u) << 12) | (uint64_t)(sx->stx_dev_minor & 0xffu);
        int slot = snapshot_slot_find(dev, sx->stx_ino);
        if (slot >= 0) sx->stx_size = (uint64_t)__atomic_load_n(&snapshot_file_slots[slot].size, __ATOMIC_RELAXED);
    }
    return r;
}

// SEEK_END (and SEEK_DATA/SEEK_HOLE, for which the whole logical file is data) use the logical size.
static off_t lseek_impl(int fd, off_t off, int whence) {
    int slot = managed_slot(fd);
    if (slot < 0 || (whence != SEEK_END && whence != SEEK_DATA && whence != SEEK_HOLE))
        return (off_t)syscall(SYS_lseek, fd, off, whence);
    off_t size = __atomic_load_n(&snapshot_file_slots[slot].size, __ATOMIC_RELAXED);
    off_t to;
    if (whence == SEEK_END) to = size + off;
    else if (off >= size) { errno = ENXIO; return -1; }
    else to = whence == SEEK_DATA ? off : size;
    if (to < 0) { errno = EINVAL; return -1; }
    return (off_t)syscall(SYS_lseek, fd, to, SEEK_SET);
}
EXPORT off_t lseek(int fd, off_t off, int whence) { return lseek_impl(fd, off, whence); }
EXPORT off_t lseek64(int fd, off_t off, int whence) { return lseek_impl(fd, off, whence); }

// ---- recovery at open ---------------------------------------------------------------------------
// A file a crash left with commits in its log is brought to its committed state when a Snapshot
// program opens it, before the program can fstat or read it (OpenRecovery.swift). The test for
// every other file: one fgetxattr (the session mark). Where the filesystem keeps no extended
// attributes, every non-empty regular file goes to the runtime, which looks for a log beside it.
static int may_need_recovery(int fd) {
    long n = snapshot_mark_get(fd, NULL, 0);
    if (n > 0) return 1;
    if (n != -ENOTSUP && n != -EOPNOTSUPP) return 0;
    struct stat st;
    return syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}
// 0, or errno when the open must fail (the descriptor is still open: the caller closes it).
static int refused_at_open(int fd) {
    if (snapshot_tls_in_runtime || __atomic_load_n(&snapshot_state, __ATOMIC_ACQUIRE) == SNAPSHOT_STATE_DISABLED)
        return 0;
    int saved = errno;
    int e = 0;
    if (may_need_recovery(fd)) {
        int prev = snapshot_enter_runtime();
        if (snapshot_rt_opened(fd) != 0) e = errno ? errno : EIO;
        snapshot_leave_runtime(prev);
    }
    errno = saved;
    return e;
}

// ---- descriptor table upkeep -----------------------------------------------------------------
// A new descriptor of a managed file joins its slot. open(O_TRUNC) of a managed file must not let
// the kernel empty the real file: it is opened without O_TRUNC and truncated logically.
static int join_table(int fd, int truncating);
static int opened(int fd, int truncating) {
    if (fd < 0) return fd;
    int refusal = refused_at_open(fd);
    if (refusal) { syscall(SYS_close, fd); errno = refusal; return -1; }
    return join_table(fd, truncating);
}
static int join_table(int fd, int truncating) {
    if (__atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0 || snapshot_tls_in_runtime)
        return fd;
    int slot = snapshot_fd_slot_slow(fd);
    snapshot_fd_set(fd, slot);
    if (slot >= 0 && truncating) {
        int saved = errno;
        if (ftruncate(fd, 0) != 0) { int e = errno; syscall(SYS_close, fd); snapshot_fd_set(fd, -1); errno = e; return -1; }
        errno = saved;
    }
    return fd;
}
static int open_impl(int dirfd, const char *path, int flags, mode_t mode) {
    int truncating = 0;
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
        __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0 && !snapshot_tls_in_runtime) {
        struct stat st;
        if (syscall(SYS_newfstatat, dirfd, path, &st, 0) == 0 &&
            snapshot_slot_find((uint64_t)st.st_dev, (uint64_t)st.st_ino) >= 0) {
            flags &= ~O_TRUNC;
            truncating = 1;
        }
    }
    return opened((int)syscall(SYS_openat, dirfd, path, flags, mode), truncating);
}
static mode_t mode_arg(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}
EXPORT int open(const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
    return open_impl(AT_FDCWD, path, flags, m);
}
EXPORT int open64(const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
    return open_impl(AT_FDCWD, path, flags | O_LARGEFILE, m);
}
EXPORT int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
    return open_impl(dirfd, path, flags, m);
}
EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
    return open_impl(dirfd, path, flags | O_LARGEFILE, m);
}
// _FORTIFY_SOURCE variants (no mode: the compiler checked that O_CREAT comes with one elsewhere).
EXPORT int __open_2(const char *path, int flags) { return open_impl(AT_FDCWD, path, flags, 0); }
EXPORT int __open64_2(const char *path, int flags) { return open_impl(AT_FDCWD, path, flags | O_LARGEFILE, 0); }
EXPORT int __openat_2(int dirfd, const char *path, int flags) { return open_impl(dirfd, path, flags, 0); }
EXPORT int __openat64_2(int dirfd, const char *path, int flags) { return open_impl(dirfd, path, flags | O_LARGEFILE, 0); }
EXPORT int creat(const char *path, mode_t mode) { return open_impl(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
EXPORT int creat64(const char *path, mode_t mode) { return open_impl(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE, mode); }

// stdio opens and closes through libc-internal calls the interposers above never see. C++ streams
// (libstdc++'s filebuf) open with fopen and then use read/write on the descriptor, so descriptors
// of managed files opened this way must be in the table, and the table must forget them at fclose.
static int fopen_flags(const char *mode) {
    int flags = 0;
    switch (mode[0]) {
    case 'r': flags = O_RDONLY; break;
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: return -1;
    }
    for (const char *c = mode + 1; *c && *c != ','; c++) {
        if (*c == '+') flags = (flags & ~O_ACCMODE) | O_RDWR;
        else if (*c == 'e') flags |= O_CLOEXEC;
        else if (*c == 'x') flags |= O_EXCL;
    }
    return flags;
}
typedef FILE *(*fopen_fn)(const char *, const char *);
static FILE *fopen_impl(const char *path, const char *mode, const char *name) {
    int flags = mode ? fopen_flags(mode) : -1;
    if (flags >= 0 && __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0 && !snapshot_tls_in_runtime) {
        // Opened here, so that O_TRUNC of a managed file is logical and the descriptor is recorded;
        // fdopen with the same mode neither truncates nor reopens.
        int fd = open_impl(AT_FDCWD, path, flags | O_LARGEFILE, 0666);
        if (fd < 0) return NULL;
        FILE *f = fdopen(fd, mode);
        if (!f) { int e = errno; close(fd); errno = e; }
        return f;
    }
    fopen_fn next = (fopen_fn)dlsym(RTLD_NEXT, name);
    if (!next) { errno = ENOSYS; return NULL; }
    FILE *f = next(path, mode);
    if (!f) return f;
    int refusal = refused_at_open(fileno(f));
    if (refusal) { fclose(f); errno = refusal; return NULL; }
    join_table(fileno(f), 0);
    return f;
}
EXPORT FILE *fopen(const char *path, const char *mode) { return fopen_impl(path, mode, "fopen"); }
EXPORT FILE *fopen64(const char *path, const char *mode) { return fopen_impl(path, mode, "fopen64"); }

typedef int (*fclose_fn)(FILE *);
EXPORT int fclose(FILE *f) {
    static fclose_fn next;
    if (!next) next = (fclose_fn)dlsym(RTLD_NEXT, "fclose");
    if (!next) { errno = ENOSYS; return EOF; }
    int fd = f ? fileno(f) : -1;
    if ((unsigned)fd < SNAPSHOT_FD_TABLE && snapshot_fd_slots[fd]) snapshot_fd_set(fd, -1);
    return next(f);
}

// The runtime's own descriptors (protected_fds.c) do not exist for the program: closing one is
// EBADF, as closing any number the program never opened; ranges skip them; dup2 onto one is EBUSY
// (which Linux also returns for a descriptor being opened by another thread).
EXPORT int close(int fd) {
    if (!snapshot_tls_in_runtime && snapshot_fd_is_protected(fd)) { errno = EBADF; return -1; }
    if ((unsigned)fd < SNAPSHOT_FD_TABLE && snapshot_fd_slots[fd]) snapshot_fd_set(fd, -1);
    return (int)syscall(SYS_close, fd);
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
static void forget_range(unsigned first, unsigned last) {
    for (unsigned fd = first; fd <= last && fd < SNAPSHOT_FD_TABLE; fd++)
        if (snapshot_fd_slots[fd] && !snapshot_fd_is_protected((int)fd)) snapshot_fd_set((int)fd, -1);
}
EXPORT int close_range(unsigned first, unsigned last, int flags) {
    if (snapshot_tls_in_runtime || first > last || snapshot_fd_next_protected(first, last) < 0) {
        int r = (int)syscall(SYS_close_range, first, last, flags);
        if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && !snapshot_tls_in_runtime) forget_range(first, last);
        return r;
    }
    // Close the pieces between protected descriptors (unsharing the table with the first piece).
    unsigned from = first;
    for (;;) {
        int p = snapshot_fd_next_protected(from, last);
        if (p < 0 || (unsigned)p > from) {
            unsigned to = p < 0 ? last : (unsigned)p - 1;
            int r = (int)syscall(SYS_close_range, from, to, flags);
            if (r != 0) return r;
            flags &= ~(int)CLOSE_RANGE_UNSHARE;
        }
        if (p < 0 || (unsigned)p >= last) break;
        from = (unsigned)p + 1;
    }
    if (!(flags & CLOSE_RANGE_CLOEXEC)) forget_range(first, last);
    return 0;
}
EXPORT void closefrom(int low) {
    if (low < 0) low = 0;
    if (close_range((unsigned)low, ~0U, 0) == 0) return;
    // No close_range (old kernel): close one by one, as glibc does.
    for (int fd = low; fd < 65536; fd++) close(fd);
}

static int duplicated(int from, int to) {
    if (to >= 0 && (unsigned)to < SNAPSHOT_FD_TABLE) {
        int slot = snapshot_fd_slot(from);
        if (slot >= 0 || snapshot_fd_slots[to]) snapshot_fd_set(to, slot);
    } else if (to >= 0) {
        (void)from;   // beyond the table: looked up by fstat on use
    }
    return to;
}
EXPORT int dup(int fd) { return duplicated(fd, (int)syscall(SYS_dup, fd)); }
static int replaces_own(int to) {
    if (snapshot_tls_in_runtime || !snapshot_fd_is_protected(to)) return 0;
    errno = EBUSY;
    return 1;
}
EXPORT int dup2(int fd, int to) {
    if (fd == to) return (int)syscall(SYS_fcntl, fd, F_GETFD) < 0 ? -1 : to;   // POSIX: check fd only
    if (replaces_own(to)) return -1;
    return duplicated(fd, (int)syscall(SYS_dup3, fd, to, 0));
}
EXPORT int dup3(int fd, int to, int flags) {
    if (replaces_own(to)) return -1;
    return duplicated(fd, (int)syscall(SYS_dup3, fd, to, flags));
}

static int fcntl_impl(int fd, int cmd, va_list ap) {
    // Every command's argument fits in a long (an int or a pointer).
    long arg = va_arg(ap, long);
    int r = (int)syscall(SYS_fcntl, fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) duplicated(fd, r);
    return r;
}
EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap; va_start(ap, cmd); int r = fcntl_impl(fd, cmd, ap); va_end(ap);
    return r;
}
EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap; va_start(ap, cmd); int r = fcntl_impl(fd, cmd, ap); va_end(ap);
    return r;
}
