/* One thread: writes of every size and alignment (spanning lines), msync publishes them, the file
 * is untouched before; a length that is not a multiple of the page size; a non-zero offset;
 * snapshot_is_managed, snapshot_sync and snapshot_stats. */
#include "e2e.h"

int main(void) {
    const size_t size = 10000;                       /* not a multiple of the page size */
    char *path = e2e_file("basic.dat", size, 'a');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, size, 0);
    close(fd);                                        /* the mapping outlives the descriptor */
    CHECK(snapshot_is_managed(p) == 1, "working copy managed");
    CHECK(snapshot_is_managed(p + size - 1) == 1, "last byte managed");
    int local = 0;
    CHECK(snapshot_is_managed(&local) == 0, "stack not managed");
    CHECK(p[0] == 'a' && p[size - 1] == 'a', "working copy shows the file");

    struct snapshot_stats s0, s1;
    REQUIRE(snapshot_stats(&s0) == 0, "stats");
    CHECK(snapshot_stats(NULL) == -1 && errno == EINVAL, "stats(NULL) -> EINVAL");

    /* Every store width at an offset that spans two lines, plus odd-sized memcpy/memset. */
    SET(*(uint8_t *)(p + 63), 1);
    SET(*(uint16_t *)(p + 127), 0x0202);
    SET(*(uint32_t *)(p + 190), 0x03030303);
    SET(*(uint64_t *)(p + 252), 0x0404040404040404ull);
    put(p + 1000, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
    fill(p + 4090, 'Z', 20);                          /* spans a page boundary */
    fill(p + 9990, 'E', 10);                          /* up to the end of the file */

    char buf[64];
    CHECK(e2e_byte(path, 63) == 'a', "file unchanged before msync");
    REQUIRE(msync(p, size, MS_SYNC) == 0, "msync: %s", strerror(errno));
    CHECK(e2e_byte(path, 63) == 1, "1-byte store committed");
    e2e_read(path, 127, buf, 2);
    CHECK(buf[0] == 2 && buf[1] == 2, "2-byte store spanning lines committed");
    e2e_read(path, 190, buf, 4);
    CHECK(memcmp(buf, "\3\3\3\3", 4) == 0, "4-byte store spanning lines committed");
    e2e_read(path, 252, buf, 8);
    CHECK(memcmp(buf, "\4\4\4\4\4\4\4\4", 8) == 0, "8-byte store spanning lines committed");
    e2e_read(path, 1000, buf, 36);
    CHECK(memcmp(buf, "0123456789abcdefghijklmnopqrstuvwxyz", 36) == 0, "memcpy committed");
    e2e_read(path, 4090, buf, 20);
    CHECK(memcmp(buf, "ZZZZZZZZZZZZZZZZZZZZ", 20) == 0, "memset across pages committed");
    e2e_read(path, 9990, buf, 10);
    CHECK(memcmp(buf, "EEEEEEEEEE", 10) == 0, "tail of a partial page committed");
    CHECK(e2e_byte(path, 62) == 'a' && e2e_byte(path, 64 * 40) == 'a', "other bytes untouched");
    struct stat st;
    stat(path, &st);
    CHECK(st.st_size == (off_t)size, "file size unchanged (%lld)", (long long)st.st_size);

    REQUIRE(snapshot_stats(&s1) == 0, "stats");
    CHECK(s1.commits == s0.commits + 1, "one commit counted (%llu)", (unsigned long long)s1.commits);
    /* lines: 63-64 (2), 127-128 (2), 190-193 (1: 128..191 and 192..255 -> 2), 252-259 (2: 192.., 256..)
     * we only check a lower bound and that data bytes are line-granular, not page-granular */
    CHECK(s1.lines_committed - s0.lines_committed >= 8, "lines committed %llu",
          (unsigned long long)(s1.lines_committed - s0.lines_committed));
    CHECK(s1.lines_committed - s0.lines_committed <= 12, "no more lines than written %llu",
          (unsigned long long)(s1.lines_committed - s0.lines_committed));
    CHECK(s1.data_bytes_written - s0.data_bytes_written <= 12 * 64, "data bytes %llu",
          (unsigned long long)(s1.data_bytes_written - s0.data_bytes_written));
    CHECK(s1.log_bytes_written > s0.log_bytes_written, "log written");
    CHECK(s1.commit_nanoseconds > s0.commit_nanoseconds, "commit time measured");

    /* A repeated write to a committed line is a new change; an msync with nothing dirty is fine. */
    SET(p[63], 9);
    REQUIRE(snapshot_sync(p + 63) == 0, "snapshot_sync: %s", strerror(errno));
    CHECK(e2e_byte(path, 63) == 9, "snapshot_sync committed");
    CHECK(msync(p, size, MS_SYNC) == 0, "empty msync");
    CHECK(snapshot_sync(&local) == -1 && errno == EINVAL, "snapshot_sync of unmanaged -> EINVAL");
    CHECK(msync(p + 1, 10, MS_SYNC) == -1 && errno == EINVAL, "unaligned msync -> EINVAL");

    /* A second mapping at a page-aligned offset of the same file aliases the same working copy. */
    fd = e2e_open(path);
    char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8192);
    REQUIRE(q != MAP_FAILED, "mmap at offset: %s", strerror(errno));
    CHECK(q == p + 8192, "offset mapping aliases the window (%p vs %p)", (void *)q, (void *)(p + 8192));
    SET(q[5], 'Q');
    CHECK(p[8197] == 'Q', "coherent through both mappings");
    REQUIRE(fsync(fd) == 0, "fsync: %s", strerror(errno));
    CHECK(e2e_byte(path, 8197) == 'Q', "fsync committed");
    SET(q[6], 'R');
    REQUIRE(fdatasync(fd) == 0, "fdatasync: %s", strerror(errno));
    CHECK(e2e_byte(path, 8198) == 'R', "fdatasync committed");
    /* A read-only mapping of the file in the writer process aliases the working copy too: the
     * program sees its own uncommitted writes through it. */
    int rofd = open(path, O_RDONLY);
    char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, rofd, 8192);
    REQUIRE(r != MAP_FAILED, "read-only alias: %s", strerror(errno));
    SET(q[7], 'U');
    CHECK(r == q && r[7] == 'U', "read-only mapping in the writer sees uncommitted writes");
    CHECK(e2e_byte(path, 8199) != 'U', "not committed yet");
    REQUIRE(munmap(r, 4096) == 0, "munmap read-only alias");
    close(rofd);
    REQUIRE(munmap(q, 4096) == 0, "munmap q");
    CHECK(p[8197] == 'Q', "first mapping still there after unmapping the second");
    REQUIRE(munmap(p, size) == 0, "munmap p");
    CHECK(snapshot_is_managed(p) == 0, "unmapped");
    close(fd);
    return e2e_done("basic");
}
