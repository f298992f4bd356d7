/* The strict opt-in (SNAPSHOT_STRICT_FAMS=1, set by CMake for this test): munmap without msync
 * drops the uncommitted lines, the file keeps its committed state and the runtime says so on stderr
 * (file name, number of lines) — unless SNAPSHOT_QUIET=1 (argv[1]=quiet). The default, where munmap
 * commits, is clean_endings.c. */
#include "e2e.h"

int main(int argc, char **argv) {
    int quiet = argc > 1 && strcmp(argv[1], "quiet") == 0;
    REQUIRE(getenv("SNAPSHOT_STRICT_FAMS"), "run with SNAPSHOT_STRICT_FAMS=1");
    char *path = e2e_file("munmap.dat", 8192, 'c');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 8192, 0);
    SET(p[0], 'A');
    REQUIRE(msync(p, 8192, MS_SYNC) == 0, "msync");
    SET(p[1], 'B');                                  /* same line as the committed one */
    SET(p[640], 'C');
    SET(p[5000], 'D');                               /* 3 dirty lines in total */
    e2e_capture_begin();
    REQUIRE(munmap(p, 8192) == 0, "munmap: %s", strerror(errno));
    const char *err = e2e_capture_end();
    if (quiet) {
        CHECK(err[0] == 0, "quiet: no message");
    } else {
        CHECK(strstr(err, "munmap.dat") != NULL, "message names the file");
        CHECK(strstr(err, "dropped 3 uncommitted") != NULL, "message counts 3 lines");
    }
    CHECK(e2e_byte(path, 0) == 'A', "committed byte kept");
    CHECK(e2e_byte(path, 1) == 'c' && e2e_byte(path, 640) == 'c' && e2e_byte(path, 5000) == 'c',
          "uncommitted bytes not in the file");
    /* Mapping again shows the committed state, not the dropped writes. */
    p = e2e_map(fd, 8192, 0);
    CHECK(p[0] == 'A' && p[1] == 'c' && p[5000] == 'c', "remap shows the committed state");
    e2e_capture_begin();
    REQUIRE(munmap(p, 8192) == 0, "munmap clean");
    err = e2e_capture_end();
    CHECK(err[0] == 0, "no message when nothing is dirty");
    close(fd);
    return e2e_done(quiet ? "munmap_nosync quiet" : "munmap_nosync");
}
