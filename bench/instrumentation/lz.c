/* A compressor: LZ77 with a hash-chain match finder (writes the hash head/chain tables and the
 * output stream byte by byte), then the decompressor, and a round-trip check. */
#include "common.h"
#include <string.h>

#define WIN 65536
#define HBITS 15
static long compress(const uint8_t *in, long n, uint8_t *out, int32_t *head, int32_t *chain) {
  long o = 0, i = 0;
  for (long k = 0; k < (1 << HBITS); k++) head[k] = -1;
  while (i < n) {
    long best = 0, dist = 0;
    if (i + 3 <= n) {
      uint32_t h = ((uint32_t)in[i] * 2654435761u ^ (uint32_t)in[i + 1] * 40503u ^ in[i + 2]) >> (32 - HBITS);
      int32_t c = head[h];
      for (int tries = 0; c >= 0 && i - c < WIN && tries < 16; tries++, c = chain[c % WIN]) {
        long l = 0;
        while (i + l < n && l < 258 && in[c + l] == in[i + l]) l++;
        if (l > best) { best = l; dist = i - c; }
      }
      chain[i % WIN] = head[h];
      head[h] = (int32_t)i;
    }
    if (best >= 4) {
      out[o++] = 0xff; out[o++] = (uint8_t)(best - 4); out[o++] = (uint8_t)dist; out[o++] = (uint8_t)(dist >> 8);
      i += best;
    } else {
      if (in[i] == 0xff) out[o++] = 0xff, out[o++] = 0xff, out[o++] = 0, out[o++] = 0;
      else out[o++] = in[i];
      i++;
    }
  }
  return o;
}
static long decompress(const uint8_t *in, long n, uint8_t *out) {
  long o = 0;
  for (long i = 0; i < n;) {
    if (in[i] != 0xff) { out[o++] = in[i++]; continue; }
    long len = in[i + 1] + 4, dist = in[i + 2] | (long)in[i + 3] << 8;
    if (dist == 0) { out[o++] = 0xff; i += 4; continue; }
    for (long k = 0; k < len; k++, o++) out[o] = out[o - dist];
    i += 4;
  }
  return o;
}

int main(int argc, char **argv) {
  long n = scale_arg(argc, argv, 3000000);
  uint8_t *in = xmalloc(n), *out = xmalloc(2 * n + 16), *back = xmalloc(n + 300);
  int32_t *head = xmalloc(sizeof(int32_t) << HBITS), *chain = xmalloc(sizeof(int32_t) * WIN);
  static const char *words[] = {"snapshot ", "persistent ", "memory ", "msync ", "commit ", "log ", "line ", "the ", "a ", "of "};
  for (long i = 0; i < n;) {
    const char *w = words[rng() % 10];
    for (; *w && i < n; w++) in[i++] = (uint8_t)(rng() % 50 == 0 ? rng() : *w);
  }
  long c = compress(in, n, out, head, chain);
  long d = decompress(out, c, back);
  if (d != n || memcmp(in, back, n)) { printf("lz round trip FAILED\n"); return 1; }
  printf("lz %ld -> %ld\n", n, c);
  return 0;
}
