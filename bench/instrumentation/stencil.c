/* Numeric kernels: a 2-D Jacobi stencil between two heap grids and a sieve of Eratosthenes. */
#include "common.h"

int main(int argc, char **argv) {
  long n = scale_arg(argc, argv, 700);
  double *a = xmalloc(sizeof(double) * n * n), *b = xmalloc(sizeof(double) * n * n);
  for (long i = 0; i < n * n; i++) a[i] = b[i] = (double)(rng() % 1000);
  for (int it = 0; it < 20; it++) {
    for (long i = 1; i < n - 1; i++)
      for (long j = 1; j < n - 1; j++)
        b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j] + a[i * n + j - 1] + a[i * n + j + 1]);
    double *t = a; a = b; b = t;
  }
  long m = n * n * 8;
  char *sieve = xmalloc(m);
  for (long i = 0; i < m; i++) sieve[i] = 1;
  long primes = 0;
  for (long i = 2; i < m; i++)
    if (sieve[i]) { primes++; for (long k = i * i; k < m; k += i) sieve[k] = 0; }
  printf("stencil %ld %.6f %ld\n", n, a[(n / 2) * n + n / 2], primes);
  return 0;
}
