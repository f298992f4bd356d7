/* Strided loops commit the lines they write, not the span they cross: a field of every 4 KiB
 * record, two fields far apart in each record, a column of a matrix, a stride known only at run
 * time (sparse and dense), a backward stride. Each loop is followed by a commit whose
 * lines_committed (snapshot_stats) must stay within 10% of the lines the loop wrote, and the file
 * must then hold what the loop wrote. Built at every -O level by opt-levels.sh. */
#include "e2e.h"

struct page { uint64_t stamp; char rest[4088]; };   /* 4 KiB: one field per 64 lines */
#define PAGES 256
#define ROWS 128
#define COLS 128                                    /* double[ROWS][COLS]: a column strides 1 KiB */

static const char *path;
static char *base;
static size_t size;

/* Commits and returns the lines that commit copied. */
static uint64_t commit_lines(void) {
    struct snapshot_stats a, b;
    REQUIRE(snapshot_stats(&a) == 0, "stats");
    REQUIRE(msync(base, size, MS_SYNC) == 0, "msync: %s", strerror(errno));
    REQUIRE(snapshot_stats(&b) == 0, "stats");
    return b.lines_committed - a.lines_committed;
}

static void expect_lines(const char *what, uint64_t written) {
    uint64_t got = commit_lines();
    printf("%s: %llu lines committed for %llu written\n", what, (unsigned long long)got,
           (unsigned long long)written);
    CHECK(got >= written, "%s: every written line committed (%llu < %llu)", what,
          (unsigned long long)got, (unsigned long long)written);
    CHECK(got * 10 <= written * 11, "%s: at most 1.1 lines committed per line written (%llu for %llu)",
          what, (unsigned long long)got, (unsigned long long)written);
}

/* noinline: the stride reaches the loop as a value the pass knows to be positive (1..65536) but
 * not its size, so whether the writes are dense is decided at run time. */
__attribute__((noinline)) static void every_nth(uint64_t *a, long n, unsigned long stride, uint64_t v) {
    long step = (long)((stride - 1) & 0xffff) + 1;
    for (long i = 0; i < n; i++)
        SET(a[i * step], v + (uint64_t)i);
}

int main(int argc, char **argv) {
    (void)argv;
    uint64_t round = (uint64_t)argc + 6;            /* not a constant the optimiser can fold */
    size = PAGES * sizeof(struct page);
    path = e2e_file("strided.dat", size, 0);
    int fd = e2e_open(path);
    base = e2e_map(fd, size, 0);
    close(fd);
    struct page *p = (struct page *)base;

    /* The loop: one 8-byte field per 4 KiB record. */
    for (int i = 0; i < PAGES; i++)
        SET(p[i].stamp, round * 1000 + (uint64_t)i);
    expect_lines("field per record", PAGES);
    for (int i = 0; i < PAGES; i++) {
        uint64_t v;
        e2e_read(path, (off_t)i * 4096, &v, sizeof v);
        CHECK(v == round * 1000 + (uint64_t)i, "record %d stamp in the file (%llu)", i,
              (unsigned long long)v);
    }

    /* Two fields 2000 bytes apart in each record: two lines per record. */
    for (int i = 0; i < PAGES; i++) {
        SET(p[i].stamp, round + (uint64_t)i);
        SET(p[i].rest[2000], (char)i);
    }
    expect_lines("two fields per record", 2 * PAGES);
    CHECK(e2e_byte(path, 7 * 4096 + 8 + 2000) == 7, "second field in the file");

    /* A column of a matrix of doubles: every 16th line. */
    double (*m)[COLS] = (double (*)[COLS])base;
    for (int r = 0; r < ROWS; r++)
        SET(m[r][5], (double)r * 0.5 + (double)round);
    expect_lines("matrix column", ROWS);
    double d;
    e2e_read(path, (off_t)(9 * COLS + 5) * sizeof(double), &d, sizeof d);
    CHECK(d == 4.5 + (double)round, "column entry in the file (%g)", d);

    /* Stride known at run time: 512 bytes (sparse), then 8 bytes (dense, contiguous). */
    every_nth((uint64_t *)base, 2000, 64, round);
    expect_lines("run-time stride, sparse", 2000);
    every_nth((uint64_t *)base, 8000, 1, round);
    expect_lines("run-time stride, dense", 8000 * 8 / 64);
    uint64_t v;
    e2e_read(path, 123 * 8, &v, sizeof v);
    CHECK(v == round + 123, "dense entry in the file (%llu)", (unsigned long long)v);

    /* Backward: one byte per record, last record first. */
    for (int i = PAGES - 1; i >= 0; i--)
        SET(p[i].rest[100], (char)(i + 1));
    expect_lines("backward field", PAGES);
    CHECK(e2e_byte(path, 200 * 4096 + 8 + 100) == 201, "backward field in the file");

    munmap(base, size);
    return e2e_done("strided");
}
