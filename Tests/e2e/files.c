/* Several files at once: each commit publishes exactly its own file; fsync/fdatasync through any
 * descriptor of a file commit it; a sub-range msync commits the whole file. */
#include "e2e.h"

int main(void) {
    enum { N = 3, SIZE = 3 * 4096 };
    char *path[N], *map[N];
    int fd[N];
    const char *names[N] = {"files-0.dat", "files-1.dat", "files-2.dat"};
    for (int i = 0; i < N; i++) {
        path[i] = e2e_file(names[i], SIZE, '0' + i);
        fd[i] = e2e_open(path[i]);
        map[i] = e2e_map(fd[i], SIZE, 0);
    }
    CHECK(map[0] != map[1] && map[1] != map[2], "distinct windows");
    for (int i = 0; i < N; i++) {
        SET(map[i][10], 'x');
        SET(map[i][SIZE - 1], 'y');                   /* last page */
    }
    /* Sub-range msync of the middle page of file 0: the whole file (first and last page) commits. */
    REQUIRE(msync(map[0] + 4096, 4096, MS_SYNC) == 0, "msync: %s", strerror(errno));
    CHECK(e2e_byte(path[0], 10) == 'x' && e2e_byte(path[0], SIZE - 1) == 'y', "whole file 0 committed");
    CHECK(e2e_byte(path[1], 10) == '1' && e2e_byte(path[2], 10) == '2', "other files untouched");

    /* fsync through another descriptor of file 1. */
    int other = e2e_open(path[1]);
    REQUIRE(fsync(other) == 0, "fsync: %s", strerror(errno));
    close(other);
    CHECK(e2e_byte(path[1], 10) == 'x' && e2e_byte(path[1], SIZE - 1) == 'y', "file 1 committed by fsync");
    CHECK(e2e_byte(path[2], 10) == '2', "file 2 still untouched");
    REQUIRE(fdatasync(fd[2]) == 0, "fdatasync: %s", strerror(errno));
    CHECK(e2e_byte(path[2], 10) == 'x', "file 2 committed by fdatasync");

    /* fsync of an unmanaged descriptor still works (plain fsync). */
    char *plain = e2e_file("files-plain.dat", 100, 'p');
    int pfd = e2e_open(plain);
    CHECK(fsync(pfd) == 0 && fdatasync(pfd) == 0, "plain fsync");
    close(pfd);
    CHECK(fsync(-1) == -1 && errno == EBADF, "fsync(-1) -> EBADF");

    /* msync over a range spanning two files' windows is not possible (windows are apart); msync
     * of an address range that is not mapped at all reports ENOMEM like the kernel. */
    for (int i = 0; i < N; i++) {
        REQUIRE(munmap(map[i], SIZE) == 0, "munmap");
        close(fd[i]);
    }
    return e2e_done("files");
}
