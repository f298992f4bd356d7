/* The session mark: an extended attribute on a data file, naming the log that may hold commits not
 * yet in the file. It makes the log findable from the file itself (its inode), whatever name the
 * file is opened by later: a hard link, a rename, a move. See SessionMark.swift for the protocol. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <errno.h>
#include <sys/xattr.h>

#define MARK_NAME "user.snapshot.log"

long snapshot_mark_get(int fd, char *buf, size_t len) {
    ssize_t n = fgetxattr(fd, MARK_NAME, buf, len);
    return n < 0 ? -errno : (long)n;
}

int snapshot_mark_set(int fd, const char *log_path, size_t len) {
    return fsetxattr(fd, MARK_NAME, log_path, len, 0) == 0 ? 0 : errno;
}

int snapshot_mark_remove(int fd) {
    if (fremovexattr(fd, MARK_NAME) == 0 || errno == ENODATA) return 0;
    return errno;
}
