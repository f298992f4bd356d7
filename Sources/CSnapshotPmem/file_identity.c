/* Identity of a data file, recorded in its undo log so that a log is never applied to another file.
 * (fsid, inode) names the file; the birth time (or inode generation) tells a recreated file that
 * reused the inode number apart from the original. st_dev is kept only for messages: device numbers
 * may change across reboots, which is exactly when recovery runs. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

int snapshot_file_identity(int fd, struct snapshot_file_identity *out) {
    memset(out, 0, sizeof *out);
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
        return -1;
    out->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    out->ino = sx.stx_ino;
    out->size = sx.stx_size;
    out->nlink = sx.stx_nlink;
    out->mode = sx.stx_mode;
    out->is_regular = S_ISREG(sx.stx_mode) ? 1 : 0;
    if (sx.stx_mask & STATX_BTIME) {
        out->birth_kind = 1;
        out->birth_sec = (uint64_t)sx.stx_btime.tv_sec;
        out->birth_nsec = sx.stx_btime.tv_nsec;
    } else {
        int generation = 0;
        if (ioctl(fd, FS_IOC_GETVERSION, &generation) == 0) {
            out->birth_kind = 2;
            out->birth_sec = (uint32_t)generation;
        }
    }
    struct statfs sf;
    if (fstatfs(fd, &sf) == 0) {
        uint64_t a = (uint32_t)sf.f_fsid.__val[0], b = (uint32_t)sf.f_fsid.__val[1];
        out->fsid = (a << 32) | b;
    }
    if (out->fsid == 0) out->fsid = out->dev;
    return 0;
}

int snapshot_file_stamp(int fd, struct snapshot_file_stamp *out) {
    /* The raw fstat: not statx, which costs ~15% more here for its path handling (this is on the
     * page-cache commit path), and not libsnapshot's fstat interposer, which reports the logical
     * size of a managed file instead of the real one. */
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) != 0) return -1;
    out->size = st.st_size;
    out->mtime_sec = st.st_mtim.tv_sec;
    out->mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
    return 0;
}
