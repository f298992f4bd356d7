/* commit_ops.c — the cost of small commits, for callgrind and for the clock.
 *   commit_ops FILE COMMITS RUNS [LINES_PER_RUN [MIB]]
 * Maps a MIB-MiB file (default 64), then COMMITS times: dirty RUNS separate runs of LINES_PER_RUN lines (random,
 * never adjacent) with 8-byte stores recorded exactly as the pass records them, and msync. Prints
 * ns per commit and, from snapshot_stats, ordering points per commit. bench/runtime/instructions.sh
 * runs it under callgrind: the counts are zeroed before the timed loop and dumped right after it
 * (valgrind client requests, no-ops outside valgrind), so the dump holds exactly COMMITS commits.
 * (A difference of two runs of different lengths does not cancel start-up: the warm-up's cost
 * varies from process to process with the random reservation base, by up to ~300 instructions
 * per commit at 1000 commits.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s)
#endif
#include "snapshot.h"
#include "snapshot_abi.h"


int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: commit_ops FILE COMMITS RUNS [LINES_PER_RUN [MIB]]\n"); return 2; }
    const uint64_t size = (argc > 5 ? strtoull(argv[5], 0, 0) : 64) << 20;
    long commits = atol(argv[2]);
    int runs = atoi(argv[3]), per = argc > 4 ? atoi(argv[4]) : 1;
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, size) != 0) { perror(argv[1]); return 1; }
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    uint64_t seed = 12345;
    /* Slots of 4 lines apart so that runs never touch; warm the pages the commits will use. */
    const uint64_t slots = size / 64 / (uint64_t)(per + 1);
    for (long w = 0; w < 2; w++) {
        for (uint64_t s = 0; s < size; s += 4096) { m[s] = 1; __snapshot_record(m + s, 1); }
        if (msync(m, size, MS_SYNC) != 0) { perror("msync"); return 1; }
    }
    struct snapshot_stats s0, s1;
    snapshot_stats(&s0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CALLGRIND_ZERO_STATS;
    for (long c = 0; c < commits; c++) {
        for (int r = 0; r < runs; r++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            char *p = m + ((seed >> 20) % slots) * (uint64_t)(per + 1) * 64;
            for (int l = 0; l < per; l++) {
                *(volatile uint64_t *)(p + 64 * l) = (uint64_t)c;
                __snapshot_record(p + 64 * l, 8);
            }
        }
        if (msync(m, size, MS_SYNC) != 0) { perror("msync"); return 1; }
    }
    CALLGRIND_DUMP_STATS_AT("commits");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    snapshot_stats(&s1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("commit_ns %.0f\nordering_points_per_commit %.4f\nlines_per_commit %.2f\n", ns / (double)commits,
           (double)(s1.ordering_points - s0.ordering_points) / (double)commits,
           (double)(s1.lines_committed - s0.lines_committed) / (double)commits);
    munmap(m, size);
    close(fd);
    return 0;
}
