/*
 * sps.c — the standard small-transaction benchmark (SPS, as in Mnemosyne and NV-Heaps): an array
 * of --keys 8-byte integers; each transaction swaps --swaps K pairs of randomly chosen entries.
 * The same source for every variant (persist.h decides what marking and commit mean). With
 * --batch 1 every transaction commits; the array's sum is invariant, which the run checks.
 */
#include "bench.h"
#include "persist.h"

#include <stdio.h>

struct root {
    poff_t array;
    uint64_t length;
};

int main(int argc, char **argv) {
    bench_cfg cfg;
    bench_parse(&cfg, argc, argv, "sps");
    uint64_t n = cfg.keys ? cfg.keys : 1;
    size_t heap = cfg.heap_mb ? cfg.heap_mb << 20 : ((size_t)16 << 20) + n * 8;
    p_open(&cfg, "sps", heap, sizeof(struct root));
    struct root *r = p_root();
    p_op_begin();
    p_mark(r, sizeof *r);
    r->array = p_alloc(n * 8);
    r->length = n;
    uint64_t *a = P_PTR(uint64_t, r->array);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) { a[i] = i * 2654435761u; sum += a[i]; }
    p_op_end();
    p_sync();

    rng_t rng = {cfg.seed};
    uint64_t t0 = bench_now_ns();
    for (uint64_t op = 0; op < cfg.ops; op++) {
        p_op_begin();
        for (uint32_t k = 0; k < cfg.swaps; k++) {
            uint64_t i = rng_next(&rng) % n, j = rng_next(&rng) % n;
            p_mark(&a[i], 8);
            p_mark(&a[j], 8);
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        p_op_end();
    }
    p_sync();
    uint64_t t1 = bench_now_ns();
    uint64_t check = 0;
    for (uint64_t i = 0; i < n; i++) check += a[i];
    if (check != sum) bench_fail("sps: the array's sum changed");
    char phase[32];
    snprintf(phase, sizeof phase, "swap-k%u", cfg.swaps);
    bench_report(&cfg, "sps", phase, cfg.ops, t1 - t0, check);
    p_close();
    return 0;
}
