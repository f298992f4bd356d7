/*
 * C helpers for the persistence engine (SnapshotLog):
 *  - libpmem, loaded lazily with dlopen("libpmem.so.1") at the first call that needs it (linking
 *    libpmem would load libndctl, libudev, libkmod and libcrypto into every process at start-up);
 *  - raw system calls for mmap/munmap/mremap/msync/fsync/fdatasync, because libsnapshot interposes
 *    those libc symbols and the engine's own mappings (the undo log, recovery mappings) must never be
 *    mistaken for managed mappings;
 *  - CRC32C (hardware instruction when the CPU has it), file identity (statx/fstatfs), and the
 *    process-wide persistence-event counter used by SNAPSHOT_CRASH_AT.
 * Deliberately no libpmem types in this header: Swift sees only plain C.
 */
#ifndef SNAPSHOT_PMEM_H
#define SNAPSHOT_PMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- libpmem (pmem_loader.c) ---- */
/* Loads libpmem once (thread-safe). 0 on success, -1 if it cannot be loaded; then
 * snapshot_pmem_error() says why and how to fix it. */
int snapshot_pmem_load(void);
const char *snapshot_pmem_error(void);
/* pmem_is_pmem(); 0 when libpmem cannot be loaded (the caller then uses msync, always correct). */
int snapshot_pmem_is_pmem(const void *addr, size_t len);
/* pmem_memcpy(dst, src, len, PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN): durable after the next
 * snapshot_pmem_drain(). Only valid after snapshot_pmem_load() returned 0. */
void snapshot_pmem_memcpy_nt(void *dst, const void *src, size_t len);
/* pmem_flush(): write back the lines of [addr, addr+len) (durable after the next drain). */
void snapshot_pmem_flush(const void *addr, size_t len);
/* pmem_drain(): wait until every flushed / non-temporal store of this thread is durable.
 * On x86-64 the fence itself, inline: the engine's stores are non-temporal, or plain stores
 * written back by snapshot_pmem_flush, and an sfence orders both whatever flush instruction
 * libpmem chose (with plain clflush libpmem's own drain may do nothing, which non-temporal stores
 * would not survive). Through libpmem's function pointers it was about 20 instructions of every
 * small commit. Elsewhere libpmem's pmem_drain. */
void snapshot_pmem_drain_libpmem(void);
static inline __attribute__((always_inline)) void snapshot_pmem_drain(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#else
    snapshot_pmem_drain_libpmem();
#endif
}


/* ---- raw system calls (sys_raw.c): the one layer, the kernel's convention ----
 * -1 and errno on failure; mmap / mremap return MAP_FAILED (snapshot_sys_map_failed()). */
void *snapshot_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *snapshot_sys_map_failed(void);
int snapshot_sys_munmap(void *addr, size_t len);
/* mremap(old, oldlen, newlen, MREMAP_MAYMOVE). */
void *snapshot_sys_mremap_maymove(void *old, size_t oldlen, size_t newlen);
int snapshot_sys_msync(void *addr, size_t len, int flags);
int snapshot_sys_mprotect(void *addr, size_t len, int prot);
int snapshot_sys_fsync(int fd);
int snapshot_sys_fdatasync(int fd);
ssize_t snapshot_sys_pread(int fd, void *buf, size_t n, off_t off);
off_t snapshot_sys_lseek(int fd, off_t off, int whence);
/* getrandom(buf, n, GRND_NONBLOCK): bytes written, or -1. */
ssize_t snapshot_getrandom(void *buf, size_t n);
struct iovec;
ssize_t snapshot_sys_pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags);
ssize_t snapshot_sys_preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags);
/* An empty memfd (MFD_CLOEXEC). */
int snapshot_sys_memfd(const char *name);
/* The process's one pthread_atfork registration: these run after the engine's own fork steps
 * (a second call replaces the hooks). */
void snapshot_sys_fork_hooks(void (*prepare)(void), void (*parent)(void), void (*child)(void));
/* Incremented in the child at every fork (pthread_atfork, registered at the first call). */
uint64_t snapshot_fork_generation(void);
/* The same load without the registration check, for comparing with a generation read earlier
 * through snapshot_fork_generation() (which registered the handler): one load per commit. */
extern uint64_t snapshot_fork_generation_word;
static inline uint64_t snapshot_fork_generation_since_registered(void) {
    return __atomic_load_n(&snapshot_fork_generation_word, __ATOMIC_RELAXED);
}
/* getpid(), cached; the pthread_atfork child handler makes a forked child look its own pid up. */
pid_t snapshot_current_pid(void);
/* Number of the next persistence event in this process (1, 2, 3, ...), atomically. */
uint64_t snapshot_event_next(void);

/* ---- CRC32C (crc32c.c) ---- */
/* CRC-32C (Castagnoli, reflected 0x82F63B78). Chainable: crc(crc(0, a), b) == crc(0, a ++ b). */
uint32_t snapshot_crc32c(uint32_t crc, const void *data, size_t len);
/* snapshot_crc32c(0, data, 60): a record header's checksum, in one short call. */
uint32_t snapshot_crc32c_60(const void *data);
/* 1 when the SSE4.2 / ARMv8 CRC instruction is used. */
int snapshot_crc32c_hardware(void);

/* ---- undo-image checksum, fused with the copy into the log (copy_crc.c) ----
 * The checksum of one segment (the descriptor block, or one run's undo image):
 *   len < 256: crc32c(0, data, len);
 *   otherwise: four CRC-32C lanes, lane i over the i-th 8-byte word of every 32-byte block (the
 *   bytes after the last whole block go to lane 0), folded as crc32c(0, lane0..lane3 as 16
 *   little-endian bytes). Four independent chains hide the crc32 instruction's latency: ~4x faster
 *   than one chain, which matters when a commit logs tens of megabytes. */
uint32_t snapshot_segment_crc(const void *data, size_t len);
/* Copies len bytes and returns snapshot_segment_crc of them, reading the source from memory once.
 * nontemporal: copy with snapshot_pmem_memcpy_nt (libpmem must be loaded; durable after the next
 * snapshot_pmem_drain), else memcpy. */
uint32_t snapshot_copy_segment_crc(void *dst, const void *src, size_t len, int nontemporal);

/* ---- non-temporal copies for small commits (nt_copy.c) ----
 * Same contract as snapshot_pmem_memcpy_nt (durable after the next snapshot_pmem_drain), without
 * libpmem's per-call dispatch for small sizes. libpmem must be loaded. */
void snapshot_nt_copy(void *dst, const void *src, size_t len);
/* One 64-byte line streamed from src to dst (16-byte aligned; src need not be) with four 16-byte
 * non-temporal stores (SSE2, every x86-64): the store every copy of the commit path is made of
 * (nt_copy.c, copy_crc.c, record_copy.c) and the record header's, inline in the engine. Durable
 * after the next drain. Written with the compiler's builtin, not intrinsics, so that this header
 * needs no intrinsics header (Swift imports it). */
static inline __attribute__((always_inline)) void snapshot_stream_line(void *dst, const void *src) {
#if defined(__x86_64__)
    typedef long long snapshot_v2di __attribute__((vector_size(16)));
    typedef long long snapshot_v2di_u __attribute__((vector_size(16), aligned(1)));
    const snapshot_v2di_u *s = (const snapshot_v2di_u *)src;
    snapshot_v2di *d = (snapshot_v2di *)dst;
    snapshot_v2di a = s[0], b = s[1], c = s[2], e = s[3];
    __builtin_nontemporal_store(a, &d[0]);
    __builtin_nontemporal_store(b, &d[1]);
    __builtin_nontemporal_store(c, &d[2]);
    __builtin_nontemporal_store(e, &d[3]);
#else
    snapshot_nt_copy(dst, src, 64);
#endif
}
/* CLOCK_REALTIME_COARSE in nanoseconds (the vDSO's last tick: no time-stamp counter read), for the
 * record's time stamp. In C so that the engine's commit keeps no address-taken local (Swift then
 * guards its frame with a stack-protector check on every commit). */
static inline __attribute__((always_inline)) uint64_t snapshot_coarse_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
/* snapshot_stream_line to a 64-byte aligned dst, written as one 64-byte vector: the page loops of
 * the record copy and the apply, which are compiled twice (snapshot_wide_lines). In a function
 * built for AVX2 it is two 32-byte loads and two 32-byte streaming stores; elsewhere the compiler
 * splits it into the same four 16-byte loads and streaming stores as snapshot_stream_line. */
static inline __attribute__((always_inline)) void snapshot_stream_line_aligned(void *dst, const void *src) {
#if defined(__x86_64__)
    typedef long long snapshot_v8di __attribute__((vector_size(64), aligned(64)));
    typedef long long snapshot_v8di_u __attribute__((vector_size(64), aligned(1)));
    __builtin_nontemporal_store(*(const snapshot_v8di_u *)src, (snapshot_v8di *)dst);
#else
    snapshot_nt_copy(dst, src, 64);
#endif
}
/* 1 when the commit's page loops use their AVX2 build (snapshot_stream_line_aligned: 4
 * instructions per line instead of 8, in each of the two copies), else 0. Asked once; tests may
 * set it (snapshot_set_wide_lines) to check both builds on one machine. */
int snapshot_wide_lines(void);
void snapshot_set_wide_lines(int wide);
/* A commit of many scattered lines waits for each line of the working copy, long out of cache
 * since the program wrote it: under perf, 65% of the record body's time sat on its first load of
 * a line (100,000 lines over 128 MiB). In a commit of more than SNAPSHOT_PREFETCH_MIN_PAGES pages
 * the record copy and the apply prefetch the dirty lines of the page SNAPSHOT_PREFETCH_PAGES
 * ahead (up to four: a page of more is mostly adjacent lines, which the hardware prefetcher
 * follows). A smaller commit's lines are mostly still in cache, where the prefetch only costs
 * instructions: SPS with 64 swaps per commit (128 lines) ran 6% slower with it. */
#define SNAPSHOT_PREFETCH_PAGES 8
#define SNAPSHOT_PREFETCH_MIN_PAGES 256
static inline __attribute__((always_inline)) void snapshot_prefetch_page_lines(const void *base, uint64_t page,
                                                                               uint64_t bits) {
    const char *ps = (const char *)base + (page << 12);
    for (int k = 0; bits && k < 4; k++, bits &= bits - 1) __builtin_prefetch(ps + 64 * (unsigned)__builtin_ctzll(bits), 0, 3);
}
/* snapshot_copy_segment_crc(dst, src, len, 1), fused for short segments. */
uint32_t snapshot_nt_copy_crc(void *dst, const void *src, size_t len);
/* snapshot_crc32c(crc, <v as 4 little-endian bytes>, 4), without the call overhead. */
uint32_t snapshot_crc32c_u32(uint32_t crc, uint32_t v);

/* ---- a commit's pages: descriptors and bulk copies (record_copy.c, nt_copy.c) ---- */
/* One page of a commit: its index in the file (4096-byte units, whatever the machine's page
 * size) and its dirty lines, bit k = bytes [64k, 64k + 64) of the page. The collector produces
 * these straight from the dirty bitmap, ascending, and encodes the log's descriptors as it goes
 * (snapshot_desc_put), so a commit has no encoding pass of its own. */
struct snapshot_dirty_page {
    uint64_t page;
    uint64_t bits;
};
/* The most bytes one descriptor takes. */
#define SNAPSHOT_DESC_MAX 20
/* Appends page `page`'s descriptor (format 3, LogFormat.swift; little-endian u32 words) at d and
 * returns its bytes: 4 for one line, 12 for several, 20 when the page lies 2^25 pages or more
 * past `next` (the page after the previous descriptor's; 0 before the first). Inline, the usual
 * descriptor (one line, near) in a few instructions: the collector runs it per page of every
 * commit. */
static size_t __attribute__((noinline, unused)) snapshot_desc_put_far(unsigned char *d, uint64_t page, uint64_t bits) {
    uint32_t w = 3;
    __builtin_memcpy(d, &w, 4);
    __builtin_memcpy(d + 4, &page, 8);
    __builtin_memcpy(d + 12, &bits, 8);
    return 20;
}
static inline __attribute__((always_inline)) size_t snapshot_desc_put(unsigned char *d, uint64_t next, uint64_t page,
                                                                     uint64_t bits) {
    uint64_t gap = page - next;
    if (__builtin_expect(gap >= (1ull << 25), 0)) return snapshot_desc_put_far(d, page, bits);
    if (__builtin_expect((bits & (bits - 1)) == 0, 1)) {      /* one line */
        uint32_t w = (uint32_t)(gap << 7 | (uint64_t)__builtin_ctzll(bits) << 1);
        __builtin_memcpy(d, &w, 4);
        return 4;
    }
    uint32_t w = (uint32_t)(gap << 7 | 1);
    __builtin_memcpy(d, &w, 4);
    __builtin_memcpy(d + 4, &bits, 8);
    return 12;
}

/* The descriptors of pages[0..n) at desc (room for n * SNAPSHOT_DESC_MAX bytes); their bytes.
 * *lines: the lines they name. -1 if the pages are not ascending or one names no line. */
long snapshot_desc_encode(const struct snapshot_dirty_page *pages, size_t n, unsigned char *desc, size_t *lines);
/* Copies a record body to dst and returns its chained checksum,
 *   crc32c_u32(...crc32c_u32(crc32c_u32(0, segment_crc(descriptors)), segment_crc(page 0))..., page n-1):
 * the desc_len descriptor bytes at dst (desc must be readable, and dst writable, up to
 * slots_start, a multiple of 64: the bytes after desc_len are padding, copied but not
 * checksummed), then each page's dirty lines of src (file offset 0), whole, in ascending order,
 * at consecutive 64-byte slots from dst + slots_start. A page's segment is its slots:
 * popcount(bits) * 64 bytes. nontemporal: streaming stores (dst 64-byte aligned, libpmem loaded;
 * durable after the next drain), else plain. Chosen once per CPU and store kind, then called
 * directly on every commit. */
typedef uint32_t (*snapshot_record_body_fn)(void *dst, const void *desc, size_t desc_len, size_t slots_start,
                                            const struct snapshot_dirty_page *pages, size_t n, const void *src);
snapshot_record_body_fn snapshot_record_body_routine(int nontemporal);
/* Each page's dirty lines from src to dst (both at file offset 0), clipped to [0, limit):
 * non-temporal (libpmem loaded; durable after the next drain) or plain. Runs of whole pages go
 * in one copy. */
void snapshot_copy_pages(void *dst, const void *src, const struct snapshot_dirty_page *pages, size_t n,
                         intptr_t limit, int nontemporal);
/* snapshot_copy_pages for one store kind and this CPU, chosen once (the engine calls it on every
 * commit, without a choice per call). */
typedef void (*snapshot_copy_pages_fn)(void *dst, const void *src, const struct snapshot_dirty_page *pages, size_t n,
                                       intptr_t limit);
snapshot_copy_pages_fn snapshot_copy_pages_routine(int nontemporal);

/* ---- file identity (file_identity.c) ---- */
struct snapshot_file_identity {
    uint64_t fsid;       /* statfs f_fsid (derived from the filesystem UUID: stable across reboots);
                            st_dev when the filesystem reports no fsid */
    uint64_t dev;        /* st_dev, informational only (may change across reboots) */
    uint64_t ino;        /* st_ino */
    uint64_t birth_sec;  /* statx birth time, or the inode generation (FS_IOC_GETVERSION) */
    uint32_t birth_nsec;
    uint32_t birth_kind; /* 0 none, 1 birth time, 2 inode generation */
    uint64_t size;       /* st_size */
    uint64_t nlink;      /* st_nlink */
    uint32_t mode;       /* st_mode */
    uint32_t is_regular;
};
/* 0 or -1 + errno. */
int snapshot_file_identity(int fd, struct snapshot_file_identity *out);
/* What changes when anyone writes or truncates the file (one fstat). 0 or -1 + errno. */
struct snapshot_file_stamp {
    int64_t size;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
};
int snapshot_file_stamp(int fd, struct snapshot_file_stamp *out);

/* ---- session mark (session_mark.c): the xattr "user.snapshot.log" naming a file's log ----
 * get: bytes of the value (len 0: just its size), or -errno (-ENODATA: no mark, -ENOTSUP: the
 * filesystem keeps no user xattrs). set / remove: 0 or errno (remove of no mark is 0). */
long snapshot_mark_get(int fd, char *buf, size_t len);
int snapshot_mark_set(int fd, const char *log_path, size_t len);
int snapshot_mark_remove(int fd);

/* ---- the runtime's own descriptors (protected_fds.c) ----
 * protect: moves fd to a high number (closing the old one) and records it; returns the number to
 * use. The interposers refuse to close or replace a protected descriptor for the program. */
int snapshot_fd_protect(int fd);
void snapshot_fd_unprotect(int fd);
int snapshot_fd_is_protected(int fd);
/* The lowest protected descriptor in [first, last], or -1. */
int snapshot_fd_next_protected(unsigned first, unsigned last);

/* ---- persistence trace helpers (trace_thread.c) ---- */
unsigned snapshot_trace_thread(void);
unsigned long snapshot_test_fences(void);
void snapshot_test_count_fence(void);

#ifdef __cplusplus
}
#endif
#endif
