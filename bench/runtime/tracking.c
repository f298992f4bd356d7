/* Why a dirty bitmap and not per-thread dirty lists (the obvious alternative): both designs, written
 * the way the runtime would write them, on the same store streams. Standalone (no libsnapshot).
 *   bitmap: 1 bit per 64-byte line + summary bits (record.c's logic); hit = load + test.
 *   list:   a thread-local append-only array of line numbers with a one-entry "last line" filter
 *           (no lock); the commit sorts, deduplicates and coalesces.
 * For each stream: ns per store, and the commit-side cost of turning the record into sorted
 * coalesced runs. Usage: tracking [MiB]  (region size, default 64). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static char *region;
static size_t region_size;

/* ---- bitmap ---- */
static uint64_t *bits, *l1;
__attribute__((noinline)) static void bm_miss(size_t line) {
    __atomic_fetch_or(&bits[line >> 6], 1ull << (line & 63), __ATOMIC_SEQ_CST);
    size_t page = line >> 6;
    if (!(l1[page >> 6] >> (page & 63) & 1)) __atomic_fetch_or(&l1[page >> 6], 1ull << (page & 63), __ATOMIC_SEQ_CST);
}
__attribute__((noinline)) static void bm_record8(void *p) {
    size_t line = (size_t)((char *)p - region) >> 6;
    if (__builtin_expect(bits[line >> 6] >> (line & 63) & 1, 1)) return;
    bm_miss(line);
}
static size_t bm_collect(uint64_t *runs) {
    size_t n = 0, words = region_size >> 12;
    long last_end = -1;
    for (size_t w1 = 0; w1 < (words + 63) / 64; w1++) {
        uint64_t m1 = l1[w1];
        l1[w1] = 0;
        while (m1) {
            size_t w = w1 * 64 + (size_t)__builtin_ctzll(m1);
            m1 &= m1 - 1;
            uint64_t b = bits[w];
            bits[w] = 0;
            while (b) {
                unsigned s = (unsigned)__builtin_ctzll(b);
                uint64_t sh = b >> s;
                unsigned k = ~sh == 0 ? 64 : (unsigned)__builtin_ctzll(~sh);
                long start = (long)(w * 64 + s);
                if (start == last_end) runs[2 * n - 1] += k; else { runs[2 * n] = (uint64_t)start; runs[2 * n + 1] = k; n++; }
                last_end = start + (long)k;
                b = s + k >= 64 ? 0 : b & (~0ull << (s + k));
            }
        }
    }
    return n;
}

/* ---- per-thread list ---- */
static __thread uint64_t *list;
static __thread size_t list_n, list_cap;
static __thread size_t last_line = SIZE_MAX;
__attribute__((noinline)) static void list_grow(void) {
    list_cap = list_cap ? list_cap * 2 : 1 << 16;
    list = realloc(list, list_cap * sizeof *list);
}
__attribute__((noinline)) static void list_record8(void *p) {
    size_t line = (size_t)((char *)p - region) >> 6;
    if (line == last_line) return;
    last_line = line;
    if (__builtin_expect(list_n == list_cap, 0)) list_grow();
    list[list_n++] = line;
}
static int cmp64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static size_t list_collect(uint64_t *runs) {
    qsort(list, list_n, sizeof *list, cmp64);
    size_t n = 0;
    long last_end = -1;
    for (size_t i = 0; i < list_n; i++) {
        if (i && list[i] == list[i - 1]) continue;
        long l = (long)list[i];
        if (l == last_end) runs[2 * n - 1]++; else { runs[2 * n] = (uint64_t)l; runs[2 * n + 1] = 1; n++; }
        last_end = l + 1;
    }
    list_n = 0;
    last_line = SIZE_MAX;
    return n;
}

typedef void (*recorder)(void *);
static double run_stream(recorder rec, const uint32_t *offs, size_t n) {
    uint64_t t0 = now();
    for (size_t i = 0; i < n; i++) {
        char *p = region + offs[i];
        rec(p);
        *(volatile uint64_t *)p = i;
    }
    return (double)(now() - t0) / (double)n;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], 0, 0) : 64;
    region_size = mib << 20;
    region = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    bits = calloc(region_size >> 9, 1);
    l1 = calloc((region_size >> 15) + 8, 1);
    uint64_t *runs = malloc((region_size >> 6) * 2 * sizeof *runs);
    size_t n = region_size / 8 * 2;                        /* 2 passes of every 8-byte word */
    uint32_t *seq = malloc(n * sizeof *seq), *rnd = malloc(n * sizeof *rnd), *sparse = malloc(n * sizeof *sparse);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        seq[i] = (uint32_t)((i * 8) % region_size);
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        rnd[i] = (uint32_t)((x % (region_size / 8)) * 8);
        sparse[i] = (uint32_t)(((x >> 7) % 4096) * 64 * 97 % region_size) & ~7u;   /* 4096 hot lines */
    }
    struct { const char *name; uint32_t *offs; } streams[] = {
        {"sequential (8 stores/line, 2 passes)", seq}, {"random over the region", rnd},
        {"hot set (4096 lines, many repeats)", sparse}};
    printf("| stream (%zu stores, %zu MiB) | bitmap ns/store | list ns/store | bitmap collect ms | list sort+dedup ms | list entries | runs |\n", n, mib);
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < 3; s++) {
        double b = run_stream(bm_record8, streams[s].offs, n);
        uint64_t t0 = now();
        size_t r1 = bm_collect(runs);
        double bc = (double)(now() - t0) / 1e6;
        double l = run_stream(list_record8, streams[s].offs, n);
        size_t entries = list_n;
        t0 = now();
        size_t r2 = list_collect(runs);
        double lc = (double)(now() - t0) / 1e6;
        if (r1 != r2) fprintf(stderr, "run counts differ: %zu vs %zu\n", r1, r2);
        printf("| %s | %.2f | %.2f | %.2f | %.2f | %zu | %zu |\n", streams[s].name, b, l, bc, lc, entries, r1);
    }
    return 0;
}
