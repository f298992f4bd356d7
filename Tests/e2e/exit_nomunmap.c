/* A process that exits without munmap or msync. By default exit is a clean ending: another
 * process then reads every byte written, committed atomically at exit, and nothing is reported.
 * With SNAPSHOT_STRICT_FAMS=1 (the strict failure-atomic-msync contract) the file holds exactly the
 * bytes of the last msync and the exiting process says what it dropped. */
#include "e2e.h"

static char *path;

static void writer(void *arg) {
    (void)arg;
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 65536, 0);
    for (int i = 0; i < 65536; i += 64) SET(p[i], 'C');        /* committed */
    if (msync(p, 65536, MS_SYNC) != 0) _exit(3);
    for (int i = 0; i < 65536; i += 64) SET(p[i + 1], 'U');    /* not committed by msync */
    SET(p[0], 'U');
    exit(0);                                                    /* no munmap, no msync */
}

static void check_image(int strict) {
    char *buf = malloc(65536);
    e2e_read(path, 0, buf, 65536);
    int bad = 0;
    for (int i = 0; i < 65536; i++) {
        char want = i == 0 ? (strict ? 'C' : 'U') : i % 64 == 0 ? 'C' : i % 64 == 1 && !strict ? 'U' : '.';
        if (buf[i] != want) bad++;
    }
    CHECK(bad == 0, "%s: %d bytes differ from the expected image", strict ? "strict" : "default", bad);
    free(buf);
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "writer") == 0) { path = argv[2]; writer(NULL); return 0; }
    path = e2e_file("exit.dat", 65536, '.');
    e2e_capture_begin();
    int st = e2e_spawn("writer", path, NULL);
    const char *err = e2e_capture_end();
    CHECK(EXITED_WITH(st, 0), "writer exit status %d", st);
    CHECK(strstr(err, "exit.dat") == NULL, "a clean exit reports nothing");
    check_image(0);

    path = e2e_file("exit.dat", 65536, '.');
    e2e_capture_begin();
    st = e2e_spawn("writer", path, "SNAPSHOT_STRICT_FAMS=1");
    err = e2e_capture_end();
    CHECK(EXITED_WITH(st, 0), "strict writer exit status %d", st);
    CHECK(strstr(err, "exit.dat") && strstr(err, "1024 uncommitted"), "strict: exit message names file and count");
    check_image(1);
    return e2e_done("exit_nomunmap");
}
