/*
 * wal_crash.c — checks that the `wal` baseline really is crash-consistent (process crashes), so the
 * benchmark compares Snapshot with an honest WAL.
 *
 * Each round: a child process runs transactions on a fresh heap file — transaction k (seeded by k)
 * logs and overwrites a few random byte ranges, commits, and then reports k on a pipe — and the
 * parent SIGKILLs it after a random delay. The parent then reopens the heap with wal_open (which
 * recovers) and requires the heap to equal the image after the last reported commit, or after the
 * next one (the commit that may have been in flight). Images are recomputed by replaying.
 *
 * usage: wal_crash DIR [ROUNDS]      exit 0 = every round consistent
 */
#include "../workloads/bench.h"
#include "../workloads/wal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAP (1u << 20)

/* Applies transaction k's writes to heap (through the log when logged != 0). */
static void txn(char *heap, uint64_t k, int logged) {
    rng_t r = {k * 1000003u};
    int n = 1 + (int)(rng_next(&r) % 24);
    for (int i = 0; i < n; i++) {
        size_t len = 1 + rng_next(&r) % 300, off = rng_next(&r) % (HEAP - len);
        if (logged) wal_mark(heap + off, len);
        for (size_t j = 0; j < len; j++) heap[off + j] = (char)rng_next(&r);
    }
}

static int same_as_replay(const char *heap, uint64_t k, char *scratch) {
    memset(scratch, 0, HEAP);
    for (uint64_t i = 1; i <= k; i++) txn(scratch, i, 0);
    return memcmp(heap, scratch, HEAP) == 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: wal_crash DIR [ROUNDS]\n"); return 2; }
    int rounds = argc > 2 ? atoi(argv[2]) : 50;
    char path[4096], log[4200];
    snprintf(path, sizeof path, "%s/walcrash-%d.heap", argv[1], (int)getpid());
    snprintf(log, sizeof log, "%s.wal", path);
    char *scratch = malloc(HEAP);
    rng_t delay = {12345};
    int bad = 0, midflight = 0;
    for (int round = 0; round < rounds; round++) {
        unlink(path);
        unlink(log);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || ftruncate(fd, HEAP) != 0) bench_die("create %s", path);
        int pfd[2];
        if (pipe(pfd) != 0) bench_die("pipe");
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            char *heap = mmap(NULL, HEAP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (heap == MAP_FAILED) bench_die("mmap");
            wal_open(log, heap, HEAP, 64u << 20);
            for (uint64_t k = 1;; k++) {
                txn(heap, k, 1);
                wal_commit();
                if (write(pfd[1], &k, sizeof k) != sizeof k) _exit(3);
            }
        }
        close(pfd[1]);
        usleep(2000 + (useconds_t)(rng_next(&delay) % 20000));
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        uint64_t k = 0, v;
        while (read(pfd[0], &v, sizeof v) == sizeof v) k = v;
        close(pfd[0]);
        char *heap = mmap(NULL, HEAP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (heap == MAP_FAILED) bench_die("mmap");
        wal_open(log, heap, HEAP, 64u << 20); /* recovers */
        int ok = same_as_replay(heap, k, scratch);
        if (!ok && same_as_replay(heap, k + 1, scratch)) ok = 1, midflight++;
        if (!ok) {
            fprintf(stderr, "round %d: heap matches neither commit %llu nor %llu\n", round,
                    (unsigned long long)k, (unsigned long long)k + 1);
            bad++;
        }
        wal_close(0);
        munmap(heap, HEAP);
        close(fd);
    }
    unlink(path);
    printf("wal_crash: %d rounds, %d inconsistent, %d recovered to the in-flight commit\n", rounds,
           bad, midflight);
    return bad ? 1 : 0;
}
