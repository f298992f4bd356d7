/* An ordering point that fails with EIO (SNAPSHOT_TEST_FAULT=eio-record-fence / eio-data-fence,
 * one shot) fails the commit: msync returns -1 with EIO and a message naming the file, the file
 * keeps its previous committed contents, the changes stay pending, and a retry commits them. The
 * data fence fails at the end of a lap (ctest sets SNAPSHOT_TEST_LOG_LIMIT=16384: two records per
 * lap on the page cache); after it the engine re-applies the lap from the log before trusting the
 * next fence, since the kernel may have dropped the pages it failed to write. */
#include "e2e.h"

#define SIZE (64 * 1024)

static int child(const char *path, int data_fence) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    int commits_before_failure = data_fence ? 2 : 0;   /* the third record needs a new lap */
    for (int c = 0; c < commits_before_failure; c++) {
        SET(p[c * 4096], (char)('1' + c));
        REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "commit %d", c + 1);
    }
    SET(p[8192 + 64], 'F');
    e2e_capture_begin();
    errno = 0;
    int r = msync(p, SIZE, MS_SYNC);
    int e = errno;
    const char *err = e2e_capture_end();
    CHECK(r == -1 && e == EIO, "the commit with the failing fence fails with EIO (r %d errno %d)", r, e);
    CHECK(strstr(err, "eio.dat") != NULL && strstr(err, "previous committed state") != NULL,
          "the message names the file and says what it holds: %s", err);
    CHECK(strstr(err, "snapshot: snapshot:") == NULL, "one prefix per message: %s", err);
    CHECK(e2e_byte(path, 8192 + 64) == '.', "the failed commit is not in the file");
    for (int c = 0; c < commits_before_failure; c++)
        CHECK(e2e_byte(path, c * 4096) == '1' + c, "earlier commit %d still in the file", c + 1);
    CHECK(p[8192 + 64] == 'F', "the change stays pending in the working copy");
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "retry: %s", strerror(errno));
    CHECK(e2e_byte(path, 8192 + 64) == 'F', "the retry committed it");
    munmap(p, SIZE);
    close(fd);
    return e2e_done(data_fence ? "eio (data fence)" : "eio (record fence)");
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "record") == 0) return child(argv[2], 0);
    if (argc > 2 && strcmp(argv[1], "data") == 0) return child(argv[2], 1);
    char *path = e2e_file("eio.dat", SIZE, '.');
    int st = e2e_spawn("record", path, "SNAPSHOT_TEST_FAULT=eio-record-fence");
    CHECK(EXITED_WITH(st, 0), "record fence failure handled (status %d)", st);
    path = e2e_file("eio.dat", SIZE, '.');
    st = e2e_spawn("data", path, "SNAPSHOT_TEST_FAULT=eio-data-fence");
    CHECK(EXITED_WITH(st, 0), "data fence failure handled (status %d)", st);
    return e2e_done("eio");
}
