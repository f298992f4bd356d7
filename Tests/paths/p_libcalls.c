/* Write path: C library functions writing through a pointer argument into the working buffer.
 * Built plain, with -fno-builtin (every call stays a call) and with -D_FORTIFY_SOURCE=2 (glibc's
 * __*_chk variants). */
#define _GNU_SOURCE
#include "recorder.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char text[] = "The quick brown fox jumps over the lazy dog; 0123456789 and more text\n"
                           "second line of the stream\nthird\n";
static FILE *stream(void) { return fmemopen((void *)text, sizeof text - 1, "r"); }

#define CASE(name) __attribute__((noinline)) static void name(unsigned char *b, int o)
CASE(c_read) {
  int p[2];
  if (pipe(p)) abort();
  if (write(p[1], text, 50) != 50) abort();
  if (read(p[0], b + o, 200) != 50) abort();
  close(p[0]); close(p[1]);
}
CASE(c_pread) {
  FILE *f = tmpfile();
  if (!f || pwrite(fileno(f), text, 60, 0) != 60) abort();
  if (pread(fileno(f), b + o, 100, 10) != 50) abort();
  fclose(f);
}
CASE(c_fread) { FILE *f = stream(); if (fread(b + o, 7, 100, f) != (sizeof text - 1) / 7) abort(); /* + a partial item */ fclose(f); }
CASE(c_fgets) { FILE *f = stream(); if (!fgets((char *)b + o, 40, f)) abort(); if (!fgets((char *)b + o + 64, 400, f)) abort(); fclose(f); }
CASE(c_recv) {
  int s[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s)) abort();
  if (send(s[1], text, 33, 0) != 33) abort();
  if (recv(s[0], b + o, 100, 0) != 33) abort();
  close(s[0]); close(s[1]);
}
CASE(c_recvfrom) {
  int s[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s)) abort();
  if (send(s[1], text, 21, 0) != 21) abort();
  socklen_t *len = (socklen_t *)(b + o + 128);
  *len = 64;
  if (recvfrom(s[0], b + o, 100, 0, (struct sockaddr *)(b + o + 192), len) != 21) abort();
  close(s[0]); close(s[1]);
}
CASE(c_strcpy) { strcpy((char *)b + o, text + 4); }
CASE(c_stpcpy) { char *e = stpcpy((char *)b + o, "abc"); stpcpy(e, "defgh"); }
CASE(c_strncpy) { strncpy((char *)b + o, "short", 40); } /* pads with NULs up to 40 */
CASE(c_strcat) { char *d = (char *)b + o; d[0] = 'x'; d[1] = 0; strcat(d, "yz and more"); }
CASE(c_strncat) { char *d = (char *)b + o; d[0] = 0; strncat(d, text, 11); }
CASE(c_sprintf) { sprintf((char *)b + o, "%d-%s-%c-end", 12345, "mid", 0); } /* embedded NUL */
CASE(c_snprintf_fit) { snprintf((char *)b + o, 100, "value=%d", 42); }
CASE(c_snprintf_trunc) { snprintf((char *)b + o, 10, "%s", text); }
static void vs(char *d, const char *fmt, ...) { va_list ap; va_start(ap, fmt); vsprintf(d, fmt, ap); va_end(ap); }
static void vsn(char *d, size_t n, const char *fmt, ...) { va_list ap; va_start(ap, fmt); vsnprintf(d, n, fmt, ap); va_end(ap); }
CASE(c_vsprintf) { vs((char *)b + o, "[%08x]", 0xabcdu); }
CASE(c_vsnprintf) { vsn((char *)b + o, 6, "%s", "truncated text"); }
CASE(c_memccpy_hit) { if (!memccpy(b + o, text, 'q', 100)) abort(); }
CASE(c_memccpy_miss) { if (memccpy(b + o, text, '#', 30)) abort(); }
CASE(c_bzero) { bzero(b + o, 77); }
CASE(c_explicit_bzero) { explicit_bzero(b + o, 45); }
static int cmp(const void *x, const void *y) { return *(const int *)x - *(const int *)y; }
CASE(c_qsort) { int *a = (int *)(b + o); for (int i = 0; i < 50; i++) a[i] = (i * 37) % 50; qsort(a, 50, sizeof *a, cmp); }
CASE(c_memcpy_fn) { memcpy(b + o, text, 55); }
CASE(c_memmove_fn) { memmove(b + o, text + 3, 44); }
CASE(c_memset_fn) { memset(b + o, 0x11, 66); }
CASE(c_mempcpy) { mempcpy(b + o, text, 19); }
CASE(c_strtok) {
  char *d = (char *)b + o; strcpy(d, "one two three");
  for (char *t = strtok(d, " "); t; t = strtok(NULL, " ")) {}
}
CASE(c_strsep) { char *d = (char *)b + o; strcpy(d, "a,b,c"); char *p = d; while (strsep(&p, ",")) {} }

int main(void) {
  unsigned char *b = rec_buf();
  int fail = 0;
#define RUN(fn, off, min) rec_begin(); fn(b, off); fail |= rec_check(#fn, min);
  RUN(c_read, 100, 45) RUN(c_pread, 400, 45) RUN(c_fread, 700, 80) RUN(c_fgets, 1000, 60)
  RUN(c_recv, 1600, 30) RUN(c_recvfrom, 2000, 20) RUN(c_strcpy, 2500, 60) RUN(c_stpcpy, 2700, 8)
  RUN(c_strncpy, 2800, 35) RUN(c_strcat, 2900, 12) RUN(c_strncat, 3000, 11)
  RUN(c_sprintf, 3100, 16) RUN(c_snprintf_fit, 3200, 8) RUN(c_snprintf_trunc, 3300, 9)
  RUN(c_vsprintf, 3400, 10) RUN(c_vsnprintf, 3500, 5) RUN(c_memccpy_hit, 3600, 5)
  RUN(c_memccpy_miss, 3700, 28) RUN(c_bzero, 3800, 77) RUN(c_explicit_bzero, 3900, 45)
  RUN(c_qsort, 4000, 150) RUN(c_memcpy_fn, 4300, 50) RUN(c_memmove_fn, 4400, 40)
  RUN(c_memset_fn, 4500, 60) RUN(c_mempcpy, 4600, 18) RUN(c_strtok, 4700, 13)
  RUN(c_strsep, 4800, 5)
  return fail;
}
