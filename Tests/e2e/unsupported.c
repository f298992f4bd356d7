/* Operations the runtime cannot honour on a managed mapping fail with a message and errno, and
 * leave the mapping intact; operations on other memory are unaffected. */
#include "e2e.h"
#include <linux/falloc.h>

#define EXPECT_REFUSED(call, err_expected, label) do {                                  \
        e2e_capture_begin();                                                            \
        errno = 0;                                                                      \
        long r_ = (long)(call);                                                         \
        int e_ = errno;                                                                 \
        const char *m_ = e2e_capture_end();                                             \
        CHECK((r_ == -1) && e_ == (err_expected), "%s: result %ld errno %d", label, r_, e_); \
        CHECK(strstr(m_, "refused") != NULL, "%s: message", label);                    \
    } while (0)

int main(void) {
    /* Read at the first shared file mapping: files under this prefix are never managed. */
    char excluded_dir[600];
    snprintf(excluded_dir, sizeof excluded_dir, "%s/excluded", e2e_dir());
    mkdir(excluded_dir, 0755);
    setenv("SNAPSHOT_EXCLUDE", excluded_dir, 1);
    char *path = e2e_file("unsupported.dat", 4 * 4096, 'u');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 4 * 4096, 0);
    SET(p[0], 'A');

    EXPECT_REFUSED(munmap(p + 4096, 4096), EINVAL, "partial munmap (middle)");
    EXPECT_REFUSED(munmap(p, 4096), EINVAL, "partial munmap (head)");
    EXPECT_REFUSED(mremap(p, 4 * 4096, 8 * 4096, MREMAP_MAYMOVE), ENOTSUP, "mremap grow");
    EXPECT_REFUSED(mremap(p, 4 * 4096, 4096, 0), ENOTSUP, "mremap shrink");
    EXPECT_REFUSED(mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                   EINVAL, "MAP_FIXED anonymous over a managed range");
    EXPECT_REFUSED(mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0), ENOTSUP,
                   "MAP_FIXED managed file mapping");
    EXPECT_REFUSED(madvise(p, 4096, MADV_DONTNEED), ENOTSUP, "madvise DONTNEED");
    EXPECT_REFUSED(madvise(p, 4096, MADV_REMOVE), ENOTSUP, "madvise REMOVE");
    EXPECT_REFUSED(mprotect(p + 2 * 4096, 8 * 4096, PROT_READ), ENOTSUP, "mprotect beyond the mapping");

    /* (Truncation of a managed file is allowed and atomic: truncate.c.) */
    EXPECT_REFUSED(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), ENOTSUP,
                   "fallocate punching a hole in a managed file");
    CHECK(ftruncate(fd, 5 * 4096) == 0, "growing is fine");
    CHECK(ftruncate(fd, 4 * 4096) == 0, "shrinking back is fine");
    CHECK(fallocate(fd, 0, 0, 5 * 4096) == 0, "plain fallocate is fine");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5 * 4096, "plain fallocate grows the size (%lld)", (long long)st.st_size);
    CHECK(ftruncate(fd, 4 * 4096) == 0, "shrinking back to the mapped size is fine");

    /* Still intact and committable. */
    CHECK(p[0] == 'A' && p[4096] == 'u', "mapping intact");
    CHECK(madvise(p, 4096, MADV_WILLNEED) == 0, "harmless advice passes");
    CHECK(mprotect(p, 4 * 4096, PROT_READ) == 0, "mprotect inside the mapping passes");
    CHECK(mprotect(p, 4 * 4096, PROT_READ | PROT_WRITE) == 0, "and back");
    SET(p[4096], 'B');
    REQUIRE(msync(p, 4 * 4096, MS_SYNC) == 0, "msync after refusals: %s", strerror(errno));
    CHECK(e2e_byte(path, 0) == 'A' && e2e_byte(path, 4096) == 'B', "committed");

    /* Other memory: unaffected. */
    char *anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(anon != MAP_FAILED, "anonymous mmap");
    CHECK(snapshot_is_managed(anon) == 0, "anonymous not managed");
    anon[0] = 1;
    CHECK(madvise(anon, 8192, MADV_DONTNEED) == 0 && anon[0] == 0, "madvise on anonymous memory works");
    char *bigger = mremap(anon, 8192, 16384, MREMAP_MAYMOVE);
    CHECK(bigger != MAP_FAILED, "mremap of anonymous memory works");
    CHECK(munmap(bigger, 4096) == 0 && munmap(bigger + 4096, 12288) == 0, "partial munmap of anonymous memory works");
    char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    REQUIRE(priv != MAP_FAILED, "MAP_PRIVATE file mapping");
    CHECK(snapshot_is_managed(priv) == 0, "MAP_PRIVATE not managed");
    CHECK(munmap(priv, 4096) == 0, "munmap private");
    char *other = e2e_file("unsupported-other.dat", 4096, 'o');
    int ro = open(other, O_RDONLY);
    char *rop = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    REQUIRE(rop != MAP_FAILED, "read-only shared mapping");
    CHECK(snapshot_is_managed(rop) == 0 && rop[0] == 'o', "read-only shared mapping passes through");
    EXPECT_REFUSED(mprotect(rop, 4096, PROT_READ | PROT_WRITE), ENOTSUP,
                   "mprotect(PROT_WRITE) of a read-only shared file mapping");
    CHECK(mprotect(rop, 4096, PROT_READ) == 0, "mprotect without PROT_WRITE passes");
    munmap(rop, 4096);
    char *again = mmap(rop, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (again == rop)   /* the same address, now anonymous memory: no stale refusal */
        CHECK(mprotect(again, 4096, PROT_READ | PROT_WRITE) == 0, "mprotect of reused address passes");
    if (again != MAP_FAILED) munmap(again, 4096);
    errno = 0;
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES,
          "writable shared mapping of an O_RDONLY descriptor -> EACCES (errno %d)", errno);
    close(ro);
    int zero = open("/dev/zero", O_RDWR);
    char *z = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
    CHECK(z != MAP_FAILED && snapshot_is_managed(z) == 0, "shared mapping of a device passes through");
    munmap(z, 4096);
    close(zero);
    /* memfd, unlinked files and SNAPSHOT_EXCLUDE paths: plain shared memory (IPC), not managed. */
    int mfd = memfd_create("snapshot-e2e", 0);
    REQUIRE(mfd >= 0 && ftruncate(mfd, 4096) == 0, "memfd");
    char *mp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    CHECK(mp != MAP_FAILED && snapshot_is_managed(mp) == 0, "memfd shared mapping passes through");
    munmap(mp, 4096);
    close(mfd);
    char *gone = e2e_file("unsupported-unlinked.dat", 4096, 'g');
    int gfd = e2e_open(gone);
    unlink(gone);
    char *gp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, 0);
    CHECK(gp != MAP_FAILED && snapshot_is_managed(gp) == 0, "unlinked file passes through");
    munmap(gp, 4096);
    close(gfd);
    char *ex = e2e_file("excluded/ipc.dat", 4096, 'x');
    int xfd = e2e_open(ex);
    char *xp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, xfd, 0);
    CHECK(xp != MAP_FAILED && snapshot_is_managed(xp) == 0, "SNAPSHOT_EXCLUDE path passes through");
    SET(xp[0], 'I');
    CHECK(e2e_byte(ex, 0) == 'I', "excluded mapping is the page cache (visible without msync)");
    munmap(xp, 4096);
    close(xfd);

    errno = 0;
    CHECK(mmap(NULL, 0, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
          "zero length -> EINVAL");
    errno = 0;
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 100) == MAP_FAILED && errno == EINVAL,
          "unaligned offset -> EINVAL");

    REQUIRE(munmap(p, 4 * 4096) == 0, "munmap whole");
    close(fd);
    return e2e_done("unsupported");
}
