/* mmap address hints of managed mappings, and errno after successful calls.
 * - A persistent heap that stores its own address (as gawk's PMA and Boost.Interprocess do) maps
 *   at the same address in every run: the first run takes a free address the kernel chose, stores
 *   it in the file, and later runs (fresh processes) pass it back as a hint (no MAP_FIXED).
 * - Later hints inside the reserved range are met when the window there is free; a hint that
 *   cannot be met returns another address, as POSIX allows, and the mapping works.
 * - errno is left alone by a successful mmap, msync, munmap, even though the runtime's own
 *   probes fail inside (MAP_SYNC, logs that do not exist). */
#include "e2e.h"

#define SENTINEL 12345

/* One run of the "heap": map the file at the address it stores (or a fresh one), check, update. */
static int heap_run(const char *heap) {
    int fd = e2e_open(heap);
    uintptr_t stored = 0;
    REQUIRE(pread(fd, &stored, sizeof stored, 0) == sizeof stored, "read the stored address");
    void *hint = (void *)stored;
    if (!stored) {
        /* First run: a free address, found as PMA does (an anonymous mapping given back). */
        void *probe = mmap(NULL, (size_t)1 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        REQUIRE(probe != MAP_FAILED, "probe");
        munmap(probe, (size_t)1 << 30);
        hint = probe;
    }
    errno = SENTINEL;
    uintptr_t *h = mmap(hint, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(h != MAP_FAILED, "mmap with a hint: %s", strerror(errno));
    CHECK(errno == SENTINEL, "errno after a successful mmap: %d", errno);
    CHECK((void *)h == hint, "the hint is honoured: %p, asked %p", (void *)h, hint);
    if (stored) CHECK(h[0] == stored, "the heap holds its own address");
    SET(h[0], (uintptr_t)h);
    SET(h[1], h[1] + 1);                          /* run counter */
    errno = SENTINEL;
    REQUIRE(msync(h, 1 << 20, MS_SYNC) == 0, "msync");
    CHECK(errno == SENTINEL, "errno after a successful msync: %d", errno);
    int ok = (void *)h == hint;

    /* A later hint inside the reserved range, where a window is free: met. (An unhinted mapping
     * shows where windows lie; once it is gone, its window is free again.) */
    char *other = e2e_file("hint-other.dat", 4096, 'o');
    int fd2 = e2e_open(other);
    char *probe = e2e_map(fd2, 4096, 0);
    munmap(probe, 4096);
    char *third = e2e_file("hint-third.dat", 4096, 't');
    int fd3 = e2e_open(third);
    char *o = mmap(probe, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd3, 0);
    REQUIRE(o != MAP_FAILED, "second hinted mmap: %s", strerror(errno));
    CHECK(o == probe, "a later hint inside the range is met: %p, asked %p", (void *)o, (void *)probe);
    /* A hint that cannot be met (not where a window can start): another address, still works. */
    char *t = mmap(probe + 4096, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    REQUIRE(t != MAP_FAILED, "unmeetable hint: %s", strerror(errno));
    CHECK(t != probe + 4096, "not met");
    SET(t[0], 'T');
    errno = SENTINEL;
    REQUIRE(munmap(t, 4096) == 0 && munmap(o, 4096) == 0, "munmap");
    CHECK(errno == SENTINEL, "errno after a successful munmap: %d", errno);
    CHECK(e2e_byte(other, 0) == 'T', "the mapping whose hint was not met works");
    munmap(h, 1 << 20);
    close(fd3);
    close(fd2);
    close(fd);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "run") == 0) return heap_run(argv[2]) || e2e_failures ? 1 : 0;
    char *heap = e2e_file("heap.dat", 1 << 20, 0);
    uintptr_t first = 0;
    for (int run = 0; run < 3; run++) {
        int st = e2e_spawn("run", heap, NULL);
        CHECK(EXITED_WITH(st, 0), "run %d: status %d", run, st);
        uintptr_t addr = 0, count = 0;
        e2e_read(heap, 0, &addr, sizeof addr);
        e2e_read(heap, 8, &count, sizeof count);
        CHECK(count == (uintptr_t)run + 1, "run %d committed (count %lu)", run, (unsigned long)count);
        if (run == 0) first = addr;
        CHECK(addr == first && addr != 0, "run %d: same address %#lx as the first run %#lx", run,
              (unsigned long)addr, (unsigned long)first);
    }

    /* errno: a read-only shared mapping of a file without a log (the log lookup fails inside). */
    char *ro = e2e_file("hint-ro.dat", 4096, 'r');
    int fd = open(ro, O_RDONLY);
    errno = SENTINEL;
    void *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(r != MAP_FAILED && errno == SENTINEL, "errno after a read-only mmap: %d", errno);
    munmap(r, 4096);
    close(fd);
    return e2e_done("hints");
}
