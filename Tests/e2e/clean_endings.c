/* "POSIX when observed, atomic when crashed": clean endings commit what msync has not, crashes
 * drop it. Clean: munmap of the last mapping, munmap taking dirty pages away from a file that is
 * still mapped elsewhere, close before munmap, exit, return from main, writes made by an atexit
 * handler, execve/execvp. Crash-like: _exit, abort, SIGKILL (the file keeps its last commit and
 * nothing is reported). Each writer runs as its own process (fresh runtime). */
#include "e2e.h"

static char *path;
static char *map;

/* Maps the file, commits 'C' at offset 0, then writes 'U' at 1 and 5000 without msync. */
static void dirty(void) {
    int fd = e2e_open(path);
    map = e2e_map(fd, 8192, 0);
    SET(map[0], 'C');
    if (msync(map, 8192, MS_SYNC) != 0) _exit(3);
    SET(map[1], 'U');
    SET(map[5000], 'U');
}

static void late_write(void) { SET(map[6000], 'L'); }   /* an atexit handler */

static int role(const char *r, char **argv) {
    path = argv[2];
    if (!strcmp(r, "exit")) { dirty(); exit(0); }
    if (!strcmp(r, "return")) { dirty(); return 0; }
    if (!strcmp(r, "atexit")) {
        atexit(late_write);       /* registered before the first managed mmap: runs after ours would */
        dirty();
        exit(0);
    }
    if (!strcmp(r, "_exit")) { dirty(); _exit(0); }
    if (!strcmp(r, "abort")) { dirty(); signal(SIGABRT, SIG_DFL); abort(); }
    if (!strcmp(r, "kill")) { dirty(); raise(SIGKILL); }
    if (!strcmp(r, "exec") || !strcmp(r, "execvp")) {
        dirty();
        char exe[512];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        fflush(NULL);
        if (!strcmp(r, "exec")) execl(exe, exe, "after-exec", path, (char *)NULL);
        else execvp(exe, (char *[]){exe, "after-exec", path, NULL});
        _exit(126);
    }
    if (!strcmp(r, "after-exec")) {
        /* The new image: the old one's writes must be in the file before it started. */
        return e2e_byte(path, 1) == 'U' && e2e_byte(path, 5000) == 'U' ? 0 : 5;
    }
    fprintf(stderr, "unknown role %s\n", r);
    return 2;
}

/* Runs `r` in a fresh process on a fresh file; returns the stderr it wrote. */
static const char *run(const char *r, int want_signal, int want_status) {
    path = e2e_file("endings.dat", 8192, '.');
    e2e_capture_begin();
    int st = e2e_spawn(r, path, NULL);
    const char *err = e2e_capture_end();
    if (want_signal) CHECK(WIFSIGNALED(st) && WTERMSIG(st) == want_signal, "%s: status %d", r, st);
    else CHECK(EXITED_WITH(st, want_status), "%s: status %d", r, st);
    CHECK(strstr(err, "endings.dat") == NULL, "%s: nothing to report (%s)", r, err);
    CHECK(e2e_byte(path, 0) == 'C', "%s: committed byte", r);
    return err;
}

static void committed(const char *r) {
    CHECK(e2e_byte(path, 1) == 'U' && e2e_byte(path, 5000) == 'U', "%s: a clean ending commits", r);
}
static void dropped(const char *r) {
    CHECK(e2e_byte(path, 1) == '.' && e2e_byte(path, 5000) == '.', "%s: a crash drops uncommitted writes", r);
}

int main(int argc, char **argv) {
    if (argc > 2) return role(argv[1], argv);

    /* In this process: munmap without msync commits, and reports nothing. */
    path = e2e_file("endings.dat", 8192, '.');
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 8192, 0);
    SET(p[10], 'M');
    SET(p[4100], 'M');
    e2e_capture_begin();
    REQUIRE(munmap(p, 8192) == 0, "munmap: %s", strerror(errno));
    const char *err = e2e_capture_end();
    CHECK(err[0] == 0, "munmap commits silently (%s)", err);
    CHECK(e2e_byte(path, 10) == 'M' && e2e_byte(path, 4100) == 'M', "munmap committed");

    /* close first, munmap later: the mapping keeps the file managed; munmap commits. */
    p = e2e_map(fd, 8192, 0);
    SET(p[11], 'K');
    close(fd);
    CHECK(e2e_byte(path, 11) == '.', "close of the descriptor alone is no commit (the mapping lives on)");
    REQUIRE(munmap(p, 8192) == 0, "munmap after close");
    CHECK(e2e_byte(path, 11) == 'K', "munmap after close committed");

    /* Two mappings: unmapping one takes dirty page 1 away while page 0 stays mapped: commit (the
     * whole file, so the write in the page that stays is committed too). */
    fd = e2e_open(path);
    char *a = e2e_map(fd, 8192, 0);
    char *b = e2e_map(fd, 4096, 0);
    CHECK(a == b, "aliases");
    SET(a[12], 'P');
    SET(a[4200], 'Q');
    REQUIRE(munmap(a, 8192) == 0, "munmap a");
    CHECK(e2e_byte(path, 4200) == 'Q' && e2e_byte(path, 12) == 'P', "dirty page taken away: committed");
    SET(b[13], 'R');
    REQUIRE(munmap(b, 4096) == 0, "munmap b");
    CHECK(e2e_byte(path, 13) == 'R', "last mapping committed");
    close(fd);

    run("exit", 0, 0);      committed("exit");
    run("return", 0, 0);    committed("return from main");
    run("atexit", 0, 0);    committed("atexit");
    CHECK(e2e_byte(path, 6000) == 'L', "atexit: a handler's writes are committed too");
    run("exec", 0, 0);      committed("execl");
    run("execvp", 0, 0);    committed("execvp");
    run("_exit", 0, 0);     dropped("_exit");
    run("abort", SIGABRT, 0); dropped("abort");
    run("kill", SIGKILL, 0);  dropped("SIGKILL");
    return e2e_done("clean_endings");
}
