// Kyoto Cabinet HashDB benchmark driver: OPS random set() calls (8-byte keys, VALUE-byte values),
// made durable every N operations in one of two ways:
//   tx    Kyoto's own transactions: begin_transaction(true) ... end_transaction(true) around each
//         batch of N sets (Kyoto's WAL file + fsync/msync; meant for the plain build);
//   sync  no transactions; db.synchronize(true) after every N sets (msync + fsync of the data file;
//         meant for the snapshot-c++ build, where that msync is libsnapshot's atomic commit).
// A final partial batch is committed the same way. Only the loop is timed (open and close are not).
//   kc_bench tx|sync DBPATH OPS N [VALUE=100] [MSIZ=268435456] [SEED=1] [PRELOAD=0]
// PRELOAD=0: keys from a space of 4*OPS (mostly inserts: the file grows with every record).
// PRELOAD=1: every key of a space of OPS is stored first (untimed, one synchronize); the timed
//            sets then overwrite records in place with same-size values (the file size is fixed).
// Prints: RESULT,kyoto,<mode>,<N>,<ops>,<ns>,<records>,<checksum>
// The checksum is over the values read back after the loop, so both builds can be compared.
#include <kchashdb.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <unistd.h>

static uint64_t splitmix(uint64_t &s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t now_ns() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int die(kyotocabinet::HashDB &db, const char *what) {
    fprintf(stderr, "kc_bench: %s: %s\n", what, db.error().message());
    return 2;
}

// Value of operation i for key k: VALUE bytes, derived from both so a lost update is visible.
static void fill_value(char *v, size_t n, uint64_t k, uint64_t i) {
    uint64_t s = k ^ (i * 0x2545f4914f6cdd1dULL);
    for (size_t j = 0; j < n; j += 8) {
        uint64_t r = splitmix(s);
        memcpy(v + j, &r, n - j < 8 ? n - j : 8);
    }
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "tx") && strcmp(argv[1], "sync"))) {
        fprintf(stderr, "usage: kc_bench tx|sync DBPATH OPS N [VALUE=100] [MSIZ=268435456] [SEED=1] [PRELOAD=0]\n");
        return 2;
    }
    const bool tx = !strcmp(argv[1], "tx");
    const char *path = argv[2];
    const int64_t ops = atoll(argv[3]), batch = atoll(argv[4]);
    const size_t vsize = argc > 5 ? (size_t)atoll(argv[5]) : 100;
    const int64_t msiz = argc > 6 ? atoll(argv[6]) : 268435456LL;
    const uint64_t seed = argc > 7 ? strtoull(argv[7], nullptr, 0) : 1;
    const bool preload = argc > 8 && atoi(argv[8]) != 0;
    // Without preload, keys are drawn from a space of 4*OPS so most sets insert, some overwrite.
    const uint64_t keyspace = preload ? (uint64_t)ops : (uint64_t)ops * 4;
    if (ops <= 0 || batch <= 0 || vsize == 0) { fprintf(stderr, "kc_bench: bad arguments\n"); return 2; }

    unlink(path);
    kyotocabinet::HashDB db;
    db.tune_map(msiz);   // the whole file stays inside the mapped region (Kyoto's default is 64 MiB)
    if (!db.open(path, kyotocabinet::HashDB::OWRITER | kyotocabinet::HashDB::OCREATE |
                           kyotocabinet::HashDB::OTRUNCATE))
        return die(db, "open");
    std::string val(vsize, '\0');
    if (preload) {
        for (uint64_t k = 0; k < keyspace; k++) {
            char kb[8];
            memcpy(kb, &k, 8);
            fill_value(&val[0], vsize, k, ~0ULL);
            if (!db.set(kb, 8, val.data(), vsize)) return die(db, "preload set");
        }
    }
    if (!db.synchronize(true)) return die(db, "initial synchronize");

    uint64_t rng = seed;
    uint64_t t0 = now_ns();
    for (int64_t i = 0; i < ops; i += batch) {
        int64_t end = i + batch < ops ? i + batch : ops;
        if (tx && !db.begin_transaction(true)) return die(db, "begin_transaction");
        for (int64_t j = i; j < end; j++) {
            uint64_t k = splitmix(rng) % keyspace;
            char kb[8];
            memcpy(kb, &k, 8);
            fill_value(&val[0], vsize, k, (uint64_t)j);
            if (!db.set(kb, 8, val.data(), vsize)) return die(db, "set");
        }
        if (tx) {
            if (!db.end_transaction(true)) return die(db, "end_transaction");
        } else if (!db.synchronize(true)) {
            return die(db, "synchronize");
        }
    }
    uint64_t ns = now_ns() - t0;

    // Read everything back (replaying the key sequence) for a checksum both builds must agree on.
    uint64_t sum = 0, rng2 = seed;
    for (int64_t j = 0; j < ops; j++) {
        uint64_t k = splitmix(rng2) % keyspace;
        char kb[8];
        memcpy(kb, &k, 8);
        size_t sz = 0;
        char *v = db.get(kb, 8, &sz);
        if (!v || sz != vsize) { delete[] v; return die(db, "get back"); }
        for (size_t b = 0; b < sz; b++) sum = sum * 131 + (unsigned char)v[b];
        delete[] v;
    }
    int64_t count = db.count();
    if (!db.close()) return die(db, "close");
    printf("RESULT,kyoto,%s,%lld,%lld,%llu,%lld,%016llx\n", argv[1], (long long)batch, (long long)ops,
           (unsigned long long)ns, (long long)count, (unsigned long long)sum);
    return 0;
}
