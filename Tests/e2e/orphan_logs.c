/* Leftover undo logs of deleted files do not pile up: a managed file deleted, or renamed away,
 * while mapped loses its log (named after the old path) when it stops being managed. A file that
 * stays keeps its log. */
#include "e2e.h"

static int exists(const char *p) { struct stat st; return stat(p, &st) == 0; }

static char *log_of(const char *name) {
    char *l = malloc(600);
    snprintf(l, 600, "%s/.%s.snapshot-log", e2e_dir(), name);
    return l;
}

int main(void) {
    char *kept = e2e_file("kept.dat", 4096, 'k');
    int fd = e2e_open(kept);
    char *p = e2e_map(fd, 4096, 0);
    SET(p[0], 'K');
    REQUIRE(munmap(p, 4096) == 0, "munmap");
    close(fd);
    CHECK(exists(log_of("kept.dat")), "a file that stays keeps its log");

    char *gone = e2e_file("gone.dat", 4096, 'g');
    fd = e2e_open(gone);
    p = e2e_map(fd, 4096, 0);
    SET(p[0], 'G');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");
    CHECK(exists(log_of("gone.dat")), "the log exists while managed");
    REQUIRE(unlink(gone) == 0, "unlink");
    REQUIRE(munmap(p, 4096) == 0, "munmap deleted");
    close(fd);
    CHECK(!exists(log_of("gone.dat")), "a deleted file's log is removed");

    /* Renamed over another file (as Kyoto Cabinet's repair does with its temporary database). */
    char *tmp = e2e_file("db.tmp", 4096, 't');
    char *db = e2e_file("db.dat", 4096, 'd');
    fd = e2e_open(tmp);
    p = e2e_map(fd, 4096, 0);
    SET(p[0], 'T');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync tmp");
    REQUIRE(rename(tmp, db) == 0, "rename");
    REQUIRE(munmap(p, 4096) == 0, "munmap renamed");
    close(fd);
    CHECK(!exists(log_of("db.tmp")), "a renamed-away file's log is removed");
    CHECK(e2e_byte(db, 0) == 'T', "the renamed file holds its commit");
    fd = e2e_open(db);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "the renamed file maps again under its new name: %s", strerror(errno));
    if (p != MAP_FAILED) munmap(p, 4096);
    close(fd);
    return e2e_done("orphan_logs");
}
