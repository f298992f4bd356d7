/*
 * bench.h — what every workload binary shares: command-line options, timing, a deterministic PRNG
 * and the result line format the runner parses.
 *
 * Every variant of a workload runs the same operations in the same order (same seed), and prints
 * a checksum of what it read, so the runner can check that all variants computed the same thing.
 */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct bench_cfg {
    const char *dir;        /* directory holding the data files (the medium under test) */
    uint64_t ops;           /* operations per timed phase */
    uint64_t keys;          /* kv: records loaded before the run */
    uint64_t batch;         /* operations per commit (1 = commit every operation) */
    uint64_t seed;
    uint64_t heap_mb;       /* 0 = computed by the workload */
    uint32_t value_size;    /* kv: bytes per value */
    char mix;               /* kv: YCSB mix 'a'..'g' */
    const char *dist;       /* kv: request distribution override (zipfian|uniform|latest), or NULL */
    uint32_t swaps;         /* sps: pairs swapped per transaction */
    int keep;               /* keep the data files after the run (default: remove) */
} bench_cfg;

/* Parses argv into cfg (defaults first); exits with a usage message on error. */
void bench_parse(bench_cfg *cfg, int argc, char **argv, const char *workload);

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One result line: RESULT,<workload>,<phase>,<variant>,<batch>,<ops>,<total ns>,<checksum>. */
void bench_report(const bench_cfg *cfg, const char *workload, const char *phase, uint64_t ops,
                  uint64_t ns, uint64_t checksum);

/* Prints "bench: <message>: <strerror(errno)>" and exits 1. Never returns. */
void bench_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Same, for logic failures where errno is meaningless. */
#define bench_fail(...) (errno = 0, bench_die(__VA_ARGS__))

/* splitmix64: tiny, fast, good enough for key streams; the finaliser is a bijection on 64 bits,
 * so distinct record numbers give distinct keys. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
typedef struct { uint64_t s; } rng_t;
static inline uint64_t rng_next(rng_t *r) { return mix64(r->s += 0x9e3779b97f4a7c15ull); }
/* Uniform double in [0,1). */
static inline double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

#endif
