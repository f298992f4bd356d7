/* Writes that race a commit on another thread: the flusher pattern. Two threads write lines of a
 * file, each line once, while the main thread commits the file again and again; after they stop,
 * one more commit must leave every line they wrote in the file.
 *
 * A commit takes the dirty bits it finds and copies those lines. The pass records each write after
 * it (InstrumentationEmitter.h), so a commit sees a bit only with the new bytes in place, or misses
 * both and a later commit takes them. Recorded before the write, a commit could take the bit and
 * copy the old bytes first; the new bytes would then stay out of every later commit, because the
 * line is never written again here. Two kinds of write, each a way the pass records:
 *   - scattered 8-byte stores (one record per store);
 *   - a loop filling 4 KiB blocks (one record for the loop: a loop range, on its exit edge).
 *
 * argv[1] == "expect-loss": the negative control, built with -mllvm -snapshot-test-record-before
 * (records before writes, loop ranges before loops). It must find lines lost. */
#include "e2e.h"
#include <pthread.h>

enum {
    REGION = 16 << 20,              /* per thread */
    SPOTS = 32768,                  /* scattered lines per thread, in the region's first half */
    BLOCK = 4096,                   /* bytes per loop fill */
    BLOCKS = 1024,                  /* fills per thread, in the region's second half */
    PACE = 500,                     /* spins between writes: the writers outlast many commits */
};

struct writer { char *region; uint64_t tag; int done; const int *go; };

static void pace(int n) { for (volatile int i = 0; i < n; i++) {} }

/* A commit-free loop with an affine store on every iteration: the pass records it once. The spin
 * in the body (no call: the loop stays commit-free) makes the fill outlast several commits. */
__attribute__((noinline)) static void fill_block(uint64_t *q, uint64_t v) {
    for (int i = 0; i < BLOCK / 8; i++) {
        q[i] = v + (uint64_t)i;
        for (volatile int j = 0; j < 4; j++) {}
    }
    REC(q, BLOCK);
}

/* The k-th scattered spot: a permutation of the first half's lines (odd multiplier mod 2^17),
 * so no line is written twice and consecutive writes fall in different 16 KiB groups. */
static size_t spot(int k) { return ((size_t)k * 40503u % (REGION / 2 / 64)) * 64; }

static void *write_lines(void *arg) {
    struct writer *w = arg;
    while (!__atomic_load_n(w->go, __ATOMIC_ACQUIRE)) {}
    for (int k = 0; k < SPOTS; k++) {
        uint64_t *p = (uint64_t *)(void *)(w->region + spot(k));
        __atomic_store_n(p, w->tag << 32 | (uint64_t)k, __ATOMIC_RELAXED);
        REC(p, 8);
        pace(PACE);
        if (k % 32 == 0) {
            fill_block((uint64_t *)(void *)(w->region + REGION / 2 + (size_t)(k / 32) * BLOCK),
                       w->tag << 40 | (uint64_t)k << 16);
            pace(PACE);
        }
    }
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
    return 0;
}

/* Lines whose file bytes differ from the working copy's, among those the writers wrote. */
static int stale_lines(const char *path, const char *m, int verbose) {
    static char file[2 * REGION];
    e2e_read(path, 0, file, sizeof file);
    int stores = 0, fills = 0;
    for (int t = 0; t < 2; t++) {
        size_t base = (size_t)t * REGION;
        for (int k = 0; k < SPOTS; k++) {
            size_t at = base + spot(k);
            if (memcmp(file + at, m + at, 8) != 0 && stores++ < 4 && verbose)
                fprintf(stderr, "stale: thread %d store %d at %zu\n", t, k, at);
        }
        for (size_t at = base + REGION / 2; at < base + REGION / 2 + (size_t)BLOCKS * BLOCK; at += 64)
            if (memcmp(file + at, m + at, 64) != 0 && fills++ < 4 && verbose)
                fprintf(stderr, "stale: thread %d fill line at %zu\n", t, at);
    }
    if (stores + fills) printf("stale lines: %d by scattered stores, %d by loop fills\n", stores, fills);
    return stores + fills;
}

static int one_run(int run, int verbose) {
    char name[64];
    snprintf(name, sizeof name, "racing-%d.dat", run);
    char *path = e2e_file(name, 2 * REGION, 0);
    int fd = e2e_open(path);
    char *m = e2e_map(fd, 2 * REGION, 0);
    int go = 0;
    struct writer w[2] = {{m, 1, 0, &go}, {m + REGION, 2, 0, &go}};
    pthread_t th[2];
    for (int t = 0; t < 2; t++) REQUIRE(pthread_create(&th[t], 0, write_lines, &w[t]) == 0, "thread");
    /* The writers start once every page is in place (first touches of the working copy and of
     * the file are slow, and would leave few commits to race) and committed. */
    fill(m, 0, 2 * REGION);
    REQUIRE(msync(m, 2 * REGION, MS_SYNC) == 0, "first msync: %s", strerror(errno));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int commits = 0;
    while (!__atomic_load_n(&w[0].done, __ATOMIC_ACQUIRE) || !__atomic_load_n(&w[1].done, __ATOMIC_ACQUIRE)) {
        REQUIRE(msync(m, 2 * REGION, MS_SYNC) == 0, "msync: %s", strerror(errno));
        commits++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("RACING_VERBOSE")) fprintf(stderr, "writers %.1f ms\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    for (int t = 0; t < 2; t++) pthread_join(th[t], 0);
    REQUIRE(msync(m, 2 * REGION, MS_SYNC) == 0, "last msync: %s", strerror(errno));
    int stale = stale_lines(path, m, verbose);
    printf("run %d: %d commits while the writers ran, %d lines stale\n", run, commits, stale);
    CHECK(commits >= 100, "the writers raced only %d commits: too few for this test to mean anything", commits);
    REQUIRE(munmap(m, 2 * REGION) == 0, "munmap");
    close(fd);
    unlink(path);
    return stale;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "expect-loss") == 0) {
        /* A run loses lines nearly always; up to five runs, until one does. */
        int stale = 0;
        for (int run = 0; run < 5 && stale == 0; run++) stale = one_run(run, 0);
        CHECK(stale > 0, "records before writes lost no line in five runs: this test could not see the race");
        return e2e_done("racing_writers (records before writes)");
    }
    int stale = 0;
    for (int run = 0; run < 3; run++) stale += one_run(run, 1);
    CHECK(stale == 0, "every line the writers wrote is in the file after the last commit (%d stale)", stale);
    return e2e_done("racing_writers");
}
