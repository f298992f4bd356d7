/*
 * e2e.h — helpers for the end-to-end tests of libsnapshot. Each test is one C program that checks
 * its own expectations and exits 0 on success; run.sh builds it in two variants:
 *   pass:     with snapshot-cc (the instrumentation pass records every write);
 *   explicit: with plain clang and -DE2E_EXPLICIT, where REC() calls __snapshot_record itself, so
 *             the runtime is tested independently of the pass.
 * Files live in $E2E_DIR (run.sh: a fresh directory under /dev/shm).
 */
#ifndef E2E_H
#define E2E_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "snapshot.h"
#include "snapshot_abi.h"

#ifdef E2E_EXPLICIT
#define REC(p, n) __snapshot_record((void *)(p), (n))
#else
#define REC(p, n) ((void)0)
#endif

/* Store helpers: the write itself, plus the explicit record in the explicit variant. */
#define SET(lv, v) do { (lv) = (v); REC(&(lv), sizeof(lv)); } while (0)
static inline void put(void *dst, const void *src, size_t n) { memcpy(dst, src, n); REC(dst, n); }
static inline void fill(void *dst, int c, size_t n) { memset(dst, c, n); REC(dst, n); }

static int e2e_failures;
#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); e2e_failures++; } } while (0)
/* Like CHECK, but stops the test. The condition is evaluated once (it often has side effects). */
#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)
static inline int e2e_done(const char *name) {
    if (e2e_failures) { fprintf(stderr, "%s: %d check(s) failed\n", name, e2e_failures); return 1; }
    printf("ok: %s\n", name);
    return 0;
}

static inline const char *e2e_dir(void) {
    const char *d = getenv("E2E_DIR");
    return d && *d ? d : "/dev/shm";
}
/* A fresh file <dir>/<name> of `size` bytes filled with byte `c` (plain I/O, before any mapping). */
static inline char *e2e_file(const char *name, size_t size, int c) {
    char *path = malloc(512);                 /* owned by the caller (tests just keep it) */
    snprintf(path, 512, "%s/%s", e2e_dir(), name);
    char log[600];
    snprintf(log, sizeof log, "%s/.%s.snapshot-log", e2e_dir(), name);
    unlink(path);
    unlink(log);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0, "create %s: %s", path, strerror(errno));
    char *buf = malloc(size ? size : 1);
    memset(buf, c, size);
    REQUIRE(pwrite(fd, buf, size, 0) == (ssize_t)size, "fill %s", path);
    free(buf);
    close(fd);
    return path;
}
static inline int e2e_open(const char *path) {
    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0, "open %s: %s", path, strerror(errno));
    return fd;
}
/* Bytes of the file itself (= its committed state: the runtime writes it only at commit). Raw
 * system calls: in a process that manages the file, read(2) sees the working copy (POSIX
 * read-your-writes), and the oracle must see what a crash would leave. */
static inline void e2e_read(const char *path, off_t off, void *buf, size_t n) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0, "open %s", path);
    REQUIRE(syscall(SYS_pread64, fd, buf, n, off) == (long)n, "pread %s", path);
    syscall(SYS_close, fd);
}
/* The size of the file itself (fstat of a managed file reports its logical size). */
static inline off_t e2e_size(const char *path) {
    struct stat st;
    REQUIRE(syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0, "stat %s", path);
    return st.st_size;
}
static inline int e2e_byte(const char *path, off_t off) {
    unsigned char b;
    e2e_read(path, off, &b, 1);
    return b;
}
static inline void *e2e_map(int fd, size_t len, off_t off) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
    REQUIRE(p != MAP_FAILED, "mmap: %s", strerror(errno));
    return p;
}

/* stderr capture: everything written to fd 2 between begin and end (also echoed afterwards). */
static int e2e_saved_stderr = -1;
static char e2e_captured[65536];
static inline void e2e_capture_begin(void) {
    fflush(stderr);
    char path[600];
    snprintf(path, sizeof path, "%s/stderr-%d", e2e_dir(), (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    unlink(path);
    e2e_saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}
static inline const char *e2e_capture_end(void) {
    fflush(stderr);
    off_t n = lseek(2, 0, SEEK_END);
    if (n > (off_t)sizeof e2e_captured - 1) n = sizeof e2e_captured - 1;
    ssize_t got = pread(2, e2e_captured, (size_t)n, 0);
    e2e_captured[got > 0 ? got : 0] = 0;
    dup2(e2e_saved_stderr, 2);
    close(e2e_saved_stderr);
    if (got > 0) fprintf(stderr, "[captured stderr]\n%s[end]\n", e2e_captured);
    return e2e_captured;
}

/* Run fn(arg) in a child process; returns its wait status. */
static inline int e2e_child(void (*fn)(void *), void *arg) {
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0, "fork");
    if (pid == 0) { fn(arg); exit(0); }
    int st;
    REQUIRE(waitpid(pid, &st, 0) == pid, "waitpid");
    return st;
}
/* Run this program again (fresh process, fresh runtime) with argv[1] = role; returns wait status.
 * extra_env: NULL or "VAR=VALUE" added to the environment. */
static inline int e2e_spawn(const char *role, const char *arg, const char *extra_env) {
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0, "fork");
    if (pid == 0) {
        if (extra_env) putenv((char *)extra_env);
        char exe[512];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        execl(exe, exe, role, arg, (char *)NULL);
        _exit(127);
    }
    int st;
    REQUIRE(waitpid(pid, &st, 0) == pid, "waitpid");
    return st;
}
#define EXITED_WITH(st, code) (WIFEXITED(st) && WEXITSTATUS(st) == (code))
#endif
