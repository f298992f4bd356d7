/*
 * commit_cost.c — cost of one msync() commit as a function of the number of dirty cache lines, for
 * whatever this is linked with: built by snapshot-cc it measures libsnapshot's commit path; the
 * runner prints it next to commit_floor (the same protocol's bare libpmem cost), so the gap between
 * the two is the runtime's own overhead (dirty tracking, run building, bookkeeping).
 *
 * usage: commit_cost DIR [ITERATIONS]      prints: COMMIT,<lines>,<ns per write+commit>
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: commit_cost DIR [ITERATIONS]\n"); return 2; }
    long iters = argc > 2 ? atol(argv[2]) : 100000;
    char path[4096];
    snprintf(path, sizeof path, "%s/snapbench-commit-%d.data", argv[1], (int)getpid());
    const size_t size = 16u << 20;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) { perror(path); return 1; }
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    memset(m, 0, size); /* fault everything in and commit once: measure steady-state commits */
    if (msync(m, size, MS_SYNC) != 0) { perror("msync"); return 1; }
    static const int counts[] = {1, 4, 16, 64};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int lines = counts[c];
        long n = iters / lines > 20 ? iters / lines : 20;
        uint64_t seed = 1, t0 = now_ns();
        for (long i = 0; i < n; i++) {
            for (int l = 0; l < lines; l++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                m[((seed >> 20) % (size / 64)) * 64] = (char)i; /* one byte: dirties the line */
            }
            if (msync(m, size, MS_SYNC) != 0) { perror("msync"); return 1; }
        }
        printf("COMMIT,%d,%.0f\n", lines, (double)(now_ns() - t0) / (double)n);
    }
    munmap(m, size);
    close(fd);
    unlink(path);
    char log[4200];
    snprintf(log, sizeof log, "%s/.snapbench-commit-%d.data.snapshot-log", argv[1], (int)getpid());
    unlink(log);
    return 0;
}
