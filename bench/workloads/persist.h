/*
 * persist.h — the persistence shim: the ONLY place where the variants differ.
 *
 * The data structures (list.c, btree.c, kv.c) are one source. They:
 *   - keep every persistent pointer as a poff_t, an offset from the heap base (relocatable, and
 *     what a PMEMoid's .off is), dereferenced with P_PTR;
 *   - allocate with p_alloc / p_free;
 *   - call p_mark(addr, size) before modifying persistent bytes that existed before the current
 *     operation (the TX_ADD a PMDK programmer writes); fresh allocations need no mark;
 *   - bracket every operation with p_op_begin / p_op_end; p_op_end commits every `batch` ops;
 *     p_sync commits a trailing partial batch.
 *
 * Exactly one VARIANT_* macro selects what that means:
 *   VARIANT_NATIVE        anonymous DRAM, marks and commits do nothing (the upper bound)
 *   VARIANT_SNAPSHOT      MAP_SHARED file, built with snapshot-cc; commit = msync (failure-atomic
 *                         through libsnapshot); marks do nothing — the pass finds the writes
 *   VARIANT_MSYNC         MAP_SHARED file, plain clang; commit = msync (NOT crash-consistent)
 *   VARIANT_WAL           MAP_SHARED file + undo/redo log file; mark = log record; commit = msync
 *                         of the log, then msync of the data (crash-consistent, see wal.c)
 *   VARIANT_PMDK          libpmemobj pool; op = transaction (pmemobj_tx_begin/commit/end, one per
 *                         batch), mark = pmemobj_tx_add_range_direct, alloc = pmemobj_tx_zalloc,
 *                         free = pmemobj_tx_free (the function forms of TX_BEGIN/TX_ADD/TX_ZNEW/TX_FREE,
 *                         because a batch spans several operations)
 *   VARIANT_ABLATE_NOOP   snapshot-cc objects linked with ablation.c instead of libsnapshot, working
 *                         range = the heap: every heap write takes the range check and calls a no-op
 *   VARIANT_ABLATE_CHECK  same, empty working range: every write pays the inline range check only
 *   VARIANT_MSYNC_DAX     msync, but commit = flush every page the program dirtied in full + drain:
 *   VARIANT_WAL_DAX       wal, same for both of its msyncs. What msync costs on a DAX mapping,
 *                         which tmpfs does not charge (see dax.h; a lower bound of real DAX msync)
 * The two ablations use the native heap (anonymous DRAM, no commit), so against `native` they show
 * the instrumentation cost alone.
 */
#ifndef PERSIST_H
#define PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"

#if defined(VARIANT_MSYNC_DAX) /* msync, plus the cost msync has on a DAX mapping (dax.h) */
#define VARIANT_MSYNC 1
#define P_DAX_EMULATION 1
#define P_VARIANT_NAME "msync-dax"
#elif defined(VARIANT_WAL_DAX) /* wal, with both msyncs costed as on a DAX mapping (dax.h) */
#define VARIANT_WAL 1
#define P_DAX_EMULATION 1
#define P_VARIANT_NAME "wal-dax"
#elif defined(VARIANT_NATIVE)
#define P_VARIANT_NAME "native"
#elif defined(VARIANT_SNAPSHOT)
#define P_VARIANT_NAME "snapshot"
#elif defined(VARIANT_MSYNC)
#define P_VARIANT_NAME "msync"
#elif defined(VARIANT_WAL)
#define P_VARIANT_NAME "wal"
#elif defined(VARIANT_PMDK)
#define P_VARIANT_NAME "pmdk"
#elif defined(VARIANT_ABLATE_NOOP)
#define P_VARIANT_NAME "snapshot-noop"
#elif defined(VARIANT_ABLATE_CHECK)
#define P_VARIANT_NAME "snapshot-check"
#else
#error "define one VARIANT_* (see persist.h)"
#endif

typedef uint64_t poff_t; /* offset from p_base; 0 is the null reference */

extern char *p_base;
#define P_PTR(type, off) ((type *)(p_base + (off)))
#define P_OFF(ptr) ((poff_t)((char *)(ptr) - p_base))

/* Creates a fresh heap of heap_bytes in cfg->dir (file name derived from `name`) with a zeroed
 * root object of root_size bytes. */
void p_open(const bench_cfg *cfg, const char *name, size_t heap_bytes, size_t root_size);
void *p_root(void);
poff_t p_alloc(size_t size); /* zeroed; only between p_op_begin and p_op_end */
void p_free(poff_t off, size_t size);
void p_op_begin(void);
void p_op_end(void);
void p_sync(void);  /* commit whatever the current batch holds */
void p_close(void); /* unmaps and, unless cfg->keep, removes the files */

#if defined(P_DAX_EMULATION)
#include "dax.h"
#endif

#if defined(VARIANT_PMDK)
#include <libpmemobj.h>
static inline void p_mark(void *addr, size_t size) {
    if (pmemobj_tx_add_range_direct(addr, size) != 0) bench_die("pmemobj_tx_add_range_direct");
}
#elif defined(VARIANT_WAL)
#include "wal.h"
static inline void p_mark(void *addr, size_t size) { wal_mark(addr, size); }
#elif defined(P_DAX_EMULATION) /* msync-dax: the kernel would see the dirty page; so do we */
static inline void p_mark(void *addr, size_t size) { dax_touch(addr, size); }
#else
static inline void p_mark(void *addr, size_t size) { (void)addr; (void)size; }
#endif

#endif
