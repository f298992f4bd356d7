/* Commit cost of the runtime on the medium (PMEM_IS_PMEM_FORCE=1 on /dev/shm: the pmem code path,
 * no power-fail durability):
 *   latency <file> <lines...>   msync latency for N dirty lines spread evenly over a 128 MiB file
 *                               (scattered: never adjacent unless N > half the file), median of 7;
 *                               plus medium bytes (log + data) per committed dirty byte.
 *   throughput <file> <MiB>     best of 5 commits of a contiguous dirty range (dirty bytes / time);
 *                               ntcopy.c measures the baseline (pmem_memcpy NT + pmem_drain).
 *   recovery <file> <MiB>       time to replay the largest lap a crash can leave (MiB = 0: many
 *                               small commits; else one commit of that size).
 * Stores are recorded with __snapshot_record (the runtime alone, independent of the pass). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "snapshot.h"
#include "snapshot_abi.h"

static inline uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
/* A fresh file: also remove a log left by an earlier, interrupted run (it would not match). */
static void unlink_log(const char *path) {
    char log[1024];
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(log, sizeof log, "%.*s/.%s.snapshot-log", (int)(slash - path), path, slash + 1);
    else snprintf(log, sizeof log, ".%s.snapshot-log", path);
    unlink(log);
}

static char *map_file(const char *path, size_t size, int *fdp) {
    unlink_log(path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size)) { perror(path); exit(1); }
    char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    *fdp = fd;
    return m;
}

static int latency(const char *path, int argc, char **argv) {
    const size_t size = (size_t)128 << 20, total = size / 64;
    int fd;
    char *m = map_file(path, size, &fd);
    memset(m, 0, size);                                   /* copy-on-write all pages up front */
    __snapshot_record(m, size);
    msync(m, size, MS_SYNC);
    printf("lines latency_us bytes_per_dirty_byte\n");
    for (int a = 0; a < argc; a++) {
        size_t n = strtoul(argv[a], 0, 0);
        if (n < 1 || n > total) continue;
        size_t stride = total / n;
        double t[7];
        struct snapshot_stats s0, s1;
        snapshot_stats(&s0);
        for (int r = 0; r < 7; r++) {
            for (size_t i = 0; i < n; i++) {
                char *p = m + i * stride * 64;
                *(volatile uint64_t *)p = (uint64_t)r + 1;
                __snapshot_record_8(p);
            }
            uint64_t t0 = now();
            if (msync(m, size, MS_SYNC)) { perror("msync"); return 1; }
            t[r] = (double)(now() - t0) / 1000.0;
        }
        snapshot_stats(&s1);
        qsort(t, 7, sizeof t[0], cmp);
        double dirty = (double)(s1.lines_committed - s0.lines_committed) * 64;
        double medium = (double)(s1.log_bytes_written - s0.log_bytes_written +
                                 s1.data_bytes_written - s0.data_bytes_written);
        printf("%zu %.1f %.3f\n", n, t[3], medium / dirty);
    }
    munmap(m, size);
    close(fd);
    unlink(path);
    return 0;
}

static int throughput(const char *path, size_t mib) {
    size_t size = mib << 20;
    int fd;
    char *m = map_file(path, size, &fd);
    memset(m, 7, size);
    __snapshot_record(m, size);
    msync(m, size, MS_SYNC);                              /* log grown, pages copied */
    double best = 1e30;
    struct snapshot_stats s0, s1;
    snapshot_stats(&s0);
    for (int r = 0; r < 5; r++) {
        memset(m, r, size);
        __snapshot_record(m, size);
        uint64_t t0 = now();
        if (msync(m, size, MS_SYNC)) { perror("msync"); return 1; }
        double t = (double)(now() - t0);
        if (t < best) best = t;
    }
    snapshot_stats(&s1);
    double per_commit = (double)(s1.log_bytes_written - s0.log_bytes_written +
                                 s1.data_bytes_written - s0.data_bytes_written) / 5;
    printf("commit_MiB %zu best_ms %.3f dirty_GBps %.3f medium_GBps %.3f\n", mib, best / 1e6,
           (double)size / best, per_commit / best);
    munmap(m, size);
    close(fd);
    unlink(path);
    return 0;
}

/* Recovery time for the largest lap the log can leave: a child commits until its log has grown to
 * its limit and the lap is nearly full (or commits one huge `mib` MiB commit), then dies without
 * closing; the parent times the open and mmap that replay the lap. */
static int recovery(const char *path, size_t mib) {
    const size_t size = (size_t)64 << 20;
    pid_t pid = fork();
    if (pid == 0) {
        int fd;
        char *m = map_file(path, mib ? mib << 20 : size, &fd);
        if (mib) {
            memset(m, 3, mib << 20);
            __snapshot_record(m, mib << 20);
            if (msync(m, mib << 20, MS_SYNC)) _exit(1);
        } else {
            /* 64 scattered lines per commit; 3000 commits pass through every log size up to the
             * 4 MiB limit and leave a lap of several MiB. */
            uint64_t seed = 7;
            for (int c = 0; c < 3000; c++) {
                for (int l = 0; l < 64; l++) {
                    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                    char *p = m + ((seed >> 20) % (size / 64)) * 64;
                    *(volatile uint64_t *)p = seed;
                    __snapshot_record_8(p);
                }
                if (msync(m, size, MS_SYNC)) _exit(1);
            }
        }
        _exit(0);                                          /* no munmap: the lap stays */
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "recovery: child failed\n"); return 1; }
    struct stat ls;
    char log[1024];
    const char *slash = strrchr(path, '/');
    snprintf(log, sizeof log, "%.*s/.%s.snapshot-log", (int)(slash - path), path, slash + 1);
    if (stat(log, &ls)) { perror(log); return 1; }
    /* Timed from the open: opening a file whose log holds commits already replays them (readers
     * see the committed state), so the mmap alone would find nothing left to do. */
    struct snapshot_stats s0, s1;
    snapshot_stats(&s0);
    uint64_t t0 = now();
    int fd = open(path, O_RDWR);
    void *m = mmap(NULL, mib ? mib << 20 : size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint64_t t1 = now();
    snapshot_stats(&s1);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    if (s1.recoveries == s0.recoveries) { fprintf(stderr, "recovery: nothing was replayed, nothing measured\n"); return 1; }
    printf("log_MiB %.1f recovery_ms %.2f recoveries %llu\n", (double)ls.st_size / (1 << 20), (double)(t1 - t0) / 1e6,
           (unsigned long long)(s1.recoveries - s0.recoveries));
    munmap(m, mib ? mib << 20 : size);
    close(fd);
    unlink(path);
    unlink(log);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "recovery") == 0) return recovery(argv[2], strtoul(argv[3], 0, 0));
    if (argc >= 3 && strcmp(argv[1], "latency") == 0) return latency(argv[2], argc - 3, argv + 3);
    if (argc >= 4 && strcmp(argv[1], "throughput") == 0) return throughput(argv[2], strtoul(argv[3], 0, 0));
    fprintf(stderr, "usage: commit latency <file> <lines...> | commit throughput <file> <MiB> | commit recovery <file> <MiB, 0 = full lap>\n");
    return 2;
}
