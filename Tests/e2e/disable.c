/* SNAPSHOT_DISABLE=1 (set by ctest): plain POSIX behaviour — the mapping is the page cache, writes
 * reach the file without msync, nothing is managed. */
#include "e2e.h"

int main(void) {
    REQUIRE(getenv("SNAPSHOT_DISABLE"), "run with SNAPSHOT_DISABLE=1");
    char *path = e2e_file("disable.dat", 4096, 'd');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 4096, 0);
    CHECK(snapshot_is_managed(p) == 0, "not managed");
    CHECK(__snapshot_working_size == 0, "no reservation");
    SET(p[0], 'P');
    CHECK(e2e_byte(path, 0) == 'P', "write visible in the file without msync (shared page cache)");
    CHECK(msync(p, 4096, MS_SYNC) == 0, "plain msync");
    CHECK(mremap(p, 4096, 4096, 0) != MAP_FAILED, "mremap allowed");
    CHECK(munmap(p, 2048) == 0, "partial munmap allowed");
    struct snapshot_stats s;
    snapshot_stats(&s);
    CHECK(s.commits == 0, "no commits");
    close(fd);
    return e2e_done("disable");
}
