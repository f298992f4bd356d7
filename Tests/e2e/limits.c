/* Address-space limits: under RLIMIT_AS the reservation shrinks until the kernel accepts it and
 * everything still works; with SNAPSHOT_RESERVE_GIB=1 (one window's worth) a second file cannot get
 * a window: mmap fails with ENOMEM and a message saying what to raise. Also mmap64. */
#include "e2e.h"
#include <sys/resource.h>

static int small_as(const char *path) {
    struct rlimit r = {(rlim_t)16 << 30, (rlim_t)16 << 30};
    REQUIRE(setrlimit(RLIMIT_AS, &r) == 0, "setrlimit");
    int fd = e2e_open(path);
    char *p = mmap64(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(p != MAP_FAILED, "mmap64 under RLIMIT_AS: %s", strerror(errno));
    CHECK(snapshot_is_managed(p) == 1, "managed");
    CHECK(__snapshot_working_size > 0 && __snapshot_working_size < ((uintptr_t)16 << 30),
          "reservation shrunk to fit (%lu GiB)", (unsigned long)(__snapshot_working_size >> 30));
    SET(p[0], 'L');
    REQUIRE(msync(p, 4096, MS_SYNC) == 0, "msync");
    CHECK(e2e_byte(path, 0) == 'L', "committed");
    return e2e_failures ? 1 : 0;
}

static int tiny_reserve(const char *a, const char *b) {
    int fa = e2e_open(a), fb = e2e_open(b);
    char *p = e2e_map(fa, 4096, 0);
    CHECK(__snapshot_working_size == (uintptr_t)1 << 30, "SNAPSHOT_RESERVE_GIB=1 honoured");
    e2e_capture_begin();
    errno = 0;
    void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
    int e = errno;
    const char *err = e2e_capture_end();
    CHECK(q == MAP_FAILED && e == ENOMEM, "no window left: ENOMEM (errno %d)", e);
    CHECK(strstr(err, "SNAPSHOT_RESERVE_GIB") != NULL, "message says what to raise");
    REQUIRE(munmap(p, 4096) == 0, "munmap");
    q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
    CHECK(q != MAP_FAILED, "the released window is reused: %s", strerror(errno));
    return e2e_failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "small-as") == 0) return small_as(argv[2]);
    if (argc > 3 && strcmp(argv[1], "tiny") == 0) return tiny_reserve(argv[2], argv[3]);
    char *a = e2e_file("limits-a.dat", 4096, '.');
    char *b = e2e_file("limits-b.dat", 4096, '.');
    int st = e2e_spawn("small-as", a, NULL);
    CHECK(EXITED_WITH(st, 0), "works under RLIMIT_AS (status %d)", st);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        putenv("SNAPSHOT_RESERVE_GIB=1");
        execl("/proc/self/exe", "limits", "tiny", a, b, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    CHECK(EXITED_WITH(st, 0), "exhausted working range handled (status %d)", st);
    return e2e_done("limits");
}
