/*
 * swift_entry.h — functions implemented in Swift (SnapshotRuntime, @_cdecl) that the C interposers
 * call for managed cases only. Private to the C layer: Swift never imports this header.
 * Each returns the libc-style result and sets errno on failure; each is called with the
 * "inside the runtime" flag set.
 */
#ifndef SNAPSHOT_SWIFT_ENTRY_H
#define SNAPSHOT_SWIFT_ENTRY_H

#include <stddef.h>
#include <sys/types.h>

/* A MAP_SHARED file mapping (writable: maybe managed; read-only: recover a pending log first). */
void *snapshot_rt_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* The range touches the working or persistent reservation. */
int snapshot_rt_munmap(void *addr, size_t len);
int snapshot_rt_mprotect(void *addr, size_t len, int prot);
/* addr lies in the working range. */
int snapshot_rt_msync(void *addr, size_t len, int flags);
/* Some file is managed; fd may or may not be one of them. */
int snapshot_rt_fsync(int fd, int datasync);
void snapshot_rt_times_set(uint64_t dev, uint64_t ino);  /* the program set a managed file's times */
int snapshot_rt_sync(void *addr);
/* Some file is managed: refuse shrinking it below its mappings. path is NULL for ftruncate. */
int snapshot_rt_truncate(int fd, const char *path, off_t length);
/* 1 if fd refers to a file this process manages (has mapped for writing), else 0. */
int snapshot_rt_fd_is_managed(int fd);
int snapshot_rt_is_managed(const void *addr);
/* I/O on a descriptor whose table entry names managed-file slot `slot` (IO.swift). off < 0: at
 * (and advancing) the file offset; append: at the end (O_APPEND is also read from the descriptor).
 * Bytes done, or -1 + errno, exactly as the system call. */
struct iovec;
ssize_t snapshot_rt_write(int slot, int fd, const struct iovec *iov, int iovcnt, off_t off, int append);
ssize_t snapshot_rt_read(int slot, int fd, const struct iovec *iov, int iovcnt, off_t off);
/* A descriptor just opened carries a session mark (or has a log beside it): bring the file to
 * its committed state first (OpenRecovery.swift). 0, or -1 + errno: refuse the open. */
int snapshot_rt_opened(int fd);
/* The fallocate interposer allocated blocks in managed file fd (its mtime moved). */
void snapshot_rt_allocated(int fd);
/* Clean endings (Lifecycle.swift): commit pending changes (or, strict, report dropping them). */
void snapshot_rt_exit(void);
void snapshot_rt_exec(void);

#endif
