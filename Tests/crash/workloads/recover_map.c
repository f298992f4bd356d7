/*
 * recover_map.c — recovery through the runtime's map-time path: map FILE MAP_SHARED + PROT_WRITE
 * (which recovers an interrupted commit before returning) and unmap without writing.
 * Used as an alternative `--recover` command so crash-during-recovery covers both the CLI and
 * the automatic recovery of a program that just opens its file.
 */
#include "wl_common.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) wl_die("open", argv[1]);
    struct stat st;
    if (fstat(fd, &st) != 0) wl_die("fstat", argv[1]);
    if (st.st_size == 0) return 0;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) wl_die("mmap", argv[1]);
    if (munmap(p, (size_t)st.st_size) != 0) wl_die("munmap", argv[1]);
    close(fd);
    return 0;
}
