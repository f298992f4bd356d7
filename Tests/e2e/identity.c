/* The log follows the file, not the name it was written by. A writer dies in the middle of a
 * commit (its record durable, part of the data copied: a torn file on disk). Then, in a fresh
 * process:
 *   - another hard link of the file is opened and read(): the reader sees the committed state;
 *   - the file is renamed, then opened and mapped by its new name: recovered, and the log left
 *     behind the old name is removed;
 *   - the log is deleted: the file is refused (ENOTRECOVERABLE) rather than shown torn;
 *   - a commit grew the file and died before applying it: fstat right after open() (before any
 *     mmap) reports the committed size (Kyoto Cabinet compares the two);
 * and, with a writer alive, a second writer through another hard link gets EBUSY. */
#include "e2e.h"

#define SIZE (64 * 4096)
/* The committed contents after the writer's commit. */
static int committed(int i) { return i % 128 ? 'o' : 'N'; }

/* The number of the first persistence event called `name` when `role` runs on a scratch copy. */
static int event_number(const char *role, const char *name) {
    char *probe = e2e_file("probe.dat", SIZE, 'o');
    e2e_capture_begin();
    int st = e2e_spawn(role, probe, "SNAPSHOT_CRASH_LIST=1");
    const char *list = e2e_capture_end();
    REQUIRE(EXITED_WITH(st, 0), "dry run of %s (status %d)", role, st);
    char key[64];
    snprintf(key, sizeof key, " %s ", name);
    const char *ev = strstr(list, key);
    REQUIRE(ev != NULL, "%s event listed", name);
    while (ev > list && ev[-1] != ' ') ev--;
    return atoi(ev);
}

static int writer(const char *path) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    for (int i = 0; i < SIZE; i += 128) SET(p[i], 'N');   /* one run per line: tearable */
    msync(p, SIZE, MS_SYNC);                     /* dies inside (SNAPSHOT_CRASH_AT) */
    return 0;
}

/* Grows the file to twice its size and commits: dies after the record, before the data. */
static int grower(const char *path) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 2 * SIZE, 0);
    REQUIRE(ftruncate(fd, 2 * SIZE) == 0, "ftruncate: %s", strerror(errno));
    SET(p[SIZE + 64], 'G');
    msync(p, 2 * SIZE, MS_SYNC);
    return 0;
}

/* Plain read() through a name: the committed state, recovered at open. */
static int reader(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "reader open: %s\n", strerror(errno)); return 1; }
    static char buf[SIZE];
    if (read(fd, buf, SIZE) != SIZE) return 2;
    for (int i = 0; i < SIZE; i++)
        if (buf[i] != committed(i)) { fprintf(stderr, "reader sees byte %d = %c\n", i, buf[i]); return 3; }
    struct snapshot_stats s;
    snapshot_stats(&s);
    if (s.recoveries != 1) { fprintf(stderr, "recoveries = %llu\n", (unsigned long long)s.recoveries); return 4; }
    return 0;
}

/* Maps for writing through a name and commits one more change. */
static int mapper(const char *path) {
    int fd = open(path, O_RDWR);
    if (fd < 0) { fprintf(stderr, "mapper open: %s\n", strerror(errno)); return 1; }
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { fprintf(stderr, "mapper mmap: %s\n", strerror(errno)); return errno == EBUSY ? 16 : 2; }
    for (int i = 0; i < SIZE; i++)
        if (p[i] != committed(i)) { fprintf(stderr, "mapper sees byte %d = %c\n", i, p[i]); return 3; }
    SET(p[1], 'M');
    return msync(p, SIZE, MS_SYNC) == 0 ? 0 : 4;
}

/* open() must fail: the errno is the exit status. */
static int opener(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd >= 0) return 0;
    return errno;
}

/* fstat right after open: the committed size. */
static int sizer(const char *path) {
    int fd = open(path, O_RDWR);
    if (fd < 0) return 1;
    struct stat st;
    if (fstat(fd, &st) != 0) return 2;
    if (st.st_size != 2 * SIZE) { fprintf(stderr, "fstat after open: %lld bytes\n", (long long)st.st_size); return 3; }
    char c;
    if (pread(fd, &c, 1, SIZE + 64) != 1 || c != 'G') return 4;
    return 0;
}

/* A live writer: maps, commits, says so on stdout, and holds the file until stdin closes. */
static int holder(const char *path) {
    int fd = e2e_open(path);
    char *p = e2e_map(fd, SIZE, 0);
    SET(p[0], 'H');
    REQUIRE(msync(p, SIZE, MS_SYNC) == 0, "holder msync");
    REQUIRE(write(1, "ready\n", 6) == 6, "holder ready");
    char c;
    while (read(0, &c, 1) > 0) {}
    return 0;
}

static char *crashed_file(const char *name, int crash_at) {
    char *path = e2e_file(name, SIZE, 'o');
    char env[64];
    snprintf(env, sizeof env, "SNAPSHOT_CRASH_AT=%d", crash_at);
    int st = e2e_spawn("writer", path, env);
    REQUIRE(EXITED_WITH(st, 86), "writer died at the crash point (status %d)", st);
    int torn = 0;
    for (int i = 0; i < SIZE; i += 128) torn += e2e_byte(path, i) == 'N';
    REQUIRE(torn > 0 && torn < SIZE / 128, "the file is torn on disk (%d of %d lines new)", torn, SIZE / 128);
    return path;
}

static char *sibling(const char *name) {
    char *p = malloc(512);
    snprintf(p, 512, "%s/%s", e2e_dir(), name);
    unlink(p);
    return p;
}

int main(int argc, char **argv) {
    if (argc > 2) {
        if (!strcmp(argv[1], "writer")) return writer(argv[2]);
        if (!strcmp(argv[1], "grower")) return grower(argv[2]);
        if (!strcmp(argv[1], "reader")) return reader(argv[2]);
        if (!strcmp(argv[1], "mapper")) return mapper(argv[2]);
        if (!strcmp(argv[1], "opener")) return opener(argv[2]);
        if (!strcmp(argv[1], "sizer")) return sizer(argv[2]);
        if (!strcmp(argv[1], "holder")) return holder(argv[2]);
    }
    int data_run = event_number("writer", "data-run");

    /* Hard link: written through one name, read through the other. */
    char *a = crashed_file("linked.dat", data_run);
    char *b = sibling("other-name.dat");
    REQUIRE(link(a, b) == 0, "link: %s", strerror(errno));
    int st = e2e_spawn("reader", b, NULL);
    CHECK(EXITED_WITH(st, 0), "a reader through the other hard link sees the committed file (status %d)", st);
    for (int i = 0; i < SIZE; i += 128) CHECK(e2e_byte(a, i) == 'N', "recovered at %d", i);

    /* Rename after the crash: recovered through the new name; the old name's log goes. */
    char *r = crashed_file("renamed.dat", data_run);
    char *r2 = sibling("moved.dat");
    REQUIRE(rename(r, r2) == 0, "rename: %s", strerror(errno));
    st = e2e_spawn("mapper", r2, NULL);
    CHECK(EXITED_WITH(st, 0), "a writer through the new name recovers, sees the committed file, commits (status %d)", st);
    CHECK(e2e_byte(r2, 1) == 'M' && e2e_byte(r2, 128) == 'N', "renamed file committed");
    char oldlog[600];
    snprintf(oldlog, sizeof oldlog, "%s/.renamed.dat.snapshot-log", e2e_dir());
    CHECK(access(oldlog, F_OK) != 0, "the log left behind the old name was removed");

    /* The log is deleted while a commit is pending: refused, never shown torn. */
    char *d = crashed_file("lost-log.dat", data_run);
    char lostlog[600];
    snprintf(lostlog, sizeof lostlog, "%s/.lost-log.dat.snapshot-log", e2e_dir());
    REQUIRE(unlink(lostlog) == 0, "unlink log");
    e2e_capture_begin();
    st = e2e_spawn("opener", d, NULL);
    const char *msg = e2e_capture_end();
    CHECK(EXITED_WITH(st, ENOTRECOVERABLE), "open of a file whose pending log is gone is refused (status %d)", st);
    CHECK(strstr(msg, "--accept-as-is") != NULL, "the refusal names the way out");

    /* Size restored at open, before any mmap. */
    int record = event_number("grower", "record-persisted");
    char *g = e2e_file("grown.dat", SIZE, 'o');
    char env[64];
    snprintf(env, sizeof env, "SNAPSHOT_CRASH_AT=%d", record);
    st = e2e_spawn("grower", g, env);
    REQUIRE(EXITED_WITH(st, 86), "grower died after its record (status %d)", st);
    CHECK(e2e_size(g) == SIZE, "the file on disk still has the old size");
    st = e2e_spawn("sizer", g, NULL);
    CHECK(EXITED_WITH(st, 0), "fstat right after open reports the committed size (status %d)", st);

    /* One writer per file, whatever name the second one uses. */
    char *h = e2e_file("held.dat", SIZE, 'o');
    char *h2 = sibling("held-link.dat");
    REQUIRE(link(h, h2) == 0, "link");
    int to_child[2], from_child[2];
    REQUIRE(pipe(to_child) == 0 && pipe(from_child) == 0, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0, "fork");
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[1]);
        close(from_child[0]);
        char exe[512];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        execl(exe, exe, "holder", h, (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    char ready[8] = {0};
    REQUIRE(read(from_child[0], ready, 6) == 6, "holder ready");
    st = e2e_spawn("mapper", h2, NULL);
    CHECK(EXITED_WITH(st, 16), "a second writer through another hard link gets EBUSY (status %d)", st);
    close(to_child[1]);
    REQUIRE(waitpid(pid, &st, 0) == pid && EXITED_WITH(st, 0), "holder exit");
    return e2e_done("identity");
}
