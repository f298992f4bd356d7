/* Write path: masked stores, scatters and compress stores, as produced by -O3 -march=native
 * vectorisation (masked.store, masked.scatter) and by AVX/AVX-512 intrinsics in the source
 * (masked.compressstore, x86 maskstore/maskmov, x86 avx512 scatter). Built with -march=native:
 * the AVX and AVX-512 cases compile (and run) only where the CPU has those features. */
#include "recorder.h"
#include <immintrin.h>
#include <stdint.h>

static float src[1024];
static int idx[1024];

#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int n)
/* if-converted loop: llvm.masked.store */
CASE(v_cond_store) { float *restrict a = (float *)b; for (int i = 0; i < n; i++) if (src[i] > 0.5f) a[i] = src[i]; }
/* indexed store: llvm.masked.scatter */
__attribute__((noinline)) static void scatter(float *restrict a, const int *restrict ix, const float *restrict s, int n) { for (int i = 0; i < n; i++) a[ix[i]] = s[i]; }
CASE(v_scatter) { scatter((float *)b, idx, src, n); }
/* conditional indexed store: masked.scatter with a real mask */
__attribute__((noinline)) static void cond_scatter(float *restrict a, const int *restrict ix, const float *restrict s, int n) { for (int i = 0; i < n; i++) if (s[i] > 0.3f) a[ix[i]] = s[i] + 1; }
CASE(v_cond_scatter) { cond_scatter((float *)b, idx, src, n); }
#ifdef __AVX512F__
CASE(v_compress) { for (int i = 0; i + 16 <= n; i += 16) _mm512_mask_compressstoreu_ps((float *)b + i, (__mmask16)(0x5a5a + i), _mm512_loadu_ps(src + i)); }
CASE(v_mask_storeu) { _mm512_mask_storeu_ps((float *)b + 3, (__mmask16)0x8421, _mm512_set1_ps(2.5f)); }
CASE(v_x86_scatter) { _mm512_mask_i32scatter_ps(b, (__mmask16)0xf0f1, _mm512_loadu_si512(idx), _mm512_set1_ps(-1.0f), 4); }
#endif
#ifdef __AVX__
CASE(v_maskstore256) { _mm256_maskstore_ps((float *)b + 5, _mm256_set_epi32(-1, 0, -1, 0, 0, -1, -1, 0), _mm256_set1_ps(7.0f)); }
CASE(v_maskmov) { _mm_maskmoveu_si128(_mm_set1_epi8(0x42), _mm_set_epi8(-1, 0, 0, -1, 0, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0, -1), (char *)b + 9); }
#endif
CASE(v_stream) { for (int i = 0; i < n; i += 4) _mm_stream_ps((float *)b + i, _mm_set1_ps((float)i)); _mm_sfence(); }

int main(void) {
  for (int i = 0; i < 1024; i++) {
    src[i] = (float)((i * 7919) % 1000) / 1000.0f;
    idx[i] = (i * 37) % 1024;
  }
  unsigned char *b = rec_buf();
  int fail = 0;
#define RUN(fn, off, n, min) rec_begin(); fn(b + off, n); fail |= rec_check(#fn, min);
  RUN(v_cond_store, 64, 1000, 1500) RUN(v_scatter, 8192, 1000, 3000)
  RUN(v_cond_scatter, 16384, 1000, 2000)
#ifdef __AVX512F__
  RUN(v_compress, 24576, 512, 1000) RUN(v_mask_storeu, 32768, 0, 12) RUN(v_x86_scatter, 40960, 0, 30)
#endif
#ifdef __AVX__
  RUN(v_maskstore256, 49152, 0, 12)
#endif
  RUN(v_maskmov, 50000, 0, 5) RUN(v_stream, 51200, 256, 900)
  return fail;
}
