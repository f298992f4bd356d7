/* File I/O on a managed file is part of the commit (FAMS semantics: write(2) and the mapping share
 * one state, held back until msync/fsync). Writes land in the working copy, coherent with the
 * mapping, in mapped and unmapped parts and past EOF; reads see the working contents; offsets,
 * O_APPEND and lseek behave as POSIX; the real file changes only at a commit, so a crash leaves
 * the last one. A file that is never mapped stays plain POSIX. */
#include "e2e.h"
#include <sys/sendfile.h>
#include <sys/uio.h>

static off_t logical(int fd) { struct stat st; fstat(fd, &st); return st.st_size; }

static void crash_writer(void *arg) {
    const char *path = arg;
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 8192, 0);
    if (pwrite(fd, "one", 3, 0) != 3 || fsync(fd) != 0) _exit(3);   /* committed */
    if (pwrite(fd, "two", 3, 10) != 3) _exit(4);                   /* not committed */
    SET(p[20], 'm');
    if (write(fd, "app", 3) != 3) _exit(5);
    raise(SIGKILL);
}

int main(void) {
    char *path = e2e_file("io.dat", 65536, '.');
    int early = e2e_open(path);                    /* opened before the file is managed */
    int fd = e2e_open(path);
    char *p = e2e_map(fd, 8192, 0);

    /* pwrite into the mapped part: the mapping sees it; the file does not, until the commit. */
    REQUIRE(pwrite(fd, "hello", 5, 100) == 5, "pwrite: %s", strerror(errno));
    CHECK(memcmp(p + 100, "hello", 5) == 0, "the mapping sees the pwrite");
    CHECK(e2e_byte(path, 100) == '.', "the file does not, before the commit");
    /* Stores into the mapping are seen by pread (read-your-writes). */
    SET(p[200], 'S');
    char buf[64] = {0};
    CHECK(pread(fd, buf, 1, 200) == 1 && buf[0] == 'S', "pread sees the store");
    CHECK(pread(early, buf, 5, 100) == 5 && memcmp(buf, "hello", 5) == 0, "so does a descriptor opened earlier");
    /* Unmapped part of the file. */
    REQUIRE(pwrite(early, "far", 3, 40000) == 3, "pwrite unmapped: %s", strerror(errno));
    CHECK(pread(fd, buf, 3, 40000) == 3 && memcmp(buf, "far", 3) == 0, "pread of the unmapped part sees it");
    CHECK(pread(fd, buf, 2, 50000) == 2 && buf[0] == '.', "untouched unmapped bytes come from the file");
    CHECK(e2e_byte(path, 40000) == '.', "file unchanged");
    REQUIRE(msync(p, 8192, MS_SYNC) == 0, "msync: %s", strerror(errno));
    CHECK(e2e_byte(path, 100) == 'h' && e2e_byte(path, 200) == 'S' && e2e_byte(path, 40000) == 'f',
          "one commit: mapped stores, pwrite in the mapping and pwrite outside it");

    /* write/read with the file offset; lseek; writev/preadv. */
    CHECK(lseek(fd, 300, SEEK_SET) == 300, "lseek");
    REQUIRE(write(fd, "abc", 3) == 3, "write");
    CHECK(lseek(fd, 0, SEEK_CUR) == 303, "write advanced the offset");
    CHECK(p[300] == 'a' && p[302] == 'c', "write seen by the mapping");
    lseek(fd, 300, SEEK_SET);
    CHECK(read(fd, buf, 3) == 3 && memcmp(buf, "abc", 3) == 0 && lseek(fd, 0, SEEK_CUR) == 303, "read + offset");
    int d = dup(fd);
    CHECK(lseek(d, 0, SEEK_CUR) == 303, "dup shares the offset");
    struct iovec v[2] = {{"xy", 2}, {"zw", 2}};
    REQUIRE(writev(d, v, 2) == 4, "writev through a dup");
    CHECK(memcmp(p + 303, "xyzw", 4) == 0 && lseek(fd, 0, SEEK_CUR) == 307, "writev at the shared offset");
    char a[2], b[3];
    struct iovec r[2] = {{a, 2}, {b, 3}};
    CHECK(preadv(fd, r, 2, 300) == 5 && memcmp(a, "ab", 2) == 0 && memcmp(b, "cxy", 3) == 0, "preadv");
    REQUIRE(pwritev2(fd, v, 1, 320, 0) == 2 && p[320] == 'x', "pwritev2");
    close(d);

    /* Past EOF: the size grows (fstat, SEEK_END); O_APPEND appends at the logical end. */
    CHECK(lseek(fd, 0, SEEK_END) == 65536, "SEEK_END");
    REQUIRE(write(fd, "tail", 4) == 4, "write at EOF");
    CHECK(logical(fd) == 65540 && e2e_size(path) == 65536, "logical size grew, the file's not yet");
    int ap = open(path, O_WRONLY | O_APPEND);
    REQUIRE(ap >= 0, "open O_APPEND");
    REQUIRE(write(ap, "APP", 3) == 3, "append");
    CHECK(lseek(ap, 0, SEEK_CUR) == 65543, "append offset at the new end");
    CHECK(pread(fd, buf, 7, 65536) == 7 && memcmp(buf, "tailAPP", 7) == 0, "appended after the tail");
    REQUIRE(pwrite(fd, "gap", 3, 70000) == 3, "pwrite leaving a hole");
    CHECK(pread(fd, buf, 4, 65543) == 4 && buf[0] == 0 && buf[3] == 0, "the hole reads zero");
    CHECK(read(fd, buf, 1) == 1 && buf[0] == 'A', "read at the offset the write left (after \"tail\")");
    REQUIRE(fsync(ap) == 0, "fsync through the O_APPEND descriptor: %s", strerror(errno));
    CHECK(e2e_size(path) == 70003 && e2e_byte(path, 65539) == 'l' && e2e_byte(path, 65542) == 'P' &&
          e2e_byte(path, 70002) == 'p', "size and appended bytes committed");
    close(ap);

    /* copy_file_range into the managed file from a plain one, sendfile out of it into a plain one. */
    char *plain = e2e_file("io-plain.dat", 4096, 'P');
    int pf = open(plain, O_RDWR);
    off_t in = 0, out = 1000;
    CHECK(copy_file_range(pf, &in, fd, &out, 10, 0) == 10 && in == 10 && out == 1010, "copy_file_range");
    CHECK(p[1000] == 'P' && p[1009] == 'P' && e2e_byte(path, 1000) == '.', "copied into the working copy");
    off_t from = 100;
    lseek(pf, 0, SEEK_SET);
    CHECK(sendfile(pf, fd, &from, 5) == 5 && from == 105, "sendfile");
    CHECK(e2e_byte(plain, 0) == 'h' && e2e_byte(plain, 4) == 'o', "sendfile read the working copy");
    close(pf);

    /* Descriptors from fopen (C++ streams open so, then read(2)/write(2) the descriptor) are
     * managed descriptors too; fclose forgets them, so a plain file reusing the number is plain. */
    FILE *fp = fopen(path, "r");
    REQUIRE(fp, "fopen: %s", strerror(errno));
    CHECK(pread(fileno(fp), buf, 5, 100) == 5 && memcmp(buf, "hello", 5) == 0, "fopen'd descriptor reads the working copy");
    SET(p[400], 'W');
    CHECK(pread(fileno(fp), buf, 1, 400) == 1 && buf[0] == 'W', "and sees stores at once");
    int num = fileno(fp);
    fclose(fp);
    char *other = e2e_file("io-other.dat", 4096, 'O');
    FILE *op = fopen(other, "r+");
    REQUIRE(op, "fopen other");
    if (fileno(op) == num) CHECK(pwrite(num, "q", 1, 0) == 1 && e2e_byte(other, 0) == 'q', "a reused descriptor number is plain");
    fclose(op);

    /* A plain file, never mapped: plain POSIX, written at once. */
    CHECK(e2e_byte(plain, 0) == 'h', "plain file written directly");

    /* munmap commits (clean ending); then the descriptors are plain again. */
    REQUIRE(munmap(p, 8192) == 0, "munmap");
    CHECK(e2e_byte(path, 1000) == 'P', "munmap committed the copy");
    REQUIRE(pwrite(fd, "Z", 1, 0) == 1, "pwrite after munmap");
    CHECK(e2e_byte(path, 0) == 'Z', "an unmapped file is plain POSIX again");
    close(fd);
    close(early);

    /* A crash: pwrite + fsync committed, the rest dropped. */
    path = e2e_file("io-crash.dat", 8192, '-');
    int st = e2e_child(crash_writer, path);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "writer killed");
    CHECK(e2e_byte(path, 0) == 'o' && e2e_byte(path, 10) == '-' && e2e_byte(path, 20) == '-' &&
          e2e_size(path) == 8192, "crash: committed pwrite kept, the rest dropped");
    return e2e_done("fileio");
}
