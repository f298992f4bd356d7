/*
 * snapshot_shim.h — internal interface between the C layer of libsnapshot (interposers, dirty
 * bitmap, hot globals) and the Swift runtime (SnapshotRuntime). Not installed; not part of the
 * public API (snapshot.h) nor of the pass ABI (snapshot_abi.h).
 *
 * Why the split: the interposers must run before the Swift runtime is usable (libc and the Swift
 * runtime itself call mmap), must never allocate and must set errno exactly; the store path must be
 * a few instructions with no lazy-global accessor. Those parts are C. Everything that manages
 * state (mappings, windows, commits) is Swift and is entered only for managed cases.
 */
#ifndef SNAPSHOT_SHIM_H
#define SNAPSHOT_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "snapshot.h"
#include "snapshot_lock.h"
#include "snapshot_pmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Runtime state (written under the global lock, read racily by the interposers) --------- */
#define SNAPSHOT_STATE_UNINIT 0     /* environment not read yet */
#define SNAPSHOT_STATE_READY 1      /* environment read, no reservation yet */
#define SNAPSHOT_STATE_ACTIVE 2     /* ranges reserved, globals published */
#define SNAPSHOT_STATE_DISABLED 3   /* SNAPSHOT_DISABLE=1: pure pass-through */
extern int snapshot_state;
extern uintptr_t snapshot_persistent_base;
extern int snapshot_managed_files;         /* files with live managed mappings (fsync fast path) */
/* Calls made so far that change some file's metadata (chmod, chown, utimes, xattrs: metadata.c).
 * An fsync of a managed file needs the real call only if this moved since its last one. */
extern uint64_t snapshot_metadata_epoch;
static inline uint64_t snapshot_metadata_epoch_now(void) {
    return __atomic_load_n(&snapshot_metadata_epoch, __ATOMIC_SEQ_CST);
}
extern int snapshot_quiet, snapshot_verify;
/* Test faults of the store path (SNAPSHOT_TEST_FAULT), one word so that a dirty-bit miss tests
 * one load: drop-thread (see record.c), split-or, the negative control of the unlocked OR, and
 * split-clear, the scan's clear of level-3 bits done as a load, a pause and a store (bitmap.c),
 * the negative control of Tests/e2e/large.c's writer threads. */
#define SNAPSHOT_STORE_FAULT_DROP_THREAD 1
#define SNAPSHOT_STORE_FAULT_SPLIT_OR 2
#define SNAPSHOT_STORE_FAULT_SPLIT_CLEAR 4
extern int snapshot_store_faults;

/* Dirty tracking: 1 bit per 64-byte line of the working range (bits), 1 bit per bitmap word
 * (= 4 KiB page) in l1, 1 bit per l1 word (= 256 KiB) in l2, 1 bit per l2 word (= 16 MiB) in l3.
 * drop = SNAPSHOT_TEST_FAULT=drop-thread. */
extern uint64_t *snapshot_dirty_bits, *snapshot_dirty_l1, *snapshot_dirty_l2, *snapshot_dirty_l3, *snapshot_drop_bits;

/* Publish the reservation (sets the ABI globals last, so the store path never sees a half state). */
void snapshot_publish(uintptr_t working_base, uintptr_t working_size, uintptr_t persistent_base,
                      uint64_t *bits, uint64_t *l1, uint64_t *l2, uint64_t *l3, uint64_t *drop);

/* ---- Raw system calls (never interposed, never allocate; -1/MAP_FAILED + errno) ------------- */

int snapshot_get_errno(void);
void snapshot_set_errno(int e);

/* One line on stderr, prefixed "snapshot: ", written with a single write(2). */
void snapshot_message(const char *line);

/* The global lock (mapping table, windows). Statically initialised: no lazy init. Inline: every
 * msync takes and drops it. */
extern snapshot_lock_t snapshot_global_lock_state;
static inline __attribute__((always_inline)) void snapshot_global_lock(void) { snapshot_lock_take(&snapshot_global_lock_state); }
static inline __attribute__((always_inline)) void snapshot_global_unlock(void) { snapshot_lock_drop(&snapshot_global_lock_state); }

/* ---- Commit-side bitmap operations ---------------------------------------------------------- */
/* What a commit collects: the file's dirty pages (struct snapshot_dirty_page, snapshot_pmem.h:
 * page index in the file, dirty lines), ascending; their log descriptors, encoded as they were
 * collected (desc_bytes of them at desc, readable up to the next multiple of 64: the record copy
 * moves them in whole lines), and the lines they name. `win_page`: the window's first page in
 * the bitmap, to give bits back. */
struct snapshot_collector {
    struct snapshot_dirty_page *pages; size_t npages, pages_cap;
    unsigned char *desc; size_t desc_bytes;
    size_t lines;
    size_t win_page;
    /* The scan's level-3 cursor (bitmap.c): kept here, in memory, so that the page loops below it
     * have every register. */
    size_t scan_l3, scan_l2, scan_l2_end;
    uint64_t scan_m3;
};

/* Take (clear atomically, snapshot_words.h) every dirty bit of the window [win_off, win_off+win_len) of the
 * working range (offsets relative to the working base, 16 MiB aligned) and store the pages that
 * had any, page indexes relative to the window, with their descriptors. 0, or -1 (ENOMEM:
 * nothing is taken). */
int snapshot_collect(struct snapshot_collector *c, uintptr_t win_off, uintptr_t win_len);
/* The same, scanning only the part [lo, hi) of the window (page indexes stay window-relative). */
int snapshot_collect_part(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo, uintptr_t hi);
/* The level-2 words [*first, return value) that cover [win_off + lo, win_off + hi) of the working
 * range. */
static inline size_t snapshot_l2_words(uintptr_t win_off, uintptr_t lo, uintptr_t hi, size_t *first) {
    size_t page0 = (win_off + lo) >> 12, pages = (hi - lo + 4095) >> 12;
    *first = page0 >> 12;
    return (page0 + pages + 4095) >> 12;
}
/* Commit failed: give the taken bits back (they stay dirty for the next commit). */
void snapshot_collect_restore(struct snapshot_collector *c);
/* Keep only the collected lines inside the sorted, disjoint [start, end) pairs of `spans` (window
 * offsets, 2*nspans values) and below `limit` (bytes); in place, descriptors and line count
 * included. Returns the page count. */
size_t snapshot_clip_pages_slow(struct snapshot_collector *c, const intptr_t *spans, size_t nspans, intptr_t limit);
/* The usual case inline (one mapping, every line inside it and below the limit: nothing to clip,
 * a few compares), the rest out of line. */
static inline __attribute__((always_inline)) size_t snapshot_clip_pages(struct snapshot_collector *c, const intptr_t *spans,
                                                                       size_t nspans, intptr_t limit) {
    if (nspans == 1 && c->npages > 0 && (intptr_t)(c->pages[0].page << 12) >= spans[0]) {   /* spans: page aligned */
        intptr_t hi = spans[1] < limit ? spans[1] : limit;
        const struct snapshot_dirty_page *last = &c->pages[c->npages - 1];
        if ((intptr_t)((last->page + 1) << 12) <= hi) return c->npages;   /* the last page wholly inside */
        if ((intptr_t)(last->page << 12) + (intptr_t)(64 - __builtin_clzll(last->bits)) * 64 <= hi) return c->npages;
    }
    return snapshot_clip_pages_slow(c, spans, nspans, limit);
}
/* Drop every dirty bit of [off, off+len) (page aligned) and return how many lines were dirty. */
size_t snapshot_discard(uintptr_t off, uintptr_t len);
/* Count the dirty lines of [off, off+len) without changing anything. */
size_t snapshot_count_dirty(uintptr_t off, uintptr_t len);
/* pthread_atfork handlers keeping the global lock consistent across fork. */
void snapshot_install_fork_handlers(void);

/* ---- Read-only shared file mappings (see ro_shared.c) ------------------------------------- */
void snapshot_ro_add(void *addr, size_t len);
void snapshot_ro_forget(void *addr, size_t len);
int snapshot_ro_any(void);
int snapshot_ro_overlaps(const void *addr, size_t len);

/* ---- Descriptors of managed files and their logical sizes (fdtable.c) --------------------- */
#define SNAPSHOT_FD_TABLE 65536     /* descriptors below this are looked up in one load */
#define SNAPSHOT_MAX_FILES 4096     /* managed files whose descriptors and size are tracked */
struct snapshot_file_slot { uint64_t dev, ino; int64_t size; int used; };
extern uint16_t snapshot_fd_slots[SNAPSHOT_FD_TABLE];
extern struct snapshot_file_slot snapshot_file_slots[SNAPSHOT_MAX_FILES];
/* Slot of a managed file: add (-1 when full), find (-1: none), size update, remove (also clears
 * every descriptor of it). */
int snapshot_slot_add(uint64_t dev, uint64_t ino, int64_t size);
int snapshot_slot_find(uint64_t dev, uint64_t ino);
void snapshot_slot_set_size(int slot, int64_t size);
void snapshot_slot_remove(int slot);
/* Descriptor fd refers to the file of `slot` (-1: to no managed file). */
void snapshot_fd_set(int fd, int slot);
/* Every open descriptor of (dev, ino) but `skip` joins `slot` (scans /proc/self/fd). */
void snapshot_fd_scan(uint64_t dev, uint64_t ino, int slot, int skip);
int snapshot_fd_slot_slow(int fd);
/* Raw read/write/seek of the runtime's own descriptors (never interposed). */
struct iovec;
/* off -1: at (and advancing) the file offset. */
/* Reads n bytes of this process's memory at src whatever its protection (/proc/self/mem). */
int snapshot_peek(void *dst, const void *src, size_t n);
/* Copies n bytes into this process's memory at dst whatever its protection, as a debugger does
 * (/proc/self/mem: private pages are written copy-on-write). 0, or -1 + errno. */
int snapshot_poke(void *dst, const void *src, size_t n);

/* ---- Statistics (stats.c) ----------------------------------------------------------------- */
/* Both are inline (a commit per operation pays for every call): the usual case is a load and
 * either a TSC read or seven plain adds to this thread's own block; the rest is out of line. */
/* The clock a commit's duration is measured with (TSC ticks or ns; converted by snapshot_stats). */
enum { SNAPSHOT_CLOCK_UNCHOSEN = 0, SNAPSHOT_CLOCK_TSC = 1, SNAPSHOT_CLOCK_MONOTONIC = 2 };
extern int snapshot_clock_kind;
uint64_t snapshot_commit_clock_slow(void);
static inline __attribute__((always_inline)) uint64_t snapshot_commit_clock(void) {
#if defined(__x86_64__)
    if (__builtin_expect(__atomic_load_n(&snapshot_clock_kind, __ATOMIC_ACQUIRE) == SNAPSHOT_CLOCK_TSC, 1))
        return __builtin_ia32_rdtsc();
#endif
    return snapshot_commit_clock_slow();
}
/* Which commits are timed. Reading the TSC at a commit's start stalls it while the program's last
 * stores are still missing the cache: timing every commit cost 8% of a one-line commit on an AMD
 * EPYC VM (commit_ops, 1 line in 64 MiB, 289 vs 314 ns). So a thread times its first
 * SNAPSHOT_TIMED_ALL commits, then one in SNAPSHOT_TIME_EVERY, counted SNAPSHOT_TIME_EVERY times:
 * commit_nanoseconds is exact for short runs and an unbiased estimate after. Returns the weight
 * of this commit's time, 0 when it is not timed. */
#define SNAPSHOT_TIMED_ALL 64
#define SNAPSHOT_TIME_EVERY 16
extern __thread uint64_t snapshot_commits_seen __attribute__((tls_model("initial-exec")));
static inline __attribute__((always_inline)) uint64_t snapshot_commit_time_weight(void) {
    uint64_t n = ++snapshot_commits_seen;
    if (__builtin_expect(n <= SNAPSHOT_TIMED_ALL, 0)) return 1;
    return n % SNAPSHOT_TIME_EVERY == 0 ? SNAPSHOT_TIME_EVERY : 0;
}
/* Adds to snapshot_stats()'s totals (through the calling thread's own counters); commit_time is a
 * difference of two snapshot_commit_clock() readings, times its weight. */
extern __thread struct snapshot_stats *snapshot_stats_mine __attribute__((tls_model("initial-exec")));
void snapshot_stats_add_slow(uint64_t commits, uint64_t lines, uint64_t log_bytes, uint64_t data_bytes,
                             uint64_t commit_time, uint64_t recoveries, uint64_t ordering_points);
#define SNAPSHOT_STATS_ADD(b, field, v) \
    __atomic_store_n(&(b)->field, __atomic_load_n(&(b)->field, __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
static inline __attribute__((always_inline)) void snapshot_stats_add(uint64_t commits, uint64_t lines, uint64_t log_bytes, uint64_t data_bytes,
                                      uint64_t commit_time, uint64_t recoveries, uint64_t ordering_points) {
    /* Only this thread writes its block; other threads' snapshot_stats() read it: relaxed stores,
     * not locked read-modify-writes. */
    struct snapshot_stats *b = snapshot_stats_mine;
    if (__builtin_expect(!b, 0)) {
        snapshot_stats_add_slow(commits, lines, log_bytes, data_bytes, commit_time, recoveries, ordering_points);
        return;
    }
    SNAPSHOT_STATS_ADD(b, commits, commits); SNAPSHOT_STATS_ADD(b, lines_committed, lines);
    SNAPSHOT_STATS_ADD(b, log_bytes_written, log_bytes); SNAPSHOT_STATS_ADD(b, data_bytes_written, data_bytes);
    SNAPSHOT_STATS_ADD(b, commit_nanoseconds, commit_time); SNAPSHOT_STATS_ADD(b, recoveries, recoveries);
    SNAPSHOT_STATS_ADD(b, ordering_points, ordering_points);
}

#ifdef __cplusplus
}
#endif

#endif /* SNAPSHOT_SHIM_H */
