/* floor.c — the hardware part of a small commit, with no software around it.
 *   floor DIR MIB RUNS COMMITS [WORK]   -> prints "floor_ns <ns per commit>"
 * A MIB-MiB file mapped twice, as the runtime maps it (a private working copy and a shared
 * persistent one), and a 4 MiB log. Each commit stores 8 bytes into RUNS random lines of the
 * working copy (the program's writes, as commit_ops.c makes them), then does what the engine's
 * protocol must: a record of one descriptor line, RUNS content lines and a header line streamed
 * into the log, one fence, and the RUNS lines streamed into the persistent copy, left unfenced
 * until the next record's fence. Not linked with libsnapshot; the same 16-byte streaming stores
 * as the engine's copies (nt_copy.c). bench/runtime/floor_vs_commit.sh sets it beside commit_ops.
 * WORK > 0 adds WORK steps of a dependent chain of loads and stores (about 8 instructions each),
 * half before the record and half after the data: stand-in software, to see whether any of it
 * hides behind the fence (it does not: the time it adds is its own). */
#define _GNU_SOURCE
#include <emmintrin.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LOG_SIZE (4u << 20)

static inline void stream_line(void *d, const void *s) {
    const __m128i *src = s;
    __m128i *dst = d;
    __m128i a = _mm_loadu_si128(src), b = _mm_loadu_si128(src + 1);
    __m128i c = _mm_loadu_si128(src + 2), e = _mm_loadu_si128(src + 3);
    _mm_stream_si128(dst, a);
    _mm_stream_si128(dst + 1, b);
    _mm_stream_si128(dst + 2, c);
    _mm_stream_si128(dst + 3, e);
}

static char *map_new(const char *dir, const char *name, size_t size, int *fd) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (*fd < 0 || ftruncate(*fd, (off_t)size) != 0) { perror(path); exit(1); }
    unlink(path);
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    return m;
}

/* Stand-in software: a dependent chain through a small stack array. */
__attribute__((noinline)) static uint64_t work(uint64_t x, long n) {
    volatile uint64_t slot[16];
    for (long i = 0; i < n; i++) {
        slot[i & 15] = x;
        x = x * 3 + slot[(i + 7) & 15];
    }
    return x;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: floor DIR MIB RUNS COMMITS [WORK]\n"); return 2; }
    long steps = argc > 5 ? atol(argv[5]) : 0;
    uint64_t sink = 0;
    size_t size = strtoul(argv[2], 0, 0) << 20;
    int runs = atoi(argv[3]);
    long commits = atol(argv[4]);
    if (size == 0 || runs < 1 || runs > 64 || commits < 1) { fprintf(stderr, "floor: bad arguments\n"); return 2; }
    int dfd, lfd;
    char *persistent = map_new(argv[1], "floor.data", size, &dfd);
    char *log = map_new(argv[1], "floor.log", LOG_SIZE, &lfd);
    char *working = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, dfd, 0);
    if (working == MAP_FAILED) { perror("mmap"); return 1; }
    memset(persistent, 1, size);   /* allocate the file's pages */
    memset(working, 1, size);      /* private copies of every page, as after a program's first writes */
    memset(log, 0, LOG_SIZE);
    char header[64] = {0};
    size_t offsets[64], head = 0, lines = size / 64;
    uint64_t seed = 12345;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long c = 0; c < commits; c++) {
        for (int r = 0; r < runs; r++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            offsets[r] = ((seed >> 20) % lines) * 64;
            *(volatile uint64_t *)(working + offsets[r]) = (uint64_t)c;
        }
        if (steps) sink += work((uint64_t)c, steps / 2);
        size_t record = 64 * (size_t)(2 + runs);
        if (head + record > LOG_SIZE) head = 0;
        stream_line(log + head + 64, header);                                   /* descriptors */
        for (int r = 0; r < runs; r++) stream_line(log + head + 128 + 64 * r, working + offsets[r]);
        stream_line(log + head, header);                                        /* header */
        _mm_sfence();                                                           /* the ordering point */
        for (int r = 0; r < runs; r++) stream_line(persistent + offsets[r], working + offsets[r]);
        head += record;
        if (steps) sink += work((uint64_t)c, steps - steps / 2);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("floor_ns %.0f\n", ns / (double)commits);
    if (sink == 42) printf("(sink)\n");   /* keeps the stand-in work */
    return 0;
}
