/* Size is part of the atomic state. ftruncate/truncate of a managed file, shrinking or growing,
 * inside or outside its mappings, are allowed: the program sees the new size at once (fstat, the
 * mapping: SIGBUS for whole pages past the end, zeros in the rest of the last page, zeros when it
 * grows back), the real file keeps its committed size and contents until the next commit, which
 * applies both together. A crash before that leaves the old size and contents. */
#include "e2e.h"

static char *map;
static size_t touch_at;
static void touch(void *arg) { (void)arg; volatile char c = map[touch_at]; (void)c; exit(0); }

static int sigbus_at(char *p, size_t off) {
    map = p;
    touch_at = off;
    int st = e2e_child(touch, NULL);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS;
}

static off_t logical(int fd) { struct stat st; fstat(fd, &st); return st.st_size; }

static int all(const char *path, off_t lo, off_t hi, int c) {
    for (off_t i = lo; i < hi; i++) if (e2e_byte(path, i) != c) return 0;
    return 1;
}

/* The writer that crashes: changes the size after a commit, then dies. */
static void crash_after(void *arg) {
    const char *path = arg;
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 16384, 0);
    SET(p[0], 'K');
    if (msync(p, 16384, MS_SYNC) != 0) _exit(3);
    if (ftruncate(fd, 5000) != 0) _exit(4);     /* shrink... */
    if (ftruncate(fd, 40000) != 0) _exit(5);    /* ...and grow past the old size */
    SET(p[100], 'X');
    raise(SIGKILL);
}

int main(void) {
    /* Shrink inside the mapping. */
    char *path = e2e_file("trunc.dat", 16384, 'x');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 16384, 0);
    SET(p[100], 'A');
    SET(p[9000], 'B');
    REQUIRE(ftruncate(fd, 6000) == 0, "ftruncate shrink inside the mapping: %s", strerror(errno));
    CHECK(logical(fd) == 6000, "fstat shows the new size (%lld)", (long long)logical(fd));
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 6000, "stat too");
    CHECK(lseek(fd, 0, SEEK_END) == 6000, "SEEK_END uses it");
    CHECK(e2e_size(path) == 16384 && e2e_byte(path, 9000) == 'x', "the real file is unchanged until the commit");
    CHECK(p[100] == 'A' && p[5999] == 'x', "below the size: intact");
    CHECK(p[6000] == 0 && p[8191] == 0, "the rest of the last page reads zero");
    CHECK(sigbus_at(p, 9000) && sigbus_at(p, 16383), "whole pages past the end: SIGBUS, as POSIX says");
    REQUIRE(msync(p, 16384, MS_SYNC) == 0, "msync: %s", strerror(errno));
    CHECK(e2e_size(path) == 6000, "committed size (%lld)", (long long)e2e_size(path));
    CHECK(e2e_byte(path, 100) == 'A' && e2e_byte(path, 5999) == 'x', "committed contents");

    /* Grow inside the mapping: the bytes that come back are zeros, the old ones stay gone. */
    REQUIRE(ftruncate(fd, 12000) == 0, "ftruncate grow inside the mapping");
    CHECK(p[6000] == 0 && p[9000] == 0 && p[11999] == 0, "grown part reads zero");
    SET(p[11000], 'G');
    CHECK(sigbus_at(p, 12288), "beyond the new size: still SIGBUS");
    CHECK(e2e_size(path) == 6000, "real file unchanged before the commit");
    REQUIRE(fsync(fd) == 0, "fsync: %s", strerror(errno));
    CHECK(e2e_size(path) == 12000 && e2e_byte(path, 11000) == 'G' && all(path, 6000, 11000, 0),
          "grown size and zeros committed");

    /* Shrink, then grow back, without a commit in between: zeros, not the old bytes, even where
     * the real file still has them and nothing is mapped. */
    REQUIRE(ftruncate(fd, 1000) == 0 && ftruncate(fd, 30000) == 0, "shrink then grow");
    CHECK(p[1000] == 0 && p[5999] == 0 && p[11000] == 0, "zeros in the mapping");
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");
    CHECK(e2e_size(path) == 30000 && all(path, 1000, 30000, 0) && e2e_byte(path, 100) == 'A',
          "size and zeros committed together");
    REQUIRE(munmap(p, 16384) == 0, "munmap");
    close(fd);

    /* Outside the mapping: grow and shrink the part that is not mapped. */
    path = e2e_file("trunc-out.dat", 65536, 'o');
    fd = e2e_open(path);
    p = e2e_map(fd, 4096, 0);
    REQUIRE(ftruncate(fd, 1 << 20) == 0, "grow outside");
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");
    CHECK(e2e_size(path) == 1 << 20 && e2e_byte(path, 65535) == 'o', "grown outside the mapping");
    REQUIRE(truncate(path, 8192) == 0, "truncate(path) shrink outside: %s", strerror(errno));
    CHECK(e2e_size(path) == 1 << 20, "not yet");
    REQUIRE(truncate(path, 20000) == 0, "grow back outside");
    char buf[4];
    CHECK(pread(fd, buf, 4, 10000) == 4 && buf[0] == 0, "reads zero where the shrink removed bytes");
    /* A clean munmap commits the size too. */
    REQUIRE(munmap(p, 4096) == 0, "munmap");
    CHECK(e2e_size(path) == 20000 && e2e_byte(path, 8191) == 'o' && all(path, 8192, 20000, 0),
          "munmap committed the size");
    close(fd);

    /* Refusals keep the kernel's errors. */
    fd = e2e_open(path);
    p = e2e_map(fd, 4096, 0);
    errno = 0;
    CHECK(ftruncate(fd, -1) == -1 && errno == EINVAL, "negative length: EINVAL");
    int ro = open(path, O_RDONLY);
    errno = 0;
    CHECK(ftruncate(ro, 0) == -1 && errno == EINVAL, "read-only descriptor: EINVAL (%d)", errno);
    close(ro);
    munmap(p, 4096);
    close(fd);

    /* A crash after size changes: the file keeps the size and contents of the last commit. */
    path = e2e_file("trunc-crash.dat", 16384, 'c');
    int s = e2e_child(crash_after, path);
    CHECK(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL, "writer killed (%d)", s);
    CHECK(e2e_size(path) == 16384 && e2e_byte(path, 0) == 'K' && all(path, 1, 16384, 'c'),
          "crashed: last committed size and contents");
    return e2e_done("truncate");
}
