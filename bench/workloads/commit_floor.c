/*
 * commit_floor.c — what a failure-atomic commit of L dirty cache lines costs at minimum on this
 * medium, with libpmem doing the persistence the way Snapshot's protocol needs it:
 *   write L undo entries (offset + 64-byte line) and a checksummed header to the log, flush, drain;
 *   copy the L lines into the data file with non-temporal stores, drain;
 *   invalidate the log header, flush, drain.
 * No dirty tracking, no run building, no locking: a floor for the runtime's commit path, printed
 * by the runner next to the results ("what would close the gap").
 *
 * usage: commit_floor DIR [ITERATIONS]     prints: FLOOR,<lines>,<ns per commit>,<pmem|msync>
 */
#include <libpmem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void persist(char *p, size_t n, int is_pmem) {
    if (is_pmem) pmem_persist(p, n);
    else if (pmem_msync(p, n) != 0) { perror("pmem_msync"); exit(1); }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: commit_floor DIR [ITERATIONS]\n"); return 2; }
    long iters = argc > 2 ? atol(argv[2]) : 100000;
    char data_path[4096], log_path[4096];
    snprintf(data_path, sizeof data_path, "%s/snapbench-floor-%d.data", argv[1], (int)getpid());
    snprintf(log_path, sizeof log_path, "%s/snapbench-floor-%d.log", argv[1], (int)getpid());
    size_t dlen, llen;
    int dpm, lpm;
    const size_t size = 16u << 20;
    char *data = pmem_map_file(data_path, size, PMEM_FILE_CREATE, 0600, &dlen, &dpm);
    char *log = pmem_map_file(log_path, 1u << 20, PMEM_FILE_CREATE, 0600, &llen, &lpm);
    if (!data || !log) { perror("pmem_map_file"); return 1; }
    /* fault every page in first: the probe measures commits, not first-touch page faults */
    if (dpm) pmem_memset_persist(data, 0, size);
    else { memset(data, 0, size); pmem_msync(data, size); }
    memset(log, 0, 1u << 20);
    persist(log, 1u << 20, lpm);
    char line[64];
    memset(line, 0x5a, sizeof line);
    static const int counts[] = {1, 4, 16, 64};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int lines = counts[c];
        long n = iters / lines > 20 ? iters / lines : 20;
        uint64_t t0 = now_ns(), seed = 1;
        for (long i = 0; i < n; i++) {
            /* L random lines of the data file */
            uint64_t off[64];
            for (int l = 0; l < lines; l++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                off[l] = ((seed >> 20) % (size / 64)) * 64;
            }
            char *e = log + 64; /* undo entries after a one-line header */
            for (int l = 0; l < lines; l++, e += 72) {
                memcpy(e, &off[l], 8);
                memcpy(e + 8, data + off[l], 64);
            }
            uint64_t hdr[8] = {0x464c4f4f52ull, (uint64_t)lines, (uint64_t)i, 0};
            for (int l = 0; l < lines * 9; l++) hdr[3] += ((uint64_t *)(log + 64))[l] * 31;
            memcpy(log, hdr, sizeof hdr);
            persist(log, 64 + (size_t)lines * 72, lpm);             /* log valid */
            for (int l = 0; l < lines; l++) {
                if (dpm) pmem_memcpy_nodrain(data + off[l], line, 64);
                else memcpy(data + off[l], line, 64);
            }
            if (dpm) pmem_drain();
            else { /* one msync over the span: the kernel writes back only the dirty pages */
                uint64_t lo = off[0], hi = off[0];
                for (int l = 1; l < lines; l++) {
                    if (off[l] < lo) lo = off[l];
                    if (off[l] > hi) hi = off[l];
                }
                persist(data + lo, hi - lo + 64, 0);
            }
            hdr[0] = 0;
            memcpy(log, hdr, 8);
            persist(log, 8, lpm);                                       /* log invalid */
        }
        uint64_t ns = now_ns() - t0;
        printf("FLOOR,%d,%.0f,%s\n", lines, (double)ns / (double)n, dpm ? "pmem" : "msync");
    }
    pmem_unmap(data, dlen);
    pmem_unmap(log, llen);
    unlink(data_path);
    unlink(log_path);
    return 0;
}
