/*
 * kv.c — hash-table key-value store (a power-of-two array of buckets, each a growable vector of
 * {8-byte key, value}) under one YCSB mix. Loads --keys records (untimed, committed every 1024
 * inserts), then times --ops requests with a commit every --batch operations.
 *
 *   mix  requests                               request distribution
 *   a    50% read, 50% update                   zipfian
 *   b    95% read,  5% update                   zipfian
 *   c   100% read                               zipfian
 *   d    95% read,  5% insert                   latest
 *   e    95% scan (1..100 records), 5% insert   zipfian (scan start)
 *   f    50% read, 50% read-modify-write        zipfian
 *   g   100% update (write-only)                zipfian
 * A scan reads consecutive record numbers (a hash table has no key order). Updates overwrite the
 * whole value. Reads and scans are not transactions; --batch counts writing operations. Same source
 * for every variant (persist.h).
 */
#include "bench.h"
#include "persist.h"
#include "ycsb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
    poff_t data; /* entries: {uint64_t key; uint8_t value[value_size]} */
    uint32_t len, cap;
};
struct root {
    poff_t buckets;
    uint64_t mask;
    uint64_t count;
};

static size_t vsize, esize; /* value bytes; entry bytes (key + value, 8-aligned) */

static uint64_t key_of(uint64_t recno) { return mix64(recno + 0x9e3779b9ull); }

static struct bucket *bucket_of(struct root *r, uint64_t key) {
    return P_PTR(struct bucket, r->buckets) + (key & r->mask);
}

static char *find(struct bucket *b, uint64_t key) {
    char *e = P_PTR(char, b->data);
    for (uint32_t i = 0; i < b->len; i++, e += esize)
        if (*(uint64_t *)e == key) return e;
    return NULL;
}

/* Copies the value into out; returns 0 if absent. */
static int get(struct root *r, uint64_t key, char *out) {
    char *e = find(bucket_of(r, key), key);
    if (!e) return 0;
    memcpy(out, e + 8, vsize);
    return 1;
}

/* Inserts or overwrites. */
static void put(struct root *r, uint64_t key, const char *val) {
    struct bucket *b = bucket_of(r, key);
    char *e = find(b, key);
    if (e) {
        p_mark(e + 8, vsize);
        memcpy(e + 8, val, vsize);
        return;
    }
    p_mark(b, sizeof *b);
    if (b->len == b->cap) { /* grow the vector: copy into a fresh block twice the size */
        uint32_t ncap = b->cap ? b->cap * 2 : 2;
        poff_t nd = p_alloc(ncap * esize);
        if (b->len) memcpy(P_PTR(char, nd), P_PTR(char, b->data), b->len * esize);
        if (b->data) p_free(b->data, b->cap * esize);
        b->data = nd;
        b->cap = ncap;
        e = P_PTR(char, nd) + b->len * esize;
    } else {
        e = P_PTR(char, b->data) + b->len * esize;
        p_mark(e, esize);
    }
    *(uint64_t *)e = key;
    memcpy(e + 8, val, vsize);
    b->len++;
    p_mark(&r->count, sizeof r->count);
    r->count++;
}

/* The value written for (record, version): deterministic, so every variant stores the same. */
static void make_value(char *v, uint64_t key, uint64_t version) {
    uint64_t x = mix64(key ^ (version * 0x9e3779b97f4a7c15ull));
    for (size_t i = 0; i + 8 <= vsize; i += 8, x = x * 6364136223846793005ull + 1)
        memcpy(v + i, &x, 8);
}

int main(int argc, char **argv) {
    bench_cfg cfg;
    bench_parse(&cfg, argc, argv, "kv");
    vsize = cfg.value_size;
    esize = (8 + vsize + 7) & ~(size_t)7;
    if (cfg.keys == 0) bench_fail("kv: --keys must be >= 1");
    uint64_t nb = 1;
    while (nb * 4 < cfg.keys) nb *= 2; /* about 4 entries per bucket once loaded */
    uint64_t max_records = cfg.keys + cfg.ops / 16 + 64;
    size_t heap = cfg.heap_mb ? cfg.heap_mb << 20
                              : ((size_t)32 << 20) + nb * 32 + max_records * esize * 5;
    char name[16];
    snprintf(name, sizeof name, "kv%c", cfg.mix);
    p_open(&cfg, name, heap, sizeof(struct root));
    struct root *r = p_root();
    char *val = malloc(vsize), *out = malloc(vsize);
    if (!val || !out) bench_die("kv: malloc");

    /* Load (untimed), committing every 1024 inserts. */
    uint64_t run_batch = cfg.batch;
    cfg.batch = 1024;
    p_op_begin();
    poff_t bo = p_alloc(nb * sizeof(struct bucket));
    p_mark(r, sizeof *r);
    r->buckets = bo;
    r->mask = nb - 1;
    p_op_end();
    for (uint64_t i = 0; i < cfg.keys; i++) {
        make_value(val, key_of(i), 0);
        p_op_begin();
        put(r, key_of(i), val);
        p_op_end();
    }
    p_sync();
    cfg.batch = run_batch;
    if (r->count != cfg.keys) bench_fail("kv: %llu records after loading %llu",
                                         (unsigned long long)r->count, (unsigned long long)cfg.keys);

    int rd = 0, up = 0, ins = 0, scan = 0, rmw = 0; /* percentages */
    ycsb_dist dist = DIST_ZIPFIAN;
    switch (cfg.mix) {
    case 'a': rd = 50, up = 50; break;
    case 'b': rd = 95, up = 5; break;
    case 'c': rd = 100; break;
    case 'd': rd = 95, ins = 5, dist = DIST_LATEST; break;
    case 'e': scan = 95, ins = 5; break;
    case 'f': rd = 50, rmw = 50; break;
    case 'g': up = 100; break;
    }
    if (cfg.dist) dist = !strcmp(cfg.dist, "uniform") ? DIST_UNIFORM
                       : !strcmp(cfg.dist, "latest") ? DIST_LATEST : DIST_ZIPFIAN;
    zipf_t z;
    zipf_init(&z, cfg.keys, 0.99);
    rng_t rng = {cfg.seed};
    uint64_t count = cfg.keys, checksum = 0, missing = 0;

    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < cfg.ops; i++) {
        int p = (int)(rng_next(&rng) % 100);
        /* Only operations that write are transactions (and count toward a commit batch): an
         * application does not msync or open a transaction around a lookup. */
        int writes = p >= rd && (p < rd + up + ins || p >= rd + up + ins + scan);
        if (writes) p_op_begin();
        if (p < rd) {
            if (get(r, key_of(ycsb_pick(dist, &z, &rng, count)), out)) checksum += *(uint64_t *)out;
            else missing++;
        } else if ((p -= rd) < up) {
            uint64_t k = key_of(ycsb_pick(dist, &z, &rng, count));
            make_value(val, k, i + 1);
            put(r, k, val);
        } else if ((p -= up) < ins) {
            uint64_t k = key_of(count++);
            make_value(val, k, 0);
            put(r, k, val);
        } else if ((p -= ins) < scan) {
            uint64_t start = ycsb_pick(dist, &z, &rng, count), len = 1 + rng_next(&rng) % 100;
            for (uint64_t j = 0; j < len && start + j < count; j++) {
                if (get(r, key_of(start + j), out)) checksum += *(uint64_t *)out;
                else missing++;
            }
        } else { /* read-modify-write: the new value depends on the old one */
            uint64_t k = key_of(ycsb_pick(dist, &z, &rng, count));
            if (get(r, k, out)) checksum += *(uint64_t *)out;
            else missing++;
            make_value(val, k, *(uint64_t *)out);
            put(r, k, val);
        }
        if (writes) p_op_end();
    }
    p_sync();
    uint64_t t1 = bench_now_ns();
    if (missing) bench_fail("kv: %llu reads missed existing records", (unsigned long long)missing);
    if (r->count != count) bench_fail("kv: %llu records, expected %llu",
                                      (unsigned long long)r->count, (unsigned long long)count);
    char phase[16];
    snprintf(phase, sizeof phase, "ycsb-%c", cfg.mix);
    bench_report(&cfg, "kv", phase, cfg.ops, t1 - t0, checksum);
    p_close();
    free(val);
    free(out);
    return 0;
}
