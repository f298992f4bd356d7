/*
 * wal.h — the `wal` variant's write-ahead log: undo+redo records in a log file beside the heap,
 * two msyncs per commit (log, then data). See wal.c for the protocol and recovery.
 */
#ifndef WAL_H
#define WAL_H

#include <stddef.h>

/* Opens (creating if needed) the log at path for the heap mapped at base. If the log holds an
 * interrupted or unsynced commit, recovers the heap first (and says so on stderr). */
void wal_open(const char *path, char *heap_base, size_t heap_size, size_t log_size);
/* Before modifying size bytes at addr (inside the heap): log their old contents. */
void wal_mark(void *addr, size_t size);
/* After allocating size fresh bytes at addr: nothing to undo, but their contents are redo-logged. */
void wal_new(void *addr, size_t size);
/* Makes every change since the previous commit durable, failure-atomically. */
void wal_commit(void);
/* Unmaps the log; removes it unless keep. */
void wal_close(int keep);

#endif
