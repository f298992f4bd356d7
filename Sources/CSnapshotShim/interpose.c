// libc interposers. libsnapshot.so precedes libc in the program's lookup order, so calls to these
// symbols from the program (and from other libraries through the PLT) land here. Each one is a thin
// test: if the call cannot concern a managed mapping it goes straight to the kernel with syscall(2)
// — no dlsym, no allocation, re-entrancy safe — otherwise into the Swift runtime (swift_entry.h).
// libc's internal calls (malloc's mmap, ...) use hidden aliases and never come here.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"
#include "swift_entry.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static void refuse(const char *what, void *addr, size_t len, int err, const char *why) {
    char line[512];
    snprintf(line, sizeof line, "%s(%p, %zu) refused (%s): %s", what, addr, len,
             err == EINVAL ? "EINVAL" : err == ENOTSUP ? "ENOTSUP" : "error", why);
    snapshot_message(line);
    errno = err;
}

static void *snapshot_mmap_impl(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    int state = __atomic_load_n(&snapshot_state, __ATOMIC_ACQUIRE);
    if (state != SNAPSHOT_STATE_DISABLED && !snapshot_tls_in_runtime) {
        int type = flags & MAP_TYPE;
        if (!(flags & MAP_ANONYMOUS) && fd >= 0 && (type == MAP_SHARED || type == MAP_SHARED_VALIDATE)) {
            // A shared file mapping: maybe managed (writable), maybe a reader that must see the
            // committed state (recovery first). The runtime decides and may still pass it through.
            // errno is the caller's unless the call fails: the runtime's own probes (MAP_SYNC,
            // lookups of logs that do not exist) must not leak out of a successful mmap.
            int saved = errno;
            int prev = snapshot_enter_runtime();
            void *r = snapshot_rt_mmap(addr, len, prot, flags, fd, off);
            snapshot_leave_runtime(prev);
            if (r != MAP_FAILED) errno = saved;
            return r;
        }
        if (state == SNAPSHOT_STATE_ACTIVE && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
            snapshot_in_reservation((uintptr_t)addr, len)) {
            refuse("mmap", addr, len, EINVAL,
                   "MAP_FIXED inside the address range reserved for managed mappings");
            return MAP_FAILED;
        }
    }
    void *r = snapshot_sys_mmap(addr, len, prot, flags, fd, off);
    if (r != MAP_FAILED && (flags & MAP_FIXED) && snapshot_ro_any()) snapshot_ro_forget(r, len);
    return r;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return snapshot_mmap_impl(addr, len, prot, flags, fd, off);
}
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    return snapshot_mmap_impl(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len) {
    if (snapshot_active() && snapshot_in_reservation((uintptr_t)addr, len)) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int r = snapshot_rt_munmap(addr, len);
        snapshot_leave_runtime(prev);
        if (r == 0) errno = saved;
        return r;
    }
    int r = snapshot_sys_munmap(addr, len);
    if (r == 0 && snapshot_ro_any()) snapshot_ro_forget(addr, len);
    return r;
}

EXPORT int msync(void *addr, size_t len, int flags) {
    if (snapshot_active() && snapshot_working_holds((uintptr_t)addr)) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int r = snapshot_rt_msync(addr, len, flags);
        snapshot_leave_runtime(prev);
        if (r == 0) errno = saved;
        return r;
    }
    return snapshot_sys_msync(addr, len, flags);
}

static int sync_impl(int fd, int datasync) {
    if (snapshot_active() && __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int r = snapshot_rt_fsync(fd, datasync);
        snapshot_leave_runtime(prev);
        if (r == 0) errno = saved;
        return r;
    }
    return datasync ? snapshot_sys_fdatasync(fd) : snapshot_sys_fsync(fd);
}
EXPORT int fsync(int fd) { return sync_impl(fd, 0); }
EXPORT int fdatasync(int fd) { return sync_impl(fd, 1); }

EXPORT void *mremap(void *old, size_t old_size, size_t new_size, int flags, ...) {
    void *new_addr = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void *);
        va_end(ap);
    }
    if (snapshot_active()) {
        if (snapshot_in_reservation((uintptr_t)old, old_size)) {
            refuse("mremap", old, old_size, ENOTSUP,
                   "a managed mapping cannot be moved or resized; munmap it and mmap the file again");
            return MAP_FAILED;
        }
        if ((flags & MREMAP_FIXED) && snapshot_in_reservation((uintptr_t)new_addr, new_size)) {
            refuse("mremap", new_addr, new_size, EINVAL,
                   "target lies inside the address range reserved for managed mappings");
            return MAP_FAILED;
        }
    }
    int tracked = snapshot_ro_any() && !snapshot_tls_in_runtime && snapshot_ro_overlaps(old, old_size);
    void *r = (void *)syscall(SYS_mremap, old, old_size, new_size, flags, new_addr);
    if (r != MAP_FAILED && tracked) {                 // a read-only shared mapping moved or resized
        snapshot_ro_forget(old, old_size);
        snapshot_ro_add(r, new_size);
    }
    return r;
}

EXPORT int mprotect(void *addr, size_t len, int prot) {
    if (snapshot_active() && snapshot_in_reservation((uintptr_t)addr, len)) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int r = snapshot_rt_mprotect(addr, len, prot);
        snapshot_leave_runtime(prev);
        if (r == 0) errno = saved;
        return r;
    }
    if ((prot & PROT_WRITE) && snapshot_ro_any() && !snapshot_tls_in_runtime &&
        snapshot_ro_overlaps(addr, len)) {
        refuse("mprotect", addr, len, ENOTSUP,
               "adding PROT_WRITE to a read-only MAP_SHARED file mapping would make it a plain, "
               "non-atomic writable mapping; mmap the file with PROT_WRITE instead");
        return -1;
    }
    return snapshot_sys_mprotect(addr, len, prot);
}

// A managed file's size is part of its atomic state: the runtime changes the logical size and the
// next commit applies it (FileSize.swift). Everything else goes to the kernel.
static int truncate_impl(int fd, const char *path, off_t length) {
    if (snapshot_active() && __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int r = snapshot_rt_truncate(fd, path, length);
        snapshot_leave_runtime(prev);
        if (r != -1) errno = saved;
        if (r != 1) return r;                        // failed (-1) or done (0)
    }
    return path ? (int)syscall(SYS_truncate, path, length) : (int)syscall(SYS_ftruncate, fd, length);
}
EXPORT int ftruncate(int fd, off_t length) { return truncate_impl(fd, NULL, length); }
EXPORT int ftruncate64(int fd, off_t length) { return truncate_impl(fd, NULL, length); }
EXPORT int truncate(const char *path, off_t length) { return truncate_impl(-1, path, length); }
EXPORT int truncate64(const char *path, off_t length) { return truncate_impl(-1, path, length); }

// fallocate modes that remove, zero or shift data change the committed file outside a commit.
static int fallocate_impl(int fd, int mode, off_t off, off_t len) {
    const int destructive = 0x02 /* PUNCH_HOLE */ | 0x08 /* COLLAPSE_RANGE */ |
                            0x10 /* ZERO_RANGE */ | 0x20 /* INSERT_RANGE */;
    if ((mode & destructive) && snapshot_active() &&
        __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) > 0) {
        int saved = errno;
        int prev = snapshot_enter_runtime();
        int managed = snapshot_rt_fd_is_managed(fd);
        snapshot_leave_runtime(prev);
        errno = saved;
        if (managed) {
            refuse("fallocate", NULL, (size_t)len, ENOTSUP,
                   "punching, zeroing, collapsing or inserting ranges of a managed file would change "
                   "it outside msync; munmap it first");
            return -1;
        }
    }
    // Allocation that extends the file changes its size: for a managed file the logical size, like
    // ftruncate (the real file only gets the blocks, FALLOC_FL_KEEP_SIZE).
    int slot = snapshot_active() ? snapshot_fd_slot(fd) : -1;
    if (slot >= 0 && !(mode & 0x01 /* KEEP_SIZE */) && !(mode & destructive)) {
        if (off < 0 || len <= 0) { errno = EINVAL; return -1; }
        int r = (int)syscall(SYS_fallocate, fd, mode | 0x01, off, len);
        if (r != 0) return r;
        int saved = errno;
        int prev = snapshot_enter_runtime();
        snapshot_rt_allocated(fd);
        snapshot_leave_runtime(prev);
        errno = saved;
        off_t end = off + len;
        if (end > __atomic_load_n(&snapshot_file_slots[slot].size, __ATOMIC_RELAXED)) return ftruncate(fd, end);
        return 0;
    }
    return (int)syscall(SYS_fallocate, fd, mode, off, len);
}
EXPORT int fallocate(int fd, int mode, off_t off, off_t len) { return fallocate_impl(fd, mode, off, len); }
EXPORT int fallocate64(int fd, int mode, off_t off, off_t len) { return fallocate_impl(fd, mode, off, len); }
// glibc's posix_fallocate calls the system call itself: a managed file needs the path above.
typedef int (*posix_fallocate_fn)(int, off_t, off_t);
static int posix_fallocate_impl(int fd, off_t off, off_t len, const char *name) {
    if (snapshot_active() && snapshot_fd_slot(fd) >= 0) {
        int saved = errno;
        int r = fallocate_impl(fd, 0, off, len);
        int e = errno;
        errno = saved;
        return r == 0 ? 0 : e;
    }
    posix_fallocate_fn next = (posix_fallocate_fn)dlsym(RTLD_NEXT, name);
    return next ? next(fd, off, len) : ENOSYS;
}
EXPORT int posix_fallocate(int fd, off_t off, off_t len) { return posix_fallocate_impl(fd, off, len, "posix_fallocate"); }
EXPORT int posix_fallocate64(int fd, off_t off, off_t len) { return posix_fallocate_impl(fd, off, len, "posix_fallocate64"); }

// Advice that discards pages would throw away a working copy's private pages (uncommitted writes)
// while their lines stay marked dirty: the next commit would then silently publish old contents.
static int destructive_advice(int advice) {
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_REMOVE:
    case 8:  /* MADV_FREE */
    case 24: /* MADV_DONTNEED_LOCKED */
    case 18: /* MADV_WIPEONFORK */
        return 1;
    default:
        return 0;
    }
}

EXPORT int madvise(void *addr, size_t len, int advice) {
    if (snapshot_active() && destructive_advice(advice) && snapshot_in_reservation((uintptr_t)addr, len)) {
        refuse("madvise", addr, len, ENOTSUP,
               "discarding pages of a managed mapping would lose uncommitted writes");
        return -1;
    }
    return (int)syscall(SYS_madvise, addr, len, advice);
}

// ---- Public API (snapshot.h) ---------------------------------------------------------------
EXPORT int snapshot_sync(void *addr) {
    if (!snapshot_active() || !snapshot_working_holds((uintptr_t)addr)) {
        errno = EINVAL;
        return -1;
    }
    int saved = errno;
    int prev = snapshot_enter_runtime();
    int r = snapshot_rt_sync(addr);
    snapshot_leave_runtime(prev);
    if (r == 0) errno = saved;
    return r;
}

EXPORT int snapshot_is_managed(const void *addr) {
    if (__atomic_load_n(&snapshot_state, __ATOMIC_ACQUIRE) != SNAPSHOT_STATE_ACTIVE ||
        !snapshot_working_holds((uintptr_t)addr))
        return 0;
    int prev = snapshot_enter_runtime();
    int r = snapshot_rt_is_managed(addr);
    snapshot_leave_runtime(prev);
    return r;
}
