/*
 * ycsb.h — YCSB request generators, implemented here (no external data): zipfian (Gray et al.,
 * "Quickly generating billion-record synthetic databases", as in YCSB's ZipfianGenerator, theta
 * 0.99), scrambled so that popular records are spread over the key space; latest (zipfian over
 * recency: the newest record is the most popular); uniform.
 */
#ifndef YCSB_H
#define YCSB_H

#include <stdint.h>

#include "bench.h"

typedef enum { DIST_ZIPFIAN, DIST_UNIFORM, DIST_LATEST } ycsb_dist;

typedef struct {
    uint64_t n; /* items the zipfian is defined over (the loaded record count) */
    double theta, zetan, alpha, eta, half_pow_theta;
} zipf_t;

/* O(n) setup (the zeta sum), then O(1) per draw. */
void zipf_init(zipf_t *z, uint64_t n, double theta);
/* Rank in [0, n): 0 is the most popular. */
uint64_t zipf_next(const zipf_t *z, rng_t *r);

/* Record number in [0, count) drawn from dist. `count` may grow past z->n (inserts): zipfian
 * then stays over the first z->n records, latest counts back from the newest. */
uint64_t ycsb_pick(ycsb_dist dist, const zipf_t *z, rng_t *r, uint64_t count);

#endif
