/* ycsb.c — request generators (see ycsb.h). */
#include "ycsb.h"

#include <math.h>

void zipf_init(zipf_t *z, uint64_t n, double theta) {
    double zetan = 0;
    for (uint64_t i = 1; i <= n; i++) zetan += 1.0 / pow((double)i, theta);
    double zeta2 = 1.0 + 1.0 / pow(2.0, theta);
    z->n = n;
    z->theta = theta;
    z->zetan = zetan;
    z->alpha = 1.0 / (1.0 - theta);
    z->eta = (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
    z->half_pow_theta = 1.0 + pow(0.5, theta);
}

uint64_t zipf_next(const zipf_t *z, rng_t *r) {
    double u = rng_unit(r), uz = u * z->zetan;
    if (uz < 1.0) return 0;
    if (uz < z->half_pow_theta) return 1;
    uint64_t v = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
    return v < z->n ? v : z->n - 1;
}

uint64_t ycsb_pick(ycsb_dist dist, const zipf_t *z, rng_t *r, uint64_t count) {
    switch (dist) {
    case DIST_UNIFORM:
        return rng_next(r) % count;
    case DIST_LATEST: {
        uint64_t back = zipf_next(z, r);
        return back < count ? count - 1 - back : 0;
    }
    case DIST_ZIPFIAN:
    default:
        /* scramble the rank (a bijective mix, then reduce) so hot records are not adjacent */
        return mix64(zipf_next(z, r) ^ 0x5bd1e995ull) % (z->n < count ? z->n : count);
    }
}
