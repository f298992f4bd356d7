/* The body of a redo record in one call: the descriptor block (the commit's dirty pages), then
 * each page's dirty lines at consecutive 64-byte slots, checksummed as they are copied. A small
 * commit copies a handful of scattered lines; one call per line, or per run, cost more than the
 * lines themselves. Here a page of up to three lines is copied with four 16-byte streaming stores
 * per line while the same line is checksummed with eight crc32 instructions from L1; a page of
 * more lines feeds the four-lane checksum line by line (page_lanes), and so does a run of whole
 * pages, prefetched (whole_pages_nt). Every segment has one definition of its checksum
 * (snapshot_segment_crc), whichever loop computes it. */
#include "snapshot_pmem.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

/* Raw CRC-32C (no inversion) of whole 64-byte lines, streamed to d (nt) or stored (plain). The
 * checksum reads the source words again (crc32 takes a memory operand, and the line is in L1 from
 * the vector loads): cheaper than moving each 8-byte half out of the vector registers. */
__attribute__((target("sse4.2"))) static inline uint64_t lines_crc(unsigned char *d, const unsigned char *s,
                                                                    size_t n, uint64_t c, int nt) {
    for (; n; n -= 64, s += 64, d += 64) {
        if (nt) snapshot_stream_line_aligned(d, s);
        else memcpy(d, s, 64);
        for (int k = 0; k < 64; k += 8) {
            uint64_t w;
            memcpy(&w, s + k, 8);
            c = _mm_crc32_u64(c, w);
        }
    }
    return c;
}

/* Whole 64-byte lines, no checksum. */
static inline void copy_lines(unsigned char *d, const unsigned char *s, size_t n, int nt) {
    for (; n; n -= 64, s += 64, d += 64)
        for (int i = 0; i < 64; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            if (nt) _mm_stream_si128((__m128i *)(void *)(d + i), v);
            else _mm_storeu_si128((__m128i *)(void *)(d + i), v);
        }
}

/* One contiguous segment: copied to d, its snapshot_segment_crc returned. */
__attribute__((target("sse4.2"), always_inline)) static inline uint32_t segment(unsigned char *d, const unsigned char *s,
                                                                  size_t n, int nt) {
    if (n < 256 && (n & 63) == 0 && (!nt || ((uintptr_t)d & 63) == 0))
        return ~(uint32_t)lines_crc(d, s, n, 0xFFFFFFFFu, nt);
    if (nt && n < 256) return snapshot_nt_copy_crc(d, s, n);
    return snapshot_copy_segment_crc(d, s, n, nt);
}

/* The descriptor block: checksummed over its bytes (a multiple of 4), copied as whole lines up
 * to the first slot (the padding after it is not checksummed, so it may hold whatever the buffer
 * held). */
__attribute__((target("sse4.2"), always_inline)) static inline uint32_t head_segment(unsigned char *d, const unsigned char *h,
                                                                       size_t len, size_t slots_start, int nt) {
    if (len < 256 && (!nt || ((uintptr_t)d & 63) == 0)) {
        uint64_t c = 0xFFFFFFFFu;
        size_t k = 0;
        /* A few words (4 bytes a page): a full unroll added more set-up than it saved. */
#pragma clang loop unroll_count(2)
        for (; k + 8 <= len; k += 8) {
            uint64_t w;
            memcpy(&w, h + k, 8);
            c = _mm_crc32_u64(c, w);
        }
        uint32_t c32 = (uint32_t)c;
        if (len & 4) {
            uint32_t w;
            memcpy(&w, h + k, 4);
            c32 = _mm_crc32_u32(c32, w);
        }
        if (__builtin_expect(slots_start == 64, 1)) {  /* up to 15 pages: one line */
            if (nt) snapshot_stream_line_aligned(d, h);
            else memcpy(d, h, 64);
        } else {
            copy_lines(d, h, slots_start, nt);
        }
        return ~c32;
    }
    return segment(d, h, len, nt);
}

/* One page's lines `b` of ps as one segment, in the four lanes of snapshot_segment_crc fed line by
 * line (a line is two whole 32-byte blocks), folded inline: the checksum of a page of more than
 * three lines, or of a whole page. `prefetch`: the source PREFETCH bytes ahead (a run of whole
 * pages, contiguous in the file: without it each line waits for memory). */
#define PREFETCH 2048
__attribute__((target("sse4.2"), always_inline)) static inline uint32_t page_lanes(unsigned char *d, const unsigned char *ps,
                                                                     uint64_t b, int nt, int prefetch) {
    uint64_t c0 = 0xFFFFFFFFu, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu, c3 = 0xFFFFFFFFu;
    for (; b; b &= b - 1, d += 64) {
        const unsigned char *s = ps + 64 * (unsigned)__builtin_ctzll(b);
        if (prefetch) _mm_prefetch((const char *)s + PREFETCH, _MM_HINT_T0);   /* never faults */
        if (nt) snapshot_stream_line_aligned(d, s);
        else memcpy(d, s, 64);
        uint64_t w[8];
        memcpy(w, s, 64);
        c0 = _mm_crc32_u64(c0, w[0]); c1 = _mm_crc32_u64(c1, w[1]); c2 = _mm_crc32_u64(c2, w[2]); c3 = _mm_crc32_u64(c3, w[3]);
        c0 = _mm_crc32_u64(c0, w[4]); c1 = _mm_crc32_u64(c1, w[5]); c2 = _mm_crc32_u64(c2, w[6]); c3 = _mm_crc32_u64(c3, w[7]);
    }
    /* The fold of snapshot_segment_crc: CRC-32C of the four inverted lanes as 16 LE bytes. */
    uint64_t lo = (uint64_t)(uint32_t)~c0 | (uint64_t)(uint32_t)~c1 << 32;
    uint64_t hi = (uint64_t)(uint32_t)~c2 | (uint64_t)(uint32_t)~c3 << 32;
    return ~(uint32_t)_mm_crc32_u64(_mm_crc32_u64(0xFFFFFFFFu, lo), hi);
}

/* A run of `count` whole pages, contiguous in the file, to consecutive slots, streamed: each page
 * one segment, the source prefetched across the pages' boundaries. Copied page by page through
 * snapshot_copy_segment_crc, each page's first lines waited for memory (its prefetch started
 * over) and a large commit ran at ~80% of this loop's bandwidth. `raw`: the chain so far,
 * uninverted (as the caller's loop keeps it); returns it over the pages too. */
__attribute__((target("sse4.2"), noinline)) static uint32_t whole_pages_nt(unsigned char *d, const unsigned char *s,
                                                         size_t count, uint32_t raw) {
    for (; count; count--, d += 4096, s += 4096) raw = _mm_crc32_u32(raw, page_lanes(d, s, ~0ull, 1, 1));
    return raw;
}

/* Pages [p, end) of the body to consecutive slots from *slotp; returns the chain `raw` (uninverted:
 * crc32c_u32(chain, v) is ~crc32(~chain, v), and the inversions cancel between pages) over them.
 * A page of at most three lines (the usual case of a small commit) is one chain over its lines,
 * kept in a register across them. `prefetch`: each page prefetches the lines of the page
 * SNAPSHOT_PREFETCH_PAGES ahead (the caller stops that many before the end). */
__attribute__((target("sse4.2,popcnt"))) static inline __attribute__((always_inline)) uint32_t
body_pages(uint32_t raw, unsigned char **slotp, const struct snapshot_dirty_page *p, const struct snapshot_dirty_page *end,
           const unsigned char *src, int nt, int prefetch) {
    unsigned char *slot = *slotp;
    for (; p < end; p++) {
        uint64_t b = p->bits;
        const unsigned char *ps = src + (p->page << 12);
        if (prefetch) snapshot_prefetch_page_lines(src, p[SNAPSHOT_PREFETCH_PAGES].page, p[SNAPSHOT_PREFETCH_PAGES].bits);
        uint32_t seg;
        if (__builtin_expect((b & (b - 1)) == 0, 1)) {   /* one line: the usual page of a small commit */
            seg = ~(uint32_t)lines_crc(slot, ps + 64 * (unsigned)__builtin_ctzll(b), 64, 0xFFFFFFFFu, nt);
            slot += 64;
            raw = _mm_crc32_u32(raw, seg);
            continue;
        }
        unsigned lines = (unsigned)__builtin_popcountll(b);
        if (__builtin_expect(lines <= 3, 1)) {
            uint64_t c = 0xFFFFFFFFu;
            do {                                           /* b != 0: every page names a line */
                c = lines_crc(slot, ps + 64 * (unsigned)__builtin_ctzll(b), 64, c, nt);
                slot += 64;
                b &= b - 1;
            } while (b);
            seg = ~(uint32_t)c;
        } else if (lines == 64) {
            if (nt) {                                      /* with the whole pages after it */
                size_t count = 1;
                while (p + 1 < end && p[1].bits == ~0ull && p[1].page == p->page + 1) { p++; count++; }
                raw = whole_pages_nt(slot, ps, count, raw);
                slot += 4096 * count;
                continue;
            }
            seg = segment(slot, ps, 4096, nt);
            slot += 4096;
        } else {
            seg = page_lanes(slot, ps, b, nt, 0);
            slot += 64 * lines;
        }
        raw = _mm_crc32_u32(raw, seg);
    }
    *slotp = slot;
    return raw;
}

/* Compiled once per store kind (nt constant, body_hw_nt / body_hw_plain), so the line loops test
 * nothing per line; the page loop twice, with the prefetch (all but the last pages of a large
 * commit, snapshot_pmem.h) and without (a smaller commit's every page: no test per page). */
__attribute__((target("sse4.2,popcnt"))) static inline __attribute__((always_inline)) uint32_t
body_hw(unsigned char *dst, const unsigned char *desc, size_t desc_len, size_t slots_start,
        const struct snapshot_dirty_page *pages, size_t n, const unsigned char *src, int nt) {
    uint32_t raw = _mm_crc32_u32(0xFFFFFFFFu, head_segment(dst, desc, desc_len, slots_start, nt));
    unsigned char *slot = dst + slots_start;
    const struct snapshot_dirty_page *const end = pages + n, *p = pages;
    if (__builtin_expect(n > SNAPSHOT_PREFETCH_MIN_PAGES, 0)) {
        raw = body_pages(raw, &slot, p, end - SNAPSHOT_PREFETCH_PAGES, src, nt, 1);
        p = end - SNAPSHOT_PREFETCH_PAGES;
    }
    return ~body_pages(raw, &slot, p, end, src, nt, 0);
}

__attribute__((target("sse4.2,popcnt"))) static uint32_t body_hw_nt(void *dst, const void *desc, size_t desc_len,
                                                                    size_t slots_start, const struct snapshot_dirty_page *pages,
                                                                    size_t n, const void *src) {
    return body_hw(dst, desc, desc_len, slots_start, pages, n, src, 1);
}
/* The streaming build for AVX2 (snapshot_wide_lines): each line two 32-byte loads and stores. */
__attribute__((target("sse4.2,popcnt,avx2"))) static uint32_t body_hw_nt_wide(void *dst, const void *desc, size_t desc_len,
                                                                                 size_t slots_start,
                                                                                 const struct snapshot_dirty_page *pages,
                                                                                 size_t n, const void *src) {
    return body_hw(dst, desc, desc_len, slots_start, pages, n, src, 1);
}
__attribute__((target("sse4.2,popcnt"))) static uint32_t body_hw_plain(void *dst, const void *desc, size_t desc_len,
                                                                       size_t slots_start, const struct snapshot_dirty_page *pages,
                                                                       size_t n, const void *src) {
    return body_hw(dst, desc, desc_len, slots_start, pages, n, src, 0);
}
#endif

/* Portable: the same bytes and checksums through the general routines, line by line into a
 * page's slots, then the segment's checksum read back from the copy (plain stores) or from the
 * source lines gathered into a buffer (streaming: the copy is not to be read). */
static uint32_t body_general(unsigned char *dst, const void *desc, size_t desc_len, size_t slots_start,
                             const struct snapshot_dirty_page *pages, size_t n, const unsigned char *src, int nt) {
    uint32_t chain = snapshot_crc32c_u32(0, snapshot_copy_segment_crc(dst, desc, desc_len, nt));
    unsigned char *slot = dst + slots_start;
    unsigned char gathered[4096];
    for (size_t k = 0; k < n; k++) {
        const unsigned char *ps = src + (pages[k].page << 12);
        size_t len = 0;
        for (uint64_t b = pages[k].bits; b; b &= b - 1, len += 64)
            memcpy(gathered + len, ps + 64 * (unsigned)__builtin_ctzll(b), 64);
        chain = snapshot_crc32c_u32(chain, snapshot_copy_segment_crc(slot, gathered, len, nt));
        slot += len;
    }
    return chain;
}

static uint32_t body_general_nt(void *dst, const void *desc, size_t desc_len, size_t slots_start,
                                const struct snapshot_dirty_page *pages, size_t n, const void *src) {
    return body_general(dst, desc, desc_len, slots_start, pages, n, src, 1);
}
static uint32_t body_general_plain(void *dst, const void *desc, size_t desc_len, size_t slots_start,
                                   const struct snapshot_dirty_page *pages, size_t n, const void *src) {
    return body_general(dst, desc, desc_len, slots_start, pages, n, src, 0);
}

long snapshot_desc_encode(const struct snapshot_dirty_page *pages, size_t n, unsigned char *desc, size_t *lines) {
    size_t bytes = 0, more = 0;
    uint64_t next = 0;
    for (size_t k = 0; k < n; k++) {
        if (pages[k].bits == 0 || pages[k].page < next) return -1;
        bytes += snapshot_desc_put(desc + bytes, next, pages[k].page, pages[k].bits);
        more += (size_t)__builtin_popcountll(pages[k].bits) - 1;
        next = pages[k].page + 1;
    }
    *lines = n + more;
    return (long)bytes;
}

/* The one choice of routine: hardware CRC-32C (and popcnt) and the store kind. */
snapshot_record_body_fn snapshot_record_body_routine(int nontemporal) {
#if defined(__x86_64__)
    if (snapshot_crc32c_hardware() && __builtin_cpu_supports("popcnt"))
        return !nontemporal ? body_hw_plain : snapshot_wide_lines() ? body_hw_nt_wide : body_hw_nt;
#endif
    return nontemporal ? body_general_nt : body_general_plain;
}
