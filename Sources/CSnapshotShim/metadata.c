// Calls that change a file's metadata (modes, owners, times, extended attributes), counted.
//
// Why: the commit makes a managed file's contents and size durable through its log, so an
// `fsync` after it needs the real system call only for metadata no record carries. Kyoto
// Cabinet's `synchronize` is `msync`, `ftruncate`, `fsync` on every call: the real `fsync` was a
// third device flush per synchronize. The runtime now skips it when none of these calls ran in
// this process since the file's last real `fsync` (snapshot_metadata_epoch, Commit.swift).
// Counting every call, whatever file it names, keeps this free of path lookups and is
// conservative: a chmod of any file makes the next fsync of each managed file a real one.
//
// Each interposer bumps the count before the real call (a concurrent fsync that sees the old count
// ran before the change was made, so it owed it nothing), then calls the next definition
// (glibc's, or another interposer's) found with dlsym(RTLD_NEXT): glibc's wrappers carry
// semantics a raw system call would not (fchmodat's AT_SYMLINK_NOFOLLOW, utime's conversions).
// Not seen: metadata changed by other processes, or by raw syscall(2). docs/runtime.md says so.
//
// The calls that set times also tell the runtime which file they touched: a managed file's
// outside-change watch (OutsideChanges.swift) compares mtime, and a program that sets the times of
// its own file (`touch`, an archiver restoring them) has not written it behind the commit's back.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>
#include "internal.h"
#include "swift_entry.h"

#define EXPORT __attribute__((visibility("default")))

uint64_t snapshot_metadata_epoch = 1;   // 0 is "never synced" in ManagedFile

// The count bumped, then `fn` set to the next definition of `name` (resolved once), or -1 + ENOSYS.
#define RESOLVE(type, name)                                                                      \
    static type next;                                                                            \
    __atomic_add_fetch(&snapshot_metadata_epoch, 1, __ATOMIC_SEQ_CST);                           \
    type fn = __atomic_load_n(&next, __ATOMIC_ACQUIRE);                                          \
    if (!fn) {                                                                                   \
        fn = (type)dlsym(RTLD_NEXT, #name);                                                      \
        if (!fn) { errno = ENOSYS; return -1; }                                                  \
        __atomic_store_n(&next, fn, __ATOMIC_RELEASE);                                           \
    }

#define FORWARD(type, name, ...) do { RESOLVE(type, name) return fn(__VA_ARGS__); } while (0)

// After a successful time-setting call on (dfd, path), or on dfd itself when path is NULL.
static int times_set(int r, int dfd, const char *path, int nofollow) {
    if (r != 0 || !snapshot_active() || snapshot_tls_in_runtime ||
        __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0)
        return r;
    int saved = errno;
    struct stat st;
    int flags = (path ? 0 : AT_EMPTY_PATH) | (nofollow ? AT_SYMLINK_NOFOLLOW : 0);
    if (syscall(SYS_newfstatat, dfd, path ? path : "", &st, flags) == 0 && S_ISREG(st.st_mode)) {
        int prev = snapshot_enter_runtime();
        snapshot_rt_times_set((uint64_t)st.st_dev, (uint64_t)st.st_ino);
        snapshot_leave_runtime(prev);
    }
    errno = saved;
    return r;
}

// As FORWARD, for a call that sets times: the result, after times_set.
#define FORWARD_TIMES(dfd, path, nofollow, type, name, ...) \
    do { RESOLVE(type, name) return times_set(fn(__VA_ARGS__), dfd, path, nofollow); } while (0)

typedef int (*path_mode_fn)(const char *, mode_t);
typedef int (*fd_mode_fn)(int, mode_t);
typedef int (*at_mode_fn)(int, const char *, mode_t, int);
typedef int (*path_owner_fn)(const char *, uid_t, gid_t);
typedef int (*fd_owner_fn)(int, uid_t, gid_t);
typedef int (*at_owner_fn)(int, const char *, uid_t, gid_t, int);
typedef int (*utime_fn)(const char *, const struct utimbuf *);
typedef int (*path_tv_fn)(const char *, const struct timeval *);
typedef int (*fd_tv_fn)(int, const struct timeval *);
typedef int (*at_tv_fn)(int, const char *, const struct timeval *);
typedef int (*at_ts_fn)(int, const char *, const struct timespec *, int);
typedef int (*fd_ts_fn)(int, const struct timespec *);
typedef int (*path_setx_fn)(const char *, const char *, const void *, size_t, int);
typedef int (*fd_setx_fn)(int, const char *, const void *, size_t, int);
typedef int (*path_rmx_fn)(const char *, const char *);
typedef int (*fd_rmx_fn)(int, const char *);

EXPORT int chmod(const char *p, mode_t m) { FORWARD(path_mode_fn, chmod, p, m); }
EXPORT int lchmod(const char *p, mode_t m) { FORWARD(path_mode_fn, lchmod, p, m); }
EXPORT int fchmod(int fd, mode_t m) { FORWARD(fd_mode_fn, fchmod, fd, m); }
EXPORT int fchmodat(int dfd, const char *p, mode_t m, int fl) { FORWARD(at_mode_fn, fchmodat, dfd, p, m, fl); }

EXPORT int chown(const char *p, uid_t u, gid_t g) { FORWARD(path_owner_fn, chown, p, u, g); }
EXPORT int lchown(const char *p, uid_t u, gid_t g) { FORWARD(path_owner_fn, lchown, p, u, g); }
EXPORT int fchown(int fd, uid_t u, gid_t g) { FORWARD(fd_owner_fn, fchown, fd, u, g); }
EXPORT int fchownat(int dfd, const char *p, uid_t u, gid_t g, int fl) { FORWARD(at_owner_fn, fchownat, dfd, p, u, g, fl); }

EXPORT int utime(const char *p, const struct utimbuf *t) { FORWARD_TIMES(AT_FDCWD, p, 0, utime_fn, utime, p, t); }
EXPORT int utimes(const char *p, const struct timeval t[2]) { FORWARD_TIMES(AT_FDCWD, p, 0, path_tv_fn, utimes, p, t); }
EXPORT int lutimes(const char *p, const struct timeval t[2]) { FORWARD_TIMES(AT_FDCWD, p, 1, path_tv_fn, lutimes, p, t); }
EXPORT int futimes(int fd, const struct timeval t[2]) { FORWARD_TIMES(fd, NULL, 0, fd_tv_fn, futimes, fd, t); }
EXPORT int futimesat(int dfd, const char *p, const struct timeval t[2]) { FORWARD_TIMES(dfd, p, 0, at_tv_fn, futimesat, dfd, p, t); }
EXPORT int utimensat(int dfd, const char *p, const struct timespec t[2], int fl) {
    FORWARD_TIMES(dfd, p, fl & AT_SYMLINK_NOFOLLOW, at_ts_fn, utimensat, dfd, p, t, fl);
}
EXPORT int futimens(int fd, const struct timespec t[2]) { FORWARD_TIMES(fd, NULL, 0, fd_ts_fn, futimens, fd, t); }

EXPORT int setxattr(const char *p, const char *n, const void *v, size_t s, int fl) { FORWARD(path_setx_fn, setxattr, p, n, v, s, fl); }
EXPORT int lsetxattr(const char *p, const char *n, const void *v, size_t s, int fl) { FORWARD(path_setx_fn, lsetxattr, p, n, v, s, fl); }
EXPORT int fsetxattr(int fd, const char *n, const void *v, size_t s, int fl) { FORWARD(fd_setx_fn, fsetxattr, fd, n, v, s, fl); }
EXPORT int removexattr(const char *p, const char *n) { FORWARD(path_rmx_fn, removexattr, p, n); }
EXPORT int lremovexattr(const char *p, const char *n) { FORWARD(path_rmx_fn, lremovexattr, p, n); }
EXPORT int fremovexattr(int fd, const char *n) { FORWARD(fd_rmx_fn, fremovexattr, fd, n); }
