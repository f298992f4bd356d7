/* ns per instrumented store. The store is instrumented exactly as the pass does it (inline range
 * check on the runtime's exported range, as the pass does on its per-image copy of it, then
 * __snapshot_record_8), written out by hand so that this
 * measures the runtime alone, independent of the pass:
 *   native  plain 8-byte stores into the working copy (no check, no call)
 *   check   stores + the inline range check on an address outside the working range (what every
 *           instrumented store to ordinary memory pays)
 *   hit     stores + check + record to lines already dirty (the common case)
 *   miss    first store to each line since the last commit (working pages already copied-on-write,
 *           so the page fault is not counted)
 *   hit_mt, miss_mt  the same once the process has had a second thread: a hit then takes a full
 *           barrier before it trusts the bit (record.c), and a miss's OR is locked
 * Usage: store <file> [lines]   (the file is created / truncated) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "snapshot_abi.h"

static inline uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The store, then its record: the order the pass emits (a record never precedes its write). */
#define INSTRUMENTED_STORE(p, v) do {                                                       \
        *(volatile uint64_t *)(p) = (v);                                                    \
        if (__builtin_expect((uintptr_t)(p) - __snapshot_working_base < __snapshot_working_size, 0)) \
            __snapshot_record_8((void *)(p));                                               \
    } while (0)

static double best_of(int reps, double (*fn)(void *, size_t), void *m, size_t n) {
    double best = 1e30;
    for (int r = 0; r < reps; r++) { double t = fn(m, n); if (t < best) best = t; }
    return best;
}

static double native(void *m, size_t lines) {
    uint64_t t0 = now();
    for (size_t i = 0; i < lines; i++) *(volatile uint64_t *)((char *)m + i * 64 + 8) = i;
    return (double)(now() - t0) / (double)lines;
}
static uint64_t *other;   /* ordinary heap memory: the range check fails */
static double check(void *m, size_t lines) {
    (void)m;
    uint64_t t0 = now();
    for (size_t i = 0; i < lines; i++) INSTRUMENTED_STORE(other + i * 8 + 1, i);
    return (double)(now() - t0) / (double)lines;
}
static double hit(void *m, size_t lines) {
    uint64_t t0 = now();
    for (size_t i = 0; i < lines; i++) INSTRUMENTED_STORE((char *)m + i * 64 + 8, i);
    return (double)(now() - t0) / (double)lines;
}

static void *idle(void *arg) { return arg; }

/* Best-of-5 hit and miss ns per store: a hit with every line dirty, a miss right after a commit. */
static int hit_and_miss(char *m, size_t lines, size_t size, double *h, double *miss) {
    hit(m, lines);                                       /* all lines dirty now */
    *h = best_of(5, hit, m, lines);
    *miss = 1e30;
    for (int r = 0; r < 5; r++) {
        if (msync(m, size, MS_SYNC)) { perror("msync"); return 1; }   /* clean again */
        double t = hit(m, lines);                        /* every store is a first write */
        if (t < *miss) *miss = t;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: store <file> [lines]\n"); return 2; }
    size_t lines = argc > 2 ? strtoul(argv[2], 0, 0) : (1u << 18);   /* 16 MiB: > LLC */
    size_t size = lines * 64;
    char log[1024];                                    /* a stale log would not match */
    const char *slash = strrchr(argv[1], '/');
    if (slash) snprintf(log, sizeof log, "%.*s/.%s.snapshot-log", (int)(slash - argv[1]), argv[1], slash + 1);
    else snprintf(log, sizeof log, ".%s.snapshot-log", argv[1]);
    unlink(log);
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size)) { perror(argv[1]); return 1; }
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    other = calloc(lines, 64);
    memset(m, 1, size);                                  /* copy-on-write every working page */
    __snapshot_record(m, size);
    if (msync(m, size, MS_SYNC)) { perror("msync"); return 1; }

    double n = best_of(5, native, m, lines);
    double c = best_of(5, check, m, lines);
    double h, miss, h_mt, miss_mt;
    if (hit_and_miss(m, lines, size, &h, &miss)) return 1;
    pthread_t t;                                         /* from now on the process is threaded */
    if (pthread_create(&t, 0, idle, 0) || pthread_join(t, 0)) { perror("pthread_create"); return 1; }
    if (hit_and_miss(m, lines, size, &h_mt, &miss_mt)) return 1;
    printf("native_ns %.2f\ncheck_ns %.2f\nhit_ns %.2f\nmiss_ns %.2f\nhit_mt_ns %.2f\nmiss_mt_ns %.2f\n", n, c, h,
           miss, h_mt, miss_mt);
    munmap(m, size);
    close(fd);
    unlink(argv[1]);
    return 0;
}
