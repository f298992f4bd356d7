/*
 * wl_multi.c — several files committed independently. FILE, FILE.1 and FILE.2 each hold a header
 * and 255 records; file k is served by thread k % THREADS and committed every k+2 of its own
 * updates, so with several threads different files are committed concurrently. Each file's
 * operations depend only on (seed, k): the images are the same for any thread count.
 * Invariants per file: every record's checksum matches its (id, version), and the header's update
 * count equals the sum of the versions.
 */
#include "wl_common.h"

#define FILES 3
#define RECS 255
struct rec { uint64_t id, version, sum[6]; };
struct hdr { uint64_t magic, updates, pad[6]; };
#define SIZE ((size_t)(RECS + 1) * 64)

static const uint64_t MAGIC = WL_MAGIC('m', 'u', 'l', 't');
static wl_file F[FILES];
static char *names[FILES];
static struct { uint64_t seed, ops; int threads; } G;

static void fill(struct rec *r, uint64_t id, uint64_t version) {
    r->id = id;
    r->version = version;
    for (int i = 0; i < 6; i++) r->sum[i] = wl_mix(id * 1000003 + version * 31 + (uint64_t)i);
}

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int k = t; k < FILES; k += G.threads) {
        struct hdr *h = (struct hdr *)F[k].base;
        struct rec *rs = (struct rec *)F[k].base;
        uint64_t s = G.seed * 31 + (uint64_t)k;
        for (uint64_t op = 0; op < G.ops; op++) {
            uint64_t r = wl_rand(&s);
            for (int j = 0; j < 1 + (int)(r % 3); j++) {   /* a few records per update */
                uint64_t i = 1 + ((r >> (8 + 8 * j)) % RECS);
                fill(&rs[i], i, rs[i].version + 1);
                h->updates++;
            }
            if (op % (uint64_t)(k + 2) == (uint64_t)(k + 1)) wl_commit(&F[k]);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    for (int k = 0; k < FILES; k++) {
        size_t n = strlen(argv[2]) + 4;
        names[k] = malloc(n);
        if (k == 0) snprintf(names[k], n, "%s", argv[2]); else snprintf(names[k], n, "%s.%d", argv[2], k);
    }
    if (!strcmp(argv[1], "check")) {
        for (int k = 0; k < FILES; k++) {
            unsigned char *b = wl_slurp(names[k], SIZE);
            struct hdr *h = (struct hdr *)b;
            struct rec *rs = (struct rec *)b;
            if (h->magic != MAGIC) wl_fail("bad magic %" PRIx64 "%.0" PRIu64, names[k], h->magic, 0);
            uint64_t total = 0;
            for (uint64_t i = 1; i <= RECS; i++) {
                if (rs[i].id != (rs[i].version ? i : 0)) wl_fail("record %" PRIu64 " has id %" PRIu64, names[k], i, rs[i].id);
                for (int j = 0; rs[i].version && j < 6; j++)
                    if (rs[i].sum[j] != wl_mix(i * 1000003 + rs[i].version * 31 + (uint64_t)j))
                        wl_fail("record %" PRIu64 " checksum does not match version %" PRIu64, names[k], i, rs[i].version);
                total += rs[i].version;
            }
            if (total != h->updates) wl_fail("versions sum to %" PRIu64 ", header counts %" PRIu64, names[k], total, h->updates);
            free(b);
        }
        return 0;
    }
    int init = !strcmp(argv[1], "init");
    if (!init && (strcmp(argv[1], "run") || argc < 5)) return wl_usage(argv[0]);
    for (int k = 0; k < FILES; k++) {
        wl_map(&F[k], names[k], SIZE, init);
        if (init) ((struct hdr *)F[k].base)->magic = MAGIC;
    }
    if (!init) {
        G.seed = wl_num(argv[3], "seed");
        G.ops = wl_num(argv[4], "ops");
        G.threads = argc > 5 ? (int)wl_num(argv[5], "threads") : 1;
        if (G.threads < 1 || G.threads > FILES) { fprintf(stderr, "threads: 1..%d\n", FILES); return 2; }
        wl_run_threads(G.threads, worker, argv[2]);
    }
    for (int k = 0; k < FILES; k++) {
        wl_commit(&F[k]);
        wl_selfcheck(&F[k]);
        wl_unmap(&F[k]);
    }
    return 0;
}
