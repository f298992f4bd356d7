/*
 * wl_common.h — shared helpers of the crash-harness workloads (built with snapshot-cc).
 *
 * Every workload has the same command line:
 *   prog init  FILE              create and format the data file(s), commit once
 *   prog run   FILE SEED OPS [T] do OPS deterministic operations with T threads, msync often
 *   prog check FILE              application invariants of the committed file; exit 0 iff they hold
 * A run ends with a final msync and then compares the file (read with the raw pread system call:
 * the interposed one would return the working copy; the raw one reads the persistent
 * copy) against the mapping: after a successful msync they must be identical, whatever the thread
 * count. Exit codes: 0 ok, 1 invariant broken, 2 system call failed, 3 file != mapping after msync.
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct {
    const char *path;
    int fd;
    unsigned char *base;
    size_t size;
} wl_file;

static inline void wl_die(const char *what, const char *path) {
    fprintf(stderr, "%s: %s: %s (errno %d)\n", what, path ? path : "", strerror(errno), errno);
    exit(2);
}

static inline void wl_fail(const char *fmt, const char *path, uint64_t a, uint64_t b) {
    fprintf(stderr, "invariant broken in %s: ", path);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

/* Open (creating when `create`) and map a file of exactly `size` bytes, MAP_SHARED + PROT_WRITE. */
static inline void wl_map(wl_file *f, const char *path, size_t size, int create) {
    f->path = path;
    f->size = size;
    f->fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
    if (f->fd < 0) wl_die("open", path);
    if (create && ftruncate(f->fd, (off_t)size) != 0) wl_die("ftruncate", path);
    struct stat st;
    if (fstat(f->fd, &st) != 0) wl_die("fstat", path);
    if ((size_t)st.st_size != size) {
        errno = EINVAL;
        fprintf(stderr, "%s: size %lld, expected %zu (run `init` first)\n", path,
                (long long)st.st_size, size);
        exit(2);
    }
    f->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
    if (f->base == MAP_FAILED) wl_die("mmap", path);
}

static inline void wl_commit(wl_file *f) {
    if (msync(f->base, f->size, MS_SYNC) != 0) wl_die("msync", f->path);
}

/* After a successful msync the file must equal the mapping: catches lines a runtime forgot. */
static inline void wl_selfcheck(wl_file *f) {
    unsigned char *buf = malloc(f->size);
    if (!buf) wl_die("malloc", f->path);
    size_t got = 0;
    while (got < f->size) {
        ssize_t n = syscall(SYS_pread64, f->fd, buf + got, f->size - got, (off_t)got);  /* raw: the interposed pread sees the working copy */
        if (n <= 0) wl_die("pread", f->path);
        got += (size_t)n;
    }
    for (size_t i = 0; i < f->size; i++)
        if (buf[i] != f->base[i]) {
            fprintf(stderr, "%s: file differs from the mapping after msync at offset %zu "
                            "(line %zu): file %02x, mapping %02x\n",
                    f->path, i, i / 64, buf[i], f->base[i]);
            exit(3);
        }
    free(buf);
}

static inline void wl_unmap(wl_file *f) {
    if (munmap(f->base, f->size) != 0) wl_die("munmap", f->path);
    close(f->fd);
}

/* Read a whole committed file for `check` (no mapping: what recovery left on the medium). */
static inline unsigned char *wl_slurp(const char *path, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) wl_die("open", path);
    unsigned char *buf = malloc(size);
    if (!buf) wl_die("malloc", path);
    size_t got = 0;
    while (got < size) {
        ssize_t n = syscall(SYS_pread64, fd, buf + got, size - got, (off_t)got);
        if (n < 0) wl_die("pread", path);
        if (n == 0) {
            fprintf(stderr, "%s: short file (%zu of %zu bytes)\n", path, got, size);
            exit(1);
        }
        got += (size_t)n;
    }
    close(fd);
    return buf;
}

static inline uint64_t wl_rand(uint64_t *s) { /* splitmix64: deterministic per seed */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t wl_mix(uint64_t x) { uint64_t s = x; return wl_rand(&s); }

static inline int wl_usage(const char *prog) {
    fprintf(stderr, "usage: %s init FILE | run FILE SEED OPS [THREADS] | check FILE\n", prog);
    return 2;
}

static inline uint64_t wl_num(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) {
        fprintf(stderr, "bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

/* Runs worker(0) on this thread and worker(1) .. worker(n - 1) on new threads, then joins them. */
#define WL_MAX_THREADS 16
static inline void wl_run_threads(int n, void *(*worker)(void *), const char *path) {
    pthread_t th[WL_MAX_THREADS];
    if (n > WL_MAX_THREADS) wl_die("too many threads for", path);
    for (int t = 1; t < n; t++)
        if (pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t)) wl_die("pthread_create", path);
    worker(0);
    for (int t = 1; t < n; t++) pthread_join(th[t], NULL);
}

#define WL_MAGIC(a, b, c, d) ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 | 0x4c57000000000000ULL)

#endif
