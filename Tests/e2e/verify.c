/* SNAPSHOT_VERIFY=1 (set by ctest): a write the runtime never heard of — here the kernel writing
 * into the working copy through read(2) issued as a raw system call, which no instrumentation can
 * see — is reported at the next commit with file, offset and length, and the process aborts.
 * Recorded writes pass verification. */
#include "e2e.h"
#include <sys/syscall.h>

static int child(const char *path, int unlogged) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 3 * 4096, 0);
    SET(p[10], 'r');                                    /* recorded */
    REQUIRE(msync(p, 3 * 4096, MS_SYNC) == 0, "verified commit");
    if (unlogged) {
        int src = open(path, O_RDONLY);
        /* 100 bytes at offset 5000 become 'v' behind the runtime's back. */
        char tmp[100];
        memset(tmp, 'v', 100);
        int pipefd[2];
        pipe(pipefd);
        write(pipefd[1], tmp, 100);
        syscall(SYS_read, pipefd[0], p + 5000, 100);
        close(src);
    }
    SET(p[20], 's');
    msync(p, 3 * 4096, MS_SYNC);                        /* aborts when unlogged */
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2) return child(argv[2], strcmp(argv[1], "unlogged") == 0);
    REQUIRE(getenv("SNAPSHOT_VERIFY"), "run with SNAPSHOT_VERIFY=1");
    char *path = e2e_file("verify.dat", 3 * 4096, '.');
    int st = e2e_spawn("logged", path, NULL);
    CHECK(EXITED_WITH(st, 0), "recorded writes pass verification (status %d)", st);
    e2e_capture_begin();
    st = e2e_spawn("unlogged", path, NULL);
    const char *err = e2e_capture_end();
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "unrecorded write aborts (status %d)", st);
    CHECK(strstr(err, "verify.dat: offset 5000 length 100") != NULL, "reported with offset and length");
    CHECK(e2e_byte(path, 5000) == '.', "the unrecorded write never reached the file");
    CHECK(e2e_byte(path, 20) == 's', "the earlier commit did");
    return e2e_done("verify");
}
