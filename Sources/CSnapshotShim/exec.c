// Process endings that run code in this process: normal exit (the destructor below) and exec.
// Both are clean endings and commit pending changes (Lifecycle.swift says why and what the other
// endings do). _exit, abort and signals run none of this: they drop, like a crash.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"
#include "swift_entry.h"

#define EXPORT __attribute__((visibility("default")))

// An ELF destructor of libsnapshot runs from _dl_fini, after exit() has run every atexit handler
// and the program's own destructors (the executable depends on libsnapshot, so it is finalised
// first): writes made by those are committed too. Not run by _exit or on a signal.
__attribute__((destructor)) static void snapshot_exit_commit(void) {
    if (!snapshot_active() || __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0) return;
    int saved = errno;
    int prev = snapshot_enter_runtime();
    snapshot_rt_exit();
    snapshot_leave_runtime(prev);
    errno = saved;
}

static void before_exec(void) {
    if (!snapshot_active() || __atomic_load_n(&snapshot_managed_files, __ATOMIC_RELAXED) == 0) return;
    int saved = errno;
    int prev = snapshot_enter_runtime();
    snapshot_rt_exec();
    snapshot_leave_runtime(prev);
    errno = saved;
}

// glibc's exec family calls its internal __execve, not the execve symbol: each entry point is
// interposed. Those that search PATH or take a descriptor go on to the next definition (libc's).
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*execvp_fn)(const char *, char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
    before_exec();
    return (int)syscall(SYS_execve, path, argv, envp);
}
EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
    before_exec();
    return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}
EXPORT int execv(const char *path, char *const argv[]) {
    return execve(path, argv, environ);
}
EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
    before_exec();
    execvpe_fn next = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");
    if (!next) { errno = ENOSYS; return -1; }
    return next(file, argv, envp);
}
EXPORT int execvp(const char *file, char *const argv[]) {
    before_exec();
    execvp_fn next = (execvp_fn)dlsym(RTLD_NEXT, "execvp");
    if (!next) { errno = ENOSYS; return -1; }
    return next(file, argv);
}
EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
    before_exec();
    fexecve_fn next = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
    if (!next) { errno = ENOSYS; return -1; }
    return next(fd, argv, envp);
}

// The execl forms: collect the variadic arguments (and, for execle, the environment after them).
#define COLLECT_ARGS(first, envp_out)                                             \
    size_t n = 1;                                                                 \
    va_list ap;                                                                   \
    va_start(ap, first);                                                          \
    while (va_arg(ap, char *)) n++;                                               \
    va_end(ap);                                                                   \
    char *argv[n + 1];                                                            \
    argv[0] = (char *)(first);                                                    \
    va_start(ap, first);                                                          \
    for (size_t i = 1; i <= n; i++) argv[i] = va_arg(ap, char *);                 \
    envp_out;                                                                     \
    va_end(ap)

EXPORT int execl(const char *path, const char *arg, ...) {
    COLLECT_ARGS(arg, (void)0);
    return execve(path, argv, environ);
}
EXPORT int execlp(const char *file, const char *arg, ...) {
    COLLECT_ARGS(arg, (void)0);
    return execvp(file, argv);
}
EXPORT int execle(const char *path, const char *arg, ...) {
    char **envp;
    COLLECT_ARGS(arg, envp = va_arg(ap, char **));
    return execve(path, argv, envp);
}
