/* fsync of a managed file: the commit makes contents and size durable, so the real fsync (a device
 * flush on a disk) is taken only when a call that changes metadata ran since the file's last real
 * one. Counted with snapshot_stats' ordering points: the real call is one. fdatasync never takes
 * it (it promises no metadata), and neither does an fsync with nothing new. */
#include "e2e.h"
#include <sys/stat.h>
#include <sys/time.h>

static uint64_t ordering_points(void) {
    struct snapshot_stats s;
    REQUIRE(snapshot_stats(&s) == 0, "stats");
    return s.ordering_points;
}

/* The ordering points one sync took. With nothing dirty it commits nothing (no record, no lap end),
 * so what it takes is the real call alone. */
static uint64_t sync_cost(int fd, int datasync) {
    uint64_t before = ordering_points();
    REQUIRE((datasync ? fdatasync(fd) : fsync(fd)) == 0, "sync: %s", strerror(errno));
    return ordering_points() - before;
}

static int flip;
static void change_mode(int fd, const char *path) { REQUIRE(fchmod(fd, (flip ^= 1) ? 0600 : 0644) == 0, "fchmod"); }
static void mode_by_name(int fd, const char *path) { REQUIRE(chmod(path, 0644) == 0, "chmod"); }
static void touch_by_name(int fd, const char *path) { REQUIRE(utimensat(AT_FDCWD, path, NULL, 0) == 0, "utimensat"); }
static void chown_by_name(int fd, const char *path) { REQUIRE(chown(path, (uid_t)-1, (gid_t)-1) == 0, "chown"); }
static void touch_fd(int fd, const char *path) { REQUIRE(futimens(fd, NULL) == 0, "futimens"); }
static void touch_old(int fd, const char *path) {
    struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
    REQUIRE(utimes(path, tv) == 0, "utimes");
}

int main(void) {
    const size_t size = 64 * 4096;
    char *path = e2e_file("fsync_metadata.dat", size, '.');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, size, 0);
    SET(p[0], 'w');
    REQUIRE(fsync(fd) == 0, "first fsync: %s", strerror(errno));   /* its first real fsync */

    struct { const char *name; void (*change)(int, const char *); } calls[] = {
        {"fchmod", change_mode}, {"chmod", mode_by_name}, {"utimensat by name", touch_by_name},
        {"chown by name", chown_by_name}, {"futimens", touch_fd}, {"utimes to 2001", touch_old},
    };
    for (int round = 0; round < 40; round++) {
        int line = 1 + round;
        SET(p[line * 64], (char)('A' + round % 26));
        /* A commit, nothing else: its contents are durable through the log, no real call owed. */
        REQUIRE(fsync(fd) == 0, "fsync: %s", strerror(errno));
        CHECK(e2e_byte(path, line * 64) == 'A' + round % 26, "round %d: fsync committed the line", round);
        CHECK(sync_cost(fd, 0) == 0, "round %d: fsync with nothing new takes no ordering point", round);
        CHECK(sync_cost(fd, 1) == 0, "round %d: fdatasync with nothing new takes none", round);
        /* A metadata change: the next fsync owes one real call, fdatasync none. */
        int c = round % (int)(sizeof calls / sizeof calls[0]);
        calls[c].change(fd, path);
        CHECK(sync_cost(fd, 1) == 0, "round %d: fdatasync after %s takes no real call", round, calls[c].name);
        CHECK(sync_cost(fd, 0) == 1, "round %d: fsync after %s takes the real call", round, calls[c].name);
        CHECK(sync_cost(fd, 0) == 0, "round %d: and only once", round);
    }
    /* Setting the program's own file's times is not an outside write: the next commit goes ahead. */
    touch_old(fd, path);
    SET(p[100 * 64], 'T');
    CHECK(msync(p, size, MS_SYNC) == 0, "msync after utimes: %s", strerror(errno));
    CHECK(e2e_byte(path, 100 * 64) == 'T', "committed after utimes");
    struct stat st;
    REQUIRE(fchmod(fd, 0640) == 0, "fchmod");
    REQUIRE(fstat(fd, &st) == 0, "fstat");
    CHECK((st.st_mode & 0777) == 0640, "the mode set is the file's (%o)", st.st_mode & 0777);

    REQUIRE(munmap(p, size) == 0, "munmap");
    close(fd);
    return e2e_done("fsync_metadata");
}
