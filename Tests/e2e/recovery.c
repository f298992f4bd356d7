/* A writer dies in the middle of a commit (SNAPSHOT_CRASH_AT: after its log record became durable
 * and part of the data was copied). The commit is durable, so a read-only mapper in another process
 * then sees it complete (it recovers the file first, replaying the record), never the torn mix. */
#include "e2e.h"

#define SIZE (64 * 4096)

static int writer(const char *path) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    for (int i = 0; i < SIZE; i += 64) SET(p[i], 'N');
    msync(p, SIZE, MS_SYNC);                           /* dies inside (SNAPSHOT_CRASH_AT) */
    return 0;
}

static int reader(const char *path) {
    int fd = open(path, O_RDONLY);
    char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { fprintf(stderr, "reader mmap: %s\n", strerror(errno)); return 1; }
    for (int i = 0; i < SIZE; i++)
        if (p[i] != ((i % 64) ? 'o' : 'N')) { fprintf(stderr, "reader sees byte %d = %c\n", i, p[i]); return 2; }
    struct snapshot_stats s;
    snapshot_stats(&s);
    if (s.recoveries != 1) { fprintf(stderr, "recoveries = %llu\n", (unsigned long long)s.recoveries); return 3; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "writer") == 0) return writer(argv[2]);
    if (argc > 2 && strcmp(argv[1], "reader") == 0) return reader(argv[2]);
    /* Find the number of the "data-run" persistence event (the record is durable, the first run
     * was copied into the file) with a dry run on an identical scratch file. */
    char *probe = e2e_file("probe.dat", SIZE, 'o');
    e2e_capture_begin();
    int st = e2e_spawn("writer", probe, "SNAPSHOT_CRASH_LIST=1");
    const char *list = e2e_capture_end();
    REQUIRE(EXITED_WITH(st, 0), "dry run (status %d)", st);
    const char *ev = strstr(list, " data-run ");
    REQUIRE(ev != NULL, "data-run event listed");
    while (ev > list && ev[-1] != ' ') ev--;
    int crash_at = atoi(ev);
    REQUIRE(crash_at > 0, "event number");
    static char env[64];
    snprintf(env, sizeof env, "SNAPSHOT_CRASH_AT=%d", crash_at);

    char *path = e2e_file("recovery.dat", SIZE, 'o');
    st = e2e_spawn("writer", path, env);
    CHECK(EXITED_WITH(st, 86), "writer died at the crash point (status %d)", st);
    int torn = 0;
    for (int i = 0; i < SIZE; i += 64) torn += e2e_byte(path, i) == 'N';
    CHECK(torn > 0, "the crash came after the first data run reached the file (%d lines)", torn);
    st = e2e_spawn("reader", path, NULL);
    CHECK(EXITED_WITH(st, 0), "read-only mapper recovered and sees the committed state (status %d)", st);
    for (int i = 0; i < SIZE; i += 64) CHECK(e2e_byte(path, i) == 'N', "file recovered at %d", i);
    return e2e_done("recovery");
}
