/* Single writer per file: while this process has the file mapped for writing, another process's
 * writable mmap fails with EBUSY and a clear message; a read-only mapper in another process sees
 * exactly the committed state (not this process's uncommitted writes). Once this process unmaps,
 * the other process can become the writer. */
#include "e2e.h"

static int second(const char *path, int expect_busy) {
    int fd = e2e_open(path);
    errno = 0;
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (expect_busy) {
        if (p != MAP_FAILED || errno != EBUSY) { fprintf(stderr, "not refused: errno %d\n", errno); return 1; }
        return 0;
    }
    if (p == MAP_FAILED) { fprintf(stderr, "second writer refused after unmap: %s\n", strerror(errno)); return 1; }
    SET(p[7], 'S');
    return msync(p, 4096, MS_SYNC) == 0 && munmap(p, 4096) == 0 ? 0 : 1;
}

static int reader(const char *path) {
    int fd = open(path, O_RDONLY);
    char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { fprintf(stderr, "reader mmap: %s\n", strerror(errno)); return 1; }
    if (snapshot_is_managed(p)) { fprintf(stderr, "read-only mapping is managed\n"); return 1; }
    int ok = p[0] == 'W' && p[1] == 'r';               /* committed, not the uncommitted 'X' */
    munmap(p, 4096);
    return ok ? 0 : 2;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "busy") == 0) return second(argv[2], 1);
    if (argc > 2 && strcmp(argv[1], "after") == 0) return second(argv[2], 0);
    if (argc > 2 && strcmp(argv[1], "reader") == 0) return reader(argv[2]);
    char *path = e2e_file("writer.dat", 4096, 'r');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 4096, 0);
    SET(p[0], 'W');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");
    SET(p[1], 'X');                                    /* uncommitted */
    e2e_capture_begin();
    int st = e2e_spawn("busy", path, NULL);
    const char *err = e2e_capture_end();
    CHECK(EXITED_WITH(st, 0), "second writer refused with EBUSY (status %d)", st);
    CHECK(strstr(err, "writer.dat") != NULL, "message names the file");
    st = e2e_spawn("reader", path, NULL);
    CHECK(EXITED_WITH(st, 0), "read-only mapper sees the committed state (status %d)", st);
    SET(p[1], 'r');                                    /* back to the committed value, still dirty */
    REQUIRE(munmap(p, 4096) == 0, "munmap");
    st = e2e_spawn("after", path, NULL);
    CHECK(EXITED_WITH(st, 0), "another process may write once we unmapped (status %d)", st);
    CHECK(e2e_byte(path, 7) == 'S', "its commit landed");
    close(fd);
    return e2e_done("second_writer");
}
