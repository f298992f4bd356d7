/* Changes that bypass the commit are never silent, and the runtime's own descriptors survive the
 * program's descriptor clean-ups.
 *   - a raw write from this process (what stdio's fwrite does), a stdio write, and a size change by
 *     another process, between two commits: the next commit fails with ESTALE, naming the change,
 *     and applies nothing; the outside bytes are still there; a retry commits;
 *   - on persistent memory (PMEM_IS_PMEM_FORCE=1), an outside size change is caught when a lap ends;
 *   - close_range, closefrom and a close() loop over every descriptor leave the runtime's own open;
 *     dup2 onto one of them is EBUSY; a descriptor number reused after close_range is plain again. */
#include "e2e.h"

#define SIZE (16 * 4096)

static int committed_fails_estale(char *p, int off, char v, const char *what) {
    SET(p[off], v);
    e2e_capture_begin();
    errno = 0;
    int r = msync(p, SIZE, MS_SYNC);
    int e = errno;
    const char *msg = e2e_capture_end();
    CHECK(r == -1 && e == ESTALE, "%s: the commit after it fails with ESTALE (r %d, %s)", what, r, strerror(e));
    CHECK(strstr(msg, "changed outside Snapshot") != NULL, "%s: the message says what happened", what);
    return r;
}

static void grow_outside(const char *path) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0, "raw open");
    struct stat st;
    REQUIRE(syscall(SYS_fstat, fd, &st) == 0, "raw fstat");
    REQUIRE(syscall(SYS_ftruncate, fd, st.st_size + 4096) == 0, "raw ftruncate");
    syscall(SYS_close, fd);
}

/* Another process, not managing the file, grows it. */
static int grower(const char *path) { grow_outside(path); return 0; }

/* Persistent-memory medium: commits until a lap end finds the outside size change. */
static int pmem_writer(const char *path) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    SET(p[0], 'a');
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "first commit");
    int st = e2e_spawn("grower", path, NULL);
    REQUIRE(EXITED_WITH(st, 0), "grower");
    for (int i = 1; i < 2000; i++) {
        SET(p[(i % 256) * 64], 'a' + i % 26);
        if (msync(p, SIZE, MS_SYNC) != 0) return errno == ESTALE ? 0 : 2;
    }
    fprintf(stderr, "no commit noticed the outside size change\n");
    return 1;
}

static int own_log_fd(void) {
    char link[64], target[600];
    for (int fd = 0; fd < 4096; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = 0;
        if (strstr(target, ".snapshot-log")) return fd;
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc > 2 && !strcmp(argv[1], "grower")) return grower(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "pmem")) return pmem_writer(argv[2]);

    char *path = e2e_file("outside.dat", SIZE, 'o');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    SET(p[0], 'A');
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "first commit");

    /* A raw write from this process: what glibc's fwrite does underneath. */
    int raw = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
    REQUIRE(raw >= 0 && syscall(SYS_pwrite64, raw, "X", 1, 3 * 4096 + 5) == 1, "raw write");
    syscall(SYS_close, raw);
    committed_fails_estale(p, 64, 'B', "raw write");
    CHECK(e2e_byte(path, 64) == 'o', "nothing of the refused commit was applied");
    CHECK(e2e_byte(path, 3 * 4096 + 5) == 'X', "the outside write is still there");
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "a retry commits (%s)", strerror(errno));
    CHECK(e2e_byte(path, 64) == 'B' && e2e_byte(path, 3 * 4096 + 5) == 'X', "retry wrote only its lines");

    /* stdio: fputc + fclose write through glibc's internal write. */
    FILE *f = fopen(path, "r+");
    REQUIRE(f != NULL, "fopen: %s", strerror(errno));
    REQUIRE(fseek(f, 2 * 4096 + 7, SEEK_SET) == 0 && fputc('Y', f) == 'Y', "fputc");
    fclose(f);
    committed_fails_estale(p, 128, 'C', "stdio write");
    CHECK(e2e_byte(path, 2 * 4096 + 7) == 'Y', "the stdio write is still there");
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "a retry commits");

    /* Another process changes the size. */
    int st = e2e_spawn("grower", path, NULL);
    REQUIRE(EXITED_WITH(st, 0), "grower");
    committed_fails_estale(p, 192, 'D', "outside size change");
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "a retry commits");
    CHECK(e2e_byte(path, 192) == 'D', "retry applied");

    /* Descriptor clean-ups. */
    int before = own_log_fd();
    REQUIRE(before >= 0, "the runtime's log descriptor is open");
    CHECK(before >= 512, "the runtime's descriptors sit at high numbers (log at %d)", before);
    CHECK(close_range(3, ~0U, 0) == 0, "close_range(3, ~0U): %s", strerror(errno));
    CHECK(own_log_fd() == before, "close_range left the runtime's log open");
    SET(p[256], 'E');
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "commit after close_range (%s)", strerror(errno));
    CHECK(e2e_byte(path, 256) == 'E', "committed after close_range");
    /* The program's own descriptor of the file went with close_range: its number is plain now. */
    int pp[2];
    REQUIRE(pipe(pp) == 0, "pipe");
    char got[3] = {0};
    CHECK(write(pp[1], "zz", 2) == 2 && read(pp[0], got, 2) == 2 && !strcmp(got, "zz"),
          "a reused descriptor number is not routed into the managed file");
    close(pp[0]);
    close(pp[1]);

    for (int i = 3; i < 4096; i++) close(i);
    SET(p[320], 'F');
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "commit after closing every descriptor (%s)", strerror(errno));
    closefrom(3);
    SET(p[384], 'G');
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "commit after closefrom (%s)", strerror(errno));
    CHECK(e2e_byte(path, 320) == 'F' && e2e_byte(path, 384) == 'G', "committed after close loops");
    errno = 0;
    CHECK(dup2(0, before) == -1 && errno == EBUSY, "dup2 onto the runtime's descriptor is EBUSY");
    CHECK(close(before) == -1 && errno == EBADF, "close of the runtime's descriptor is EBADF");
    SET(p[448], 'H');
    CHECK(msync(p, SIZE, MS_SYNC) == 0, "still commits");

    /* Persistent memory: the size check at lap ends. */
    char *pm = e2e_file("outside-pmem.dat", SIZE, 'o');
    setenv("SNAPSHOT_TEST_LOG_LIMIT", "16384", 1);   /* short laps (read by the child only) */
    st = e2e_spawn("pmem", pm, "PMEM_IS_PMEM_FORCE=1");
    CHECK(EXITED_WITH(st, 0), "on persistent memory a lap end catches the outside size change (status %d)", st);
    return e2e_done("outside");
}
