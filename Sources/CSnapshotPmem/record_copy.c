/* The body of a redo record in one call: the descriptor block, then each run's new contents at its
 * 64-byte slot, checksummed as they are copied. A small commit copies a handful of 64-byte lines; one call per line cost more than the lines
 * themselves (call, dispatch, checksum chaining through a second call). Here the common segment,
 * whole lines below 256 bytes, is copied with four 16-byte streaming stores per line while the
 * same line is checksummed with eight crc32 instructions from L1. Anything else goes through the
 * general routines of nt_copy.c / copy_crc.c, so every segment has one definition of its checksum
 * (snapshot_segment_crc) and of its copy. */
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
        if (nt) snapshot_stream_line(d, s);
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

/* One segment: copied to d, its snapshot_segment_crc returned. */
__attribute__((target("sse4.2"), always_inline)) static inline uint32_t segment(unsigned char *d, const unsigned char *s,
                                                                  size_t n, int nt) {
    if (n < 256 && (n & 63) == 0 && (!nt || ((uintptr_t)d & 63) == 0))
        return ~(uint32_t)lines_crc(d, s, n, 0xFFFFFFFFu, nt);
    if (nt && n < 256) return snapshot_nt_copy_crc(d, s, n);
    return snapshot_copy_segment_crc(d, s, n, nt);
}

/* The descriptor block: checksummed over its bytes, copied as whole lines up to the first slot
 * (the padding after it is not checksummed, so it may hold whatever the buffer held). */
__attribute__((target("sse4.2"), always_inline)) static inline uint32_t head_segment(unsigned char *d, const unsigned char *h,
                                                                       size_t len, size_t slots_start, int nt) {
    if (slots_start < 256 && (slots_start & 63) == 0 && (!nt || ((uintptr_t)d & 63) == 0)) {
        uint64_t c = 0xFFFFFFFFu;
        size_t k = 0;
        for (; k + 8 <= len; k += 8) {
            uint64_t w;
            memcpy(&w, h + k, 8);
            c = _mm_crc32_u64(c, w);
        }
        uint32_t c32 = (uint32_t)c;
        size_t rest = len - k;
        if (rest & 4) { uint32_t w; memcpy(&w, h + k, 4); c32 = _mm_crc32_u32(c32, w); k += 4; }
        if (rest & 2) { uint16_t w; memcpy(&w, h + k, 2); c32 = _mm_crc32_u16(c32, w); k += 2; }
        if (rest & 1) c32 = _mm_crc32_u8(c32, h[k]);
        copy_lines(d, h, slots_start, nt);
        return ~c32;
    }
    return segment(d, h, len, nt);
}

/* Compiled once per store kind (nt constant, body_hw_nt / body_hw_plain), so the line loops test
 * nothing per line. */
__attribute__((target("sse4.2"))) static inline __attribute__((always_inline)) uint32_t
body_hw(unsigned char *dst, const void *head, size_t head_len, size_t slots_start, const unsigned char *src,
        const struct snapshot_copy_run *runs, size_t n, intptr_t limit, int nt) {
    uint32_t chain = ~_mm_crc32_u32(0xFFFFFFFFu, head_segment(dst, head, head_len, slots_start, nt));
    unsigned char *slot = dst + slots_start;
    for (size_t k = 0; k < n; k++) {
        intptr_t off = runs[k].offset, end = off + runs[k].length;
        size_t len = (size_t)((end < limit ? end : limit) - off);
        chain = ~_mm_crc32_u32(~chain, segment(slot, src + off, len, nt));
        slot += ((size_t)runs[k].length + 63) & ~(size_t)63;
    }
    return chain;
}

__attribute__((target("sse4.2"))) static uint32_t body_hw_nt(unsigned char *dst, const void *head, size_t head_len,
                                                             size_t slots_start, const unsigned char *src,
                                                             const struct snapshot_copy_run *runs, size_t n,
                                                             intptr_t limit) {
    return body_hw(dst, head, head_len, slots_start, src, runs, n, limit, 1);
}
__attribute__((target("sse4.2"))) static uint32_t body_hw_plain(unsigned char *dst, const void *head, size_t head_len,
                                                                size_t slots_start, const unsigned char *src,
                                                                const struct snapshot_copy_run *runs, size_t n,
                                                                intptr_t limit) {
    return body_hw(dst, head, head_len, slots_start, src, runs, n, limit, 0);
}
#endif

/* Portable: the same bytes and checksums through the general routines. */
static uint32_t body_general(unsigned char *dst, const void *head, size_t head_len, size_t slots_start,
                             const unsigned char *src, const struct snapshot_copy_run *runs, size_t n,
                             intptr_t limit, int nt) {
    uint32_t chain = snapshot_crc32c_u32(0, snapshot_copy_segment_crc(dst, head, head_len, nt));
    unsigned char *slot = dst + slots_start;
    for (size_t k = 0; k < n; k++) {
        intptr_t off = runs[k].offset, end = off + runs[k].length;
        size_t len = (size_t)((end < limit ? end : limit) - off);
        chain = snapshot_crc32c_u32(chain, snapshot_copy_segment_crc(slot, src + off, len, nt));
        slot += ((size_t)runs[k].length + 63) & ~(size_t)63;
    }
    return chain;
}

static uint32_t body_general_nt(unsigned char *dst, const void *head, size_t head_len, size_t slots_start,
                                const unsigned char *src, const struct snapshot_copy_run *runs, size_t n,
                                intptr_t limit) {
    return body_general(dst, head, head_len, slots_start, src, runs, n, limit, 1);
}
static uint32_t body_general_plain(unsigned char *dst, const void *head, size_t head_len, size_t slots_start,
                                   const unsigned char *src, const struct snapshot_copy_run *runs, size_t n,
                                   intptr_t limit) {
    return body_general(dst, head, head_len, slots_start, src, runs, n, limit, 0);
}

/* The one choice of routine: hardware CRC-32C and the store kind. */
snapshot_record_body_fn snapshot_record_body_routine(int nontemporal) {
#if defined(__x86_64__)
    if (snapshot_crc32c_hardware()) return (snapshot_record_body_fn)(nontemporal ? body_hw_nt : body_hw_plain);
#endif
    return (snapshot_record_body_fn)(nontemporal ? body_general_nt : body_general_plain);
}

uint32_t snapshot_copy_record_body(void *dst, const void *head, size_t head_len, size_t slots_start,
                                   const void *src, const struct snapshot_copy_run *runs, size_t n,
                                   intptr_t limit, int nontemporal) {
    return snapshot_record_body_routine(nontemporal)(dst, head, head_len, slots_start, src, runs, n, limit);
}
