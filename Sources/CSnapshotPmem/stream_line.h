/* One 64-byte line streamed with four 16-byte non-temporal stores (SSE2, every x86-64): the store
 * every copy of the commit path is made of (nt_copy.c, copy_crc.c, record_copy.c). d must be
 * 16-byte aligned; s need not be. Durable after the next snapshot_pmem_drain(). */
#ifndef SNAPSHOT_STREAM_LINE_H
#define SNAPSHOT_STREAM_LINE_H
#if defined(__x86_64__)
#include <immintrin.h>

static inline __attribute__((always_inline)) void snapshot_stream_line(unsigned char *d, const unsigned char *s) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
    __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
    _mm_stream_si128((__m128i *)(void *)d, a);
    _mm_stream_si128((__m128i *)(void *)(d + 16), b);
    _mm_stream_si128((__m128i *)(void *)(d + 32), c);
    _mm_stream_si128((__m128i *)(void *)(d + 48), e);
}
#endif
#endif
