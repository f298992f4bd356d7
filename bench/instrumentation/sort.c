/* Sorting: quicksort (in-place swaps) and bottom-up merge sort (copies between heap buffers). */
#include "common.h"
#include <string.h>

static void quicksort(uint32_t *a, long lo, long hi) {
  while (hi - lo > 16) {
    uint32_t p = a[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
  }
  for (long i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

static void mergesort(uint32_t *a, uint32_t *tmp, long n) {
  for (long w = 1; w < n; w *= 2) {
    for (long lo = 0; lo < n; lo += 2 * w) {
      long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      long i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    uint32_t *t = a; a = tmp; tmp = t;
    memcpy(tmp, a, (size_t)n * sizeof *a);
  }
}

int main(int argc, char **argv) {
  long n = scale_arg(argc, argv, 2000000);
  uint32_t *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b), *t = xmalloc(n * sizeof *t);
  for (long i = 0; i < n; i++) a[i] = b[i] = (uint32_t)rng();
  quicksort(a, 0, n - 1);
  mergesort(b, t, n);
  uint64_t sum = 0;
  for (long i = 0; i < n; i++) sum = sum * 31 + (a[i] ^ b[i]) + a[i];
  printf("sort %ld %llu\n", n, (unsigned long long)sum);
  return 0;
}
