/* A commit that cannot get space for its undo log (RLIMIT_FSIZE below what the log must grow to)
 * fails with -1, errno and a message; the file stays at its previous committed state and the
 * changes stay pending, so a later msync (with space) commits all of them. */
#include "e2e.h"
#include <sys/resource.h>

#define SIZE (1 << 20)

int main(void) {
    char *path = e2e_file("failure.dat", SIZE, '.');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    SET(p[0], 'a');
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "first msync");
    fill(p, 'X', SIZE);                                 /* every line: the log needs > 1 MiB */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 256 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0, "setrlimit");
    e2e_capture_begin();
    errno = 0;
    int r = msync(p, SIZE, MS_SYNC);
    int e = errno;
    const char *err = e2e_capture_end();
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(r == -1 && (e == EFBIG || e == ENOSPC), "commit without log space fails (r %d errno %d)", r, e);
    CHECK(strstr(err, "failure.dat") != NULL, "message names the file");
    CHECK(e2e_byte(path, 0) == 'a' && e2e_byte(path, 1) == '.' && e2e_byte(path, SIZE - 1) == '.',
          "file at its previous committed state");
    CHECK(p[1] == 'X', "working copy keeps the changes");
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "retry with space: %s", strerror(errno));
    char *buf = malloc(SIZE);
    e2e_read(path, 0, buf, SIZE);
    int bad = 0;
    for (int i = 0; i < SIZE; i++) bad += buf[i] != 'X';
    CHECK(bad == 0, "retry committed every pending line (%d bytes differ)", bad);
    free(buf);
    munmap(p, SIZE);
    close(fd);
    return e2e_done("commit_failure");
}
