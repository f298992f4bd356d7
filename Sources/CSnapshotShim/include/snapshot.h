/*
 * snapshot.h — public API of libsnapshot (optional: plain msync()/fsync() is the main interface).
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The project version: CMake reads it from here, and libsnapshot embeds it as a what(1) marker. */
#define SNAPSHOT_VERSION "0.1.0"

/* Commit the managed file that contains addr, exactly like msync() on it. 0 or -1 with errno. */
int snapshot_sync(void *addr);

/* 1 if addr lies in a managed working copy, 0 otherwise. */
int snapshot_is_managed(const void *addr);

struct snapshot_stats {
    uint64_t commits;             /* successful commits */
    uint64_t lines_committed;     /* dirty 64-byte lines copied to the persistent copy */
    uint64_t log_bytes_written;   /* bytes written to logs (records) */
    uint64_t data_bytes_written;  /* bytes written to persistent copies */
    uint64_t commit_nanoseconds;  /* wall time spent in commit: each thread's first 64 commits
                                     timed, then one in 16 (counted 16 times) */
    uint64_t recoveries;          /* files brought up to date from their log at map time */
    uint64_t ordering_points;     /* fences (pmem_drain) / fdatasyncs taken inside commits */
};

/* Process-wide totals since start. Returns 0, or -1 with errno = EINVAL for a NULL out. */
int snapshot_stats(struct snapshot_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SNAPSHOT_H */
