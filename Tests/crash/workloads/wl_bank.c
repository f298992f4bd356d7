/*
 * wl_bank.c — bank transfers; the total balance is invariant at every commit.
 * LANES fixed lanes of work; lane l is run by thread l % THREADS and only *debits* accounts
 * a % LANES == l, while it *credits* any account; both are atomic adds. Additions commute, so the
 * committed images do not depend on the thread count or interleaving, and every transfer crosses
 * threads: a runtime that loses one thread's lines breaks the total (the drop-thread control).
 * Rounds: each lane does EVERY transfers, barrier, thread 0 msyncs, barrier.
 */
#include "wl_common.h"

#define ACCOUNTS 1024
#define LANES 4
#define START 1000
struct acct { int64_t balance; uint64_t debits; };     /* 16 bytes: four accounts per line */
struct hdr { uint64_t magic; uint64_t rounds; uint64_t lane_ops[LANES]; uint64_t pad[2]; };
#define SIZE (sizeof(struct hdr) + ACCOUNTS * sizeof(struct acct))

static const uint64_t MAGIC = WL_MAGIC('b', 'a', 'n', 'k');
static struct hdr *H;
static struct acct *A;
static struct { uint64_t seed, ops, every; int threads; wl_file *f; pthread_barrier_t bar; } G;

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    uint64_t s[LANES];
    for (int l = 0; l < LANES; l++) s[l] = G.seed * 7777 + (uint64_t)l;
    for (uint64_t done = 0; done < G.ops; done += G.every) {
        for (int l = t; l < LANES; l += G.threads)
            for (uint64_t op = done; op < done + G.every && op < G.ops; op++) {
                uint64_t r = wl_rand(&s[l]);
                uint64_t from = ((r >> 8) % (ACCOUNTS / LANES)) * LANES + (uint64_t)l;
                uint64_t to = (r >> 24) % ACCOUNTS;
                int64_t amount = (int64_t)((r >> 40) % 500);
                /* Balances take credits from every lane concurrently: both sides are atomic
                 * (a plain -= would race another lane's credit and lose it). `debits` is only
                 * ever written by lane l. */
                __atomic_fetch_sub(&A[from].balance, amount, __ATOMIC_RELAXED);
                A[from].debits++;
                __atomic_fetch_add(&A[to].balance, amount, __ATOMIC_RELAXED);
                H->lane_ops[l]++;
            }
        pthread_barrier_wait(&G.bar);
        if (t == 0) { H->rounds++; wl_commit(G.f); }
        pthread_barrier_wait(&G.bar);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    if (!strcmp(argv[1], "check")) {
        unsigned char *b = wl_slurp(argv[2], SIZE);
        H = (struct hdr *)b;
        A = (struct acct *)(b + sizeof(struct hdr));
        if (H->magic != MAGIC) wl_fail("bad magic %" PRIx64 "%.0" PRIu64, argv[2], H->magic, 0);
        int64_t total = 0;
        uint64_t debits = 0, ops = 0;
        for (int i = 0; i < ACCOUNTS; i++) { total += A[i].balance; debits += A[i].debits; }
        for (int l = 0; l < LANES; l++) ops += H->lane_ops[l];
        if (total != (int64_t)ACCOUNTS * START)
            wl_fail("total balance %" PRId64 " != %" PRId64, argv[2], (uint64_t)total, (uint64_t)ACCOUNTS * START);
        if (debits != ops) wl_fail("%" PRIu64 " debits recorded but %" PRIu64 " transfers", argv[2], debits, ops);
        return 0;
    }
    int init = !strcmp(argv[1], "init");
    if (!init && (strcmp(argv[1], "run") || argc < 5)) return wl_usage(argv[0]);
    wl_file f;
    wl_map(&f, argv[2], SIZE, init);
    H = (struct hdr *)f.base;
    A = (struct acct *)(f.base + sizeof(struct hdr));
    if (init) {
        H->magic = MAGIC;
        for (int i = 0; i < ACCOUNTS; i++) A[i].balance = START;
    } else {
        G.seed = wl_num(argv[3], "seed");
        G.ops = wl_num(argv[4], "ops");
        G.threads = argc > 5 ? (int)wl_num(argv[5], "threads") : 1;
        if (G.threads < 1 || G.threads > LANES) { fprintf(stderr, "threads: 1..%d\n", LANES); return 2; }
        G.every = 2 + G.seed % 4;
        G.f = &f;
        pthread_barrier_init(&G.bar, NULL, (unsigned)G.threads);
        wl_run_threads(G.threads, worker, argv[2]);
    }
    wl_commit(&f);
    wl_selfcheck(&f);
    wl_unmap(&f);
    return 0;
}
