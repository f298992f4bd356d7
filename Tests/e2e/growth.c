/* A file grown with ftruncate and mapped again at the larger length: the new mapping aliases the
 * old one (same window, coherent), commits cover both, and the file keeps its new size. Growing
 * past the window while an old mapping is live is refused with a message (ENOMEM); after munmap
 * the file moves to a larger window. */
#include "e2e.h"

int main(void) {
    char *path = e2e_file("growth.dat", 4096, 'g');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 4096, 0);
    SET(p[1], '1');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");

    REQUIRE(ftruncate(fd, 3 * 4096 + 100) == 0, "ftruncate");
    char *q = e2e_map(fd, 3 * 4096 + 100, 0);
    CHECK(q == p, "the larger mapping starts at the same address (%p vs %p)", (void *)q, (void *)p);
    CHECK(q[1] == '1', "sees the committed byte");
    SET(q[2], '2');
    CHECK(p[2] == '2', "coherent with the first mapping");
    SET(q[3 * 4096 + 50], '3');                      /* in the grown part */
    SET(p[3], '4');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync through the small mapping: %s", strerror(errno));
    CHECK(e2e_byte(path, 2) == '2' && e2e_byte(path, 3) == '4', "old part committed");
    CHECK(e2e_byte(path, 3 * 4096 + 50) == '3', "grown part committed by the same msync");
    struct stat st;
    stat(path, &st);
    CHECK(st.st_size == 3 * 4096 + 100, "size kept (%lld)", (long long)st.st_size);
    REQUIRE(munmap(p, 4096) == 0, "munmap small");
    CHECK(q[3 * 4096 + 50] == '3' && q[1] == '1', "large mapping intact after unmapping the small one");

    /* Grow far beyond the window (sparse): refused while a mapping is live. */
    size_t big = (size_t)8 << 30;
    REQUIRE(ftruncate(fd, (off_t)big) == 0, "ftruncate big");
    e2e_capture_begin();
    errno = 0;
    void *r = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    const char *err = e2e_capture_end();
    CHECK(r == MAP_FAILED && e == ENOMEM, "beyond the window with a live mapping: refused (errno %d)", e);
    CHECK(strstr(err, "growth.dat") && strstr(err, "window"), "message explains");
    REQUIRE(munmap(q, 3 * 4096 + 100) == 0, "munmap large");
    char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(b != MAP_FAILED, "after munmap the file gets a larger window: %s", strerror(errno));
    CHECK(b[2] == '2' && b[3 * 4096 + 50] == '3', "committed contents visible");
    SET(b[big - 1], 'Z');
    SET(b[(size_t)5 << 30], 'M');
    REQUIRE(msync(b, big, MS_SYNC) == 0, "msync big: %s", strerror(errno));
    CHECK(e2e_byte(path, (off_t)big - 1) == 'Z' && e2e_byte(path, (off_t)5 << 30) == 'M', "far lines committed");
    REQUIRE(munmap(b, big) == 0, "munmap big");
    close(fd);
    unlink(path);                                     /* 8 GiB sparse: do not leave it around */
    return e2e_done("growth");
}
