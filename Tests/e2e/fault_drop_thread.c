/* SNAPSHOT_TEST_FAULT=drop-thread (set by ctest; a negative control for the crash harness): lines
 * first dirtied by the second thread to dirty anything are left out of the commit. The test proves
 * the fault really loses those writes (and only those), so the harness can rely on it to fail, and
 * that SNAPSHOT_VERIFY=1 detects the loss. */
#include "e2e.h"
#include <pthread.h>

static char *map;
static void *second(void *arg) { (void)arg; fill(map + 8192, 'T', 4096); return NULL; }

static int work(const char *path) {
    int fd = e2e_open(path);
    map = e2e_map(fd, 4 * 4096, 0);
    fill(map, 'M', 4096);                               /* main thread: first to dirty */
    pthread_t t;
    pthread_create(&t, NULL, second, NULL);
    pthread_join(t, NULL);
    REQUIRE(msync(map, 4 * 4096, MS_SYNC) == 0, "msync");
    CHECK(e2e_byte(path, 0) == 'M' && e2e_byte(path, 4095) == 'M', "first thread's lines committed");
    CHECK(e2e_byte(path, 8192) == '.' && e2e_byte(path, 8192 + 4095) == '.', "second thread's lines dropped");
    munmap(map, 4 * 4096);
    close(fd);
    return e2e_failures ? 1 : 0;
}

int main(int argc, char **argv) {
    REQUIRE(getenv("SNAPSHOT_TEST_FAULT"), "run with SNAPSHOT_TEST_FAULT=drop-thread");
    if (argc > 2) return work(argv[2]);
    char *path = e2e_file("fault.dat", 4 * 4096, '.');
    int st = e2e_spawn("work", path, NULL);
    CHECK(EXITED_WITH(st, 0), "the fault drops the second thread's lines (status %d)", st);
    path = e2e_file("fault-verify.dat", 4 * 4096, '.');
    e2e_capture_begin();
    st = e2e_spawn("work", path, "SNAPSHOT_VERIFY=1");
    const char *err = e2e_capture_end();
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "SNAPSHOT_VERIFY catches the drop (status %d)", st);
    CHECK(strstr(err, "fault-verify.dat: offset 8192 length 4096") != NULL, "reported where");
    return e2e_done("fault_drop_thread");
}
