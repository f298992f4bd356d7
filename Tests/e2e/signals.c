/* A signal handler writes the mapping while the program commits after every write: every write,
 * the handler's included, is in the file after the last msync. First while the process has one
 * thread, so the dirty bitmap's read-modify-writes and the runtime's locks use no lock prefix
 * (snapshot_words.h: they must still be atomic with respect to the handler). Then the same after
 * a thread was created, when they are the locked atomics again. The handler's lines and the
 * program's alternate, so both set bits in the same bitmap words.
 * Under SNAPSHOT_TEST_FAULT=split-or (the negative control: the OR done as a load, a pause and a
 * store) the handler's bits set inside the program's OR are lost, and the test must see it. */
#include "e2e.h"
#include <pthread.h>
#include <sys/single_threaded.h>
#include <sys/time.h>

#define LINES 2048                          /* each: the handler's (even lines), the program's (odd) */
#define COMMITS 100000
static char *map;
static uint64_t handler_expect[LINES], main_expect[LINES];
static volatile uint64_t handler_writes;

static uint64_t *slot(int who, size_t line) { return (uint64_t *)(map + (2 * line + (size_t)who) * 64); }

static void on_alarm(int sig) {
    (void)sig;
    uint64_t n = handler_writes + 1;
    size_t line = (size_t)(n * 7) % LINES;   /* different lines, in an order unlike the main loop's */
    SET(*slot(0, line), n);
    handler_expect[line] = n;
    handler_writes = n;
}

static void timer(long usec) {
    struct itimerval it = {{0, usec}, {0, usec}};
    REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: %s", strerror(errno));
}

/* Returns the number of lines whose file contents differ from their last write. */
static int run_phase(const char *path, const char *phase, uint64_t base, int expect_loss) {
    uint64_t before = handler_writes;
    timer(50);
    for (uint64_t i = 0; i < COMMITS; i++) {
        size_t line = (size_t)(i % LINES);
        SET(*slot(1, line), base + i);
        main_expect[line] = base + i;
        REQUIRE(msync(map, 2 * LINES * 64, MS_SYNC) == 0, "msync: %s", strerror(errno));
    }
    timer(0);
    REQUIRE(msync(map, 2 * LINES * 64, MS_SYNC) == 0, "last msync: %s", strerror(errno));
    CHECK(handler_writes - before > 100, "%s: only %llu signals arrived", phase,
          (unsigned long long)(handler_writes - before));
    static uint64_t file[2 * LINES * 8];
    e2e_read(path, 0, file, sizeof file);
    int bad = 0;
    for (size_t l = 0; l < LINES; l++) {
        if (file[(2 * l) * 8] != handler_expect[l] && bad++ < 5 && !expect_loss)
            CHECK(0, "%s: handler line %zu holds %llu in the file, the handler wrote %llu", phase, l,
                  (unsigned long long)file[(2 * l) * 8], (unsigned long long)handler_expect[l]);
        if (file[(2 * l + 1) * 8] != main_expect[l] && bad++ < 5 && !expect_loss)
            CHECK(0, "%s: main line %zu holds %llu in the file, the program wrote %llu", phase, l,
                  (unsigned long long)file[(2 * l + 1) * 8], (unsigned long long)main_expect[l]);
    }
    if (!expect_loss) CHECK(bad == 0, "%s: %d lines of the file differ from what was written", phase, bad);
    return bad;
}

static void *idle_thread(void *arg) {
    (void)arg;
    pause();
    return NULL;
}

int main(void) {
    size_t size = 2 * LINES * 64;   /* the handler's and the program's lines, alternating */
    char *path = e2e_file("signals.dat", size, 0);
    int fd = e2e_open(path);
    map = e2e_map(fd, size, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    REQUIRE(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");

    REQUIRE(__libc_single_threaded, "the process should have one thread here");
    const char *fault = getenv("SNAPSHOT_TEST_FAULT");
    if (fault && strstr(fault, "split-or")) {
        /* A loss shows only if it hits a line's last write, and a run misses that about one time
         * in four on this VM: up to five runs, until one shows it. */
        int lost = 0;
        for (uint64_t run = 1; run <= 5 && lost == 0; run++) lost = run_phase(path, "one thread, split OR", run << 20, 1);
        CHECK(lost > 0, "the split OR lost no handler write in five runs: this test could not see the fault");
        printf("split-or: %d lines lost, as the fault must\n", lost);
    } else {
        run_phase(path, "one thread", 1u << 20, 0);
        pthread_t t;
        REQUIRE(pthread_create(&t, NULL, idle_thread, NULL) == 0, "pthread_create");
        REQUIRE(!__libc_single_threaded, "glibc should know the process has a second thread");
        run_phase(path, "two threads", 2u << 20, 0);
    }

    REQUIRE(munmap(map, size) == 0, "munmap");
    close(fd);
    return e2e_done("signals");
}
