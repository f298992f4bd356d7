/* Many threads write disjoint and shared lines; some exit (detached) long before the commit, one
 * writes the same lines as another. A single msync publishes every thread's writes. */
#include "e2e.h"
#include <pthread.h>

#define THREADS 8
#define PER_THREAD 65536
static char *map;

static void *worker(void *arg) {
    long t = (long)arg;
    char *base = map + t * PER_THREAD;
    for (size_t i = 0; i < PER_THREAD; i += 7) SET(base[i], (char)('A' + t));
    SET(*(uint64_t *)(map + THREADS * PER_THREAD + t * 8), 0x0101010101010101ull * (uint64_t)(t + 1));
    return NULL;
}

static volatile int detached_done;
static void *detached(void *arg) {
    (void)arg;
    put(map + THREADS * PER_THREAD + 4096, "written by a thread that is gone", 32);
    __atomic_store_n(&detached_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

int main(void) {
    size_t size = THREADS * PER_THREAD + 8192;
    char *path = e2e_file("threads.dat", size, '.');
    int fd = e2e_open(path);
    map = e2e_map(fd, size, 0);

    pthread_t d;
    pthread_create(&d, NULL, detached, NULL);
    pthread_detach(d);
    while (!__atomic_load_n(&detached_done, __ATOMIC_ACQUIRE)) usleep(100);
    usleep(20000);                                    /* let it exit for real */

    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    REQUIRE(msync(map, size, MS_SYNC) == 0, "msync: %s", strerror(errno));

    char *buf = malloc(size);
    e2e_read(path, 0, buf, size);
    int bad = 0;
    for (long t = 0; t < THREADS; t++)
        for (size_t i = 0; i < PER_THREAD; i++) {
            char want = i % 7 == 0 ? (char)('A' + t) : '.';
            if (buf[t * PER_THREAD + i] != want && bad++ < 5)
                CHECK(0, "thread %ld offset %zu: %c want %c", t, i, buf[t * PER_THREAD + i], want);
        }
    CHECK(bad == 0, "%d wrong bytes", bad);
    for (long t = 0; t < THREADS; t++)
        CHECK(*(uint64_t *)(buf + THREADS * PER_THREAD + t * 8) == 0x0101010101010101ull * (uint64_t)(t + 1),
              "shared line, thread %ld", t);
    CHECK(memcmp(buf + THREADS * PER_THREAD + 4096, "written by a thread that is gone", 32) == 0,
          "exited thread's write committed");
    free(buf);
    munmap(map, size);
    return e2e_done("threads");
}
