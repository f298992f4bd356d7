/* Non-temporal copies for the commit's hot path. A small commit copies a handful of 64-byte lines
 * (its record and its data); libpmem's pmem_memcpy spends about 300 instructions per call deciding
 * how to copy, more than the copy itself. Here: whole 16-byte chunks with movntdq, 8-byte pieces
 * with movnti, and any last bytes with plain stores written back by pmem_flush; like pmem_memcpy
 * with PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN, the stores are durable after the next
 * snapshot_pmem_drain(). Large copies still go to libpmem, which knows the CPU's widest stores. */
#include "snapshot_pmem.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define LARGE 4096

/* Stores [d, d + n) from s with non-temporal stores; n < LARGE. */
static inline void nt_lines(unsigned char *d, const unsigned char *s, size_t n) {
    for (; n >= 64; d += 64, s += 64, n -= 64) snapshot_stream_line(d, s);
}

static void nt_small(unsigned char *d, const unsigned char *s, size_t n) {
    if ((((uintptr_t)d | n) & 63) == 0) { nt_lines(d, s, n); return; }  /* whole lines: the usual case */
    while (n && ((uintptr_t)d & 15)) {                 /* head up to 16-byte alignment */
        if (((uintptr_t)d & 7) == 0 && n >= 8) {
            long long w;
            memcpy(&w, s, 8);
            _mm_stream_si64((long long *)(void *)d, w);
            d += 8; s += 8; n -= 8;
        } else {
            size_t k = 8 - ((uintptr_t)d & 7);
            if (k > n) k = n;
            memcpy(d, s, k);
            snapshot_pmem_flush(d, k);
            d += k; s += k; n -= k;
        }
    }
    nt_lines(d, s, n & ~(size_t)63);
    d += n & ~(size_t)63; s += n & ~(size_t)63; n &= 63;
    for (; n >= 16; d += 16, s += 16, n -= 16)
        _mm_stream_si128((__m128i *)(void *)d, _mm_loadu_si128((const __m128i *)(const void *)s));
    if (n >= 8) {
        long long w;
        memcpy(&w, s, 8);
        _mm_stream_si64((long long *)(void *)d, w);
        d += 8; s += 8; n -= 8;
    }
    if (n) {
        memcpy(d, s, n);
        snapshot_pmem_flush(d, n);
    }
}

/* One copy, whatever its size: whole lines inline (the usual case of a small commit), other small
 * copies through nt_small, large ones through libpmem. Both entry points below use it, so the
 * crash harness, which copies run by run, exercises the same stores as a commit. */
static inline __attribute__((always_inline)) void nt_copy_one(unsigned char *d, const unsigned char *s, size_t len) {
    if (((((uintptr_t)d) | len) & 63) == 0 && len < LARGE) nt_lines(d, s, len);
    else if (len < LARGE) nt_small(d, s, len);
    else snapshot_pmem_memcpy_nt(d, s, len);
}

void snapshot_nt_copy(void *dst, const void *src, size_t len) { nt_copy_one(dst, src, len); }

/* Each page's lines; runs of whole pages (a large commit) coalesced into one copy. A line that
 * crosses `limit` (the file's end in its last line) is cut there. The usual page, one or a few
 * lines wholly inside the file, takes two tests and the line loop. `prefetch`: as in the record
 * copy (snapshot_pmem.h), the caller stopping SNAPSHOT_PREFETCH_PAGES before the end. */
static inline __attribute__((always_inline)) void copy_page_range(unsigned char *d, const unsigned char *s,
                                                                 const struct snapshot_dirty_page *p,
                                                                 const struct snapshot_dirty_page *end, intptr_t limit,
                                                                 int nt, int prefetch) {
    const uint64_t inside = (uint64_t)limit >> 12;         /* pages [0, inside) end inside the file */
    for (; p < end; p++) {
        uint64_t b = p->bits;
        if (prefetch) snapshot_prefetch_page_lines(s, p[SNAPSHOT_PREFETCH_PAGES].page, p[SNAPSHOT_PREFETCH_PAGES].bits);
        const uintptr_t off = (uintptr_t)p->page << 12;
        if (__builtin_expect(p->page >= inside, 0)) {      /* the file's last page */
            for (; b; b &= b - 1) {
                uintptr_t lo = off + 64 * (unsigned)__builtin_ctzll(b);
                if (lo >= (uintptr_t)limit) break;
                size_t len = (uintptr_t)limit - lo < 64 ? (size_t)((uintptr_t)limit - lo) : 64;
                if (nt) nt_copy_one(d + lo, s + lo, len);
                else memcpy(d + lo, s + lo, len);
            }
            continue;
        }
        if (__builtin_expect((b & (b - 1)) == 0, 1)) {     /* one line: the usual page */
            const uintptr_t lo = off + 64 * (unsigned)__builtin_ctzll(b);
            if (nt) snapshot_stream_line_aligned(d + lo, s + lo);
            else memcpy(d + lo, s + lo, 64);
            continue;
        }
        if (__builtin_expect(b == ~0ull, 0)) {             /* whole pages */
            size_t len = 4096;
            while (p + 1 < end && p[1].bits == ~0ull && p[1].page == p->page + 1 && p[1].page < inside) {
                p++;
                len += 4096;
            }
            if (nt) nt_copy_one(d + off, s + off, len);
            else memcpy(d + off, s + off, len);
            continue;
        }
        do {                                               /* b != 0: every page names a line */
            const uintptr_t lo = off + 64 * (unsigned)__builtin_ctzll(b);
            if (nt) snapshot_stream_line_aligned(d + lo, s + lo);
            else memcpy(d + lo, s + lo, 64);
            b &= b - 1;
        } while (b);
    }
}

/* The page loop twice: with the prefetch for all but the last pages of a large commit (more than
 * SNAPSHOT_PREFETCH_MIN_PAGES, snapshot_pmem.h), without for a smaller commit's every page (no
 * test per page). */
static inline __attribute__((always_inline)) void copy_pages(unsigned char *d, const unsigned char *s,
                                                            const struct snapshot_dirty_page *p, size_t n,
                                                            intptr_t limit, int nt) {
    const struct snapshot_dirty_page *const end = p + n;
    if (__builtin_expect(n > SNAPSHOT_PREFETCH_MIN_PAGES, 0)) {
        copy_page_range(d, s, p, end - SNAPSHOT_PREFETCH_PAGES, limit, nt, 1);
        p = end - SNAPSHOT_PREFETCH_PAGES;
    }
    copy_page_range(d, s, p, end, limit, nt, 0);
}

static void copy_pages_nt(void *d, const void *s, const struct snapshot_dirty_page *pages, size_t n, intptr_t limit) {
    copy_pages(d, s, pages, n, limit, 1);
}
/* The same loop built for AVX2: each line two 32-byte loads and two 32-byte streaming stores. */
__attribute__((target("avx2"))) static void copy_pages_nt_wide(void *d, const void *s,
                                                              const struct snapshot_dirty_page *pages, size_t n,
                                                              intptr_t limit) {
    copy_pages(d, s, pages, n, limit, 1);
}
static void copy_pages_plain(void *d, const void *s, const struct snapshot_dirty_page *pages, size_t n, intptr_t limit) {
    copy_pages(d, s, pages, n, limit, 0);
}

/* The line width of the commit's page loops: 32 bytes where the CPU has AVX2. Not 64 (AVX-512),
 * though it would save two more instructions per line: on Skylake and Cascade Lake Xeons a
 * 512-bit store, even a light one, drops the core to a lower frequency licence for about a
 * millisecond, so a program committing every few microseconds would run all its code at that
 * clock; 256-bit loads and stores never change the licence. And valgrind, which counts the
 * commit's instructions (bench/runtime/instructions.sh), runs AVX2 but not AVX-512. */
static int wide_lines = -1;
static int wide_lines_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
int snapshot_wide_lines(void) {
    if (__builtin_expect(wide_lines < 0, 0)) wide_lines = wide_lines_supported();
    return wide_lines;
}
void snapshot_set_wide_lines(int wide) { wide_lines = wide && wide_lines_supported(); }

snapshot_copy_pages_fn snapshot_copy_pages_routine(int nontemporal) {
    return !nontemporal ? copy_pages_plain : snapshot_wide_lines() ? copy_pages_nt_wide : copy_pages_nt;
}

void snapshot_copy_pages(void *dst, const void *src, const struct snapshot_dirty_page *pages, size_t n,
                         intptr_t limit, int nontemporal) {
    snapshot_copy_pages_routine(nontemporal)(dst, src, pages, n, limit);
}

__attribute__((target("sse4.2"))) static uint32_t crc_small(const unsigned char *s, size_t n) {
    uint64_t c = 0xFFFFFFFFu;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        c = _mm_crc32_u64(c, w);
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *s++);
    return ~c32;
}

static int crc_hw = -1;  /* snapshot_crc32c_hardware(), cached: it is asked on every segment */

uint32_t snapshot_nt_copy_crc(void *dst, const void *src, size_t len) {
    if (__builtin_expect(crc_hw < 0, 0)) crc_hw = snapshot_crc32c_hardware();
    if (len >= 256 || !crc_hw) return snapshot_copy_segment_crc(dst, src, len, 1);
    uint32_t crc = crc_small(src, len);   /* the segment checksum of a short segment: plain CRC-32C */
    nt_small(dst, src, len);
    return crc;
}

__attribute__((target("sse4.2"))) static uint32_t crc_u32_hw(uint32_t crc, uint32_t v) {
    return ~_mm_crc32_u32(~crc, v);
}

uint32_t snapshot_crc32c_u32(uint32_t crc, uint32_t v) {
    if (__builtin_expect(crc_hw < 0, 0)) crc_hw = snapshot_crc32c_hardware();
    if (crc_hw) return crc_u32_hw(crc, v);
    uint32_t le = v;  /* x86 is little-endian: the 4 bytes in order */
    return snapshot_crc32c(crc, &le, 4);
}
#else
void snapshot_nt_copy(void *dst, const void *src, size_t len) { snapshot_pmem_memcpy_nt(dst, src, len); }
int snapshot_wide_lines(void) { return 0; }
void snapshot_set_wide_lines(int wide) { (void)wide; }
void snapshot_copy_pages(void *dst, const void *src, const struct snapshot_dirty_page *pages, size_t n,
                         intptr_t limit, int nontemporal) {
    for (size_t k = 0; k < n; k++)
        for (uint64_t b = pages[k].bits; b; b &= b - 1) {
            intptr_t lo = (intptr_t)(pages[k].page << 12) + 64 * __builtin_ctzll(b);
            if (lo >= limit) break;
            size_t len = limit - lo < 64 ? (size_t)(limit - lo) : 64;
            if (nontemporal) snapshot_pmem_memcpy_nt((char *)dst + lo, (const char *)src + lo, len);
            else memcpy((char *)dst + lo, (const char *)src + lo, len);
        }
}
static void copy_pages_nt(void *d, const void *s, const struct snapshot_dirty_page *pages, size_t n, intptr_t limit) {
    snapshot_copy_pages(d, s, pages, n, limit, 1);
}
static void copy_pages_plain(void *d, const void *s, const struct snapshot_dirty_page *pages, size_t n, intptr_t limit) {
    snapshot_copy_pages(d, s, pages, n, limit, 0);
}
snapshot_copy_pages_fn snapshot_copy_pages_routine(int nontemporal) { return nontemporal ? copy_pages_nt : copy_pages_plain; }
uint32_t snapshot_nt_copy_crc(void *dst, const void *src, size_t len) { return snapshot_copy_segment_crc(dst, src, len, 1); }
uint32_t snapshot_crc32c_u32(uint32_t crc, uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    return snapshot_crc32c(crc, b, 4);
}
#endif
