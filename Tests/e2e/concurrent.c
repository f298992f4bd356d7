/* Commits of different files from different threads run concurrently (per-file commit locks), while
 * other threads map and unmap further files; every commit lands, nothing is lost or mixed up. Then
 * many files are mapped and unmapped in turn: windows are reused (no exhaustion). */
#include "e2e.h"
#include <pthread.h>

#define THREADS 4
#define ROUNDS 50
#define SIZE (16 * 4096)

static char *paths[THREADS];

static void *committer(void *arg) {
    long t = (long)arg;
    int fd = e2e_open(paths[t]);
    char *p = e2e_map(fd, SIZE, 0);
    for (int r = 1; r <= ROUNDS; r++) {
        for (int i = 0; i < SIZE; i += 256) SET(p[i], (char)r);
        if (msync(p, SIZE, MS_SYNC) != 0) { fprintf(stderr, "msync %ld/%d: %s\n", t, r, strerror(errno)); return (void *)1; }
    }
    munmap(p, SIZE);
    close(fd);
    return NULL;
}

static void *mapper(void *arg) {
    (void)arg;
    for (int r = 0; r < 40; r++) {
        char name[64];
        snprintf(name, sizeof name, "concurrent-m%d.dat", r);
        char *path = e2e_file(name, 4096, 'm');
        int fd = e2e_open(path);
        char *p = e2e_map(fd, 4096, 0);
        SET(p[1], 'M');
        if (msync(p, 4096, MS_SYNC) || munmap(p, 4096)) return (void *)1;
        close(fd);
        if (e2e_byte(path, 1) != 'M') return (void *)1;
    }
    return NULL;
}

int main(void) {
    for (int t = 0; t < THREADS; t++) {
        char name[64];
        snprintf(name, sizeof name, "concurrent-%d.dat", t);
        paths[t] = e2e_file(name, SIZE, 0);
    }
    pthread_t th[THREADS + 1];
    for (long t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, committer, (void *)t);
    pthread_create(&th[THREADS], NULL, mapper, NULL);
    for (int t = 0; t <= THREADS; t++) {
        void *r;
        pthread_join(th[t], &r);
        CHECK(r == NULL, "thread %d failed", t);
    }
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < SIZE; i += 256) CHECK(e2e_byte(paths[t], i) == ROUNDS, "file %d offset %d", t, i);

    /* Window reuse: map/unmap many files one after the other. */
    char *seen[200];
    int distinct = 0;
    for (int r = 0; r < 200; r++) {
        char *path = e2e_file("concurrent-reuse.dat", 4096, 'r');
        int fd = e2e_open(path);
        char *p = e2e_map(fd, 4096, 0);
        int known = 0;
        for (int i = 0; i < distinct; i++) known |= seen[i] == p;
        if (!known) seen[distinct++] = p;
        REQUIRE(munmap(p, 4096) == 0, "munmap");
        close(fd);
        free(path);
    }
    CHECK(distinct <= 2, "windows are reused (%d distinct addresses in 200 mappings)", distinct);
    struct snapshot_stats s;
    snapshot_stats(&s);
    CHECK(s.commits == THREADS * ROUNDS + 40, "every commit counted (%llu)", (unsigned long long)s.commits);
    return e2e_done("concurrent");
}
