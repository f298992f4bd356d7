/* fork: the child gets a private copy of the working memory (it sees the parent's uncommitted
 * writes, and its own writes stay private), but it is not the writer of the file: its msync fails
 * with EPERM and a message, its munmap/exit do not warn, and it cannot map the file for writing.
 * The parent is unaffected and commits its own writes only. */
#include "e2e.h"

static char *path, *map;

static void child(void *arg) {
    (void)arg;
    int ok = 1;
    if (map[100] != 'B') { fprintf(stderr, "child does not see the parent's write\n"); ok = 0; }
    SET(map[200], 'C');
    e2e_capture_begin();
    errno = 0;
    int r = msync(map, 4096, MS_SYNC);
    int e = errno;
    const char *err = e2e_capture_end();
    if (r != -1 || e != EPERM) { fprintf(stderr, "child msync: %d errno %d\n", r, e); ok = 0; }
    if (!strstr(err, "fork")) { fprintf(stderr, "child msync message does not explain\n"); ok = 0; }
    int fd = open(path, O_RDWR);
    errno = 0;
    void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (q != MAP_FAILED || errno != EPERM) { fprintf(stderr, "child writable mmap not refused\n"); ok = 0; }
    e2e_capture_begin();
    if (munmap(map, 4096) != 0) { fprintf(stderr, "child munmap failed\n"); ok = 0; }
    err = e2e_capture_end();
    if (err[0]) { fprintf(stderr, "child munmap warned\n"); ok = 0; }
    exit(ok ? 0 : 1);
}

static void child_exit_dirty(void *arg) {
    (void)arg;
    SET(map[300], 'E');
    exit(0);                                          /* must not warn: not the writer */
}

int main(void) {
    path = e2e_file("fork.dat", 4096, '-');
    int fd = e2e_open(path);
    map = e2e_map(fd, 4096, 0);
    SET(map[0], 'A');
    REQUIRE(msync(map, 4096, MS_SYNC) == 0, "msync");
    SET(map[100], 'B');                               /* uncommitted at fork time */
    int st = e2e_child(child, NULL);
    CHECK(EXITED_WITH(st, 0), "child checks (status %d)", st);
    CHECK(map[200] == '-', "child's write is private to the child");
    CHECK(e2e_byte(path, 200) == '-' && e2e_byte(path, 100) == '-', "child committed nothing");

    e2e_capture_begin();
    st = e2e_child(child_exit_dirty, NULL);
    const char *err = e2e_capture_end();
    CHECK(EXITED_WITH(st, 0), "child exit");
    CHECK(strstr(err, "fork.dat") == NULL, "child exit does not warn");

    REQUIRE(msync(map, 4096, MS_SYNC) == 0, "parent msync after fork: %s", strerror(errno));
    CHECK(e2e_byte(path, 100) == 'B', "parent's write committed");
    CHECK(e2e_byte(path, 200) == '-' && e2e_byte(path, 300) == '-', "children's writes not committed");
    REQUIRE(munmap(map, 4096) == 0, "munmap");
    close(fd);
    return e2e_done("fork");
}
