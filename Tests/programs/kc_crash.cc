// Crash test of Kyoto Cabinet's HashDB built with snapshot-c++: a writer inserts records and, every
// ACK records, calls synchronize(true) and then records how many are acknowledged; it is killed
// with SIGKILL at a random moment; the verifier reopens the database (Kyoto repairs it if it was
// not closed) and counts acknowledged records that are missing or wrong. 0 is the only good answer.
//   kc_crash write DB ACKFILE tx|notx MSIZ   (runs until killed)
//   kc_crash verify DB ACKFILE               (exit 0 iff no acknowledged record is lost)
#include <kchashdb.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

static const int64_t ACK = 100;

static std::string key(int64_t i) { char b[32]; snprintf(b, sizeof b, "key-%08lld", (long long)i); return b; }
static std::string value(int64_t i) {
    char b[96];
    snprintf(b, sizeof b, "value-%lld-%llx", (long long)i, (unsigned long long)(i * 0x9e3779b97f4a7c15ULL));
    return std::string(b) + std::string((size_t)(i % 37), 'v');
}

static int die(kyotocabinet::HashDB &db, const char *what) {
    fprintf(stderr, "kc_crash: %s: %s\n", what, db.error().message());
    return 2;
}

static int writer(const char *path, const char *ackpath, bool tx, int64_t msiz) {
    kyotocabinet::HashDB db;
    db.tune_map(msiz);
    if (!db.open(path, kyotocabinet::HashDB::OWRITER | kyotocabinet::HashDB::OCREATE)) return die(db, "open");
    // The acknowledgement file is plain POSIX (never mapped): written after each durable sync.
    int ack = open(ackpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (ack < 0) { perror("ack file"); return 2; }
    for (int64_t i = 0;; i++) {
        if (tx && !db.begin_transaction(false)) return die(db, "begin_transaction");
        if (!db.set(key(i), value(i))) return die(db, "set");
        if (i > 10 && !db.set(key(i / 2), value(i / 2))) return die(db, "set again");   // updates in place
        if (tx && !db.end_transaction(true)) return die(db, "end_transaction");
        if ((i + 1) % ACK == 0) {
            if (!db.synchronize(true)) return die(db, "synchronize");
            int64_t n = i + 1;
            if (pwrite(ack, &n, sizeof n, 0) != sizeof n || fsync(ack) != 0) { perror("ack"); return 2; }
        }
    }
}

static int verify(const char *path, const char *ackpath) {
    int64_t acked = 0;
    int ack = open(ackpath, O_RDONLY);
    if (ack >= 0) { if (pread(ack, &acked, sizeof acked, 0) != sizeof acked) acked = 0; close(ack); }
    kyotocabinet::HashDB db;
    if (!db.open(path, kyotocabinet::HashDB::OWRITER)) return die(db, "reopen after the crash");
    int64_t lost = 0;
    for (int64_t i = 0; i < acked; i++) {
        std::string v;
        if (!db.get(key(i), &v) || v != value(i)) lost++;
    }
    int64_t count = db.count();
    if (!db.close()) return die(db, "close");
    printf("acknowledged %lld, records %lld, lost %lld\n", (long long)acked, (long long)count, (long long)lost);
    return lost == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 6 && !strcmp(argv[1], "write"))
        return writer(argv[2], argv[3], !strcmp(argv[4], "tx"), atoll(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "verify")) return verify(argv[2], argv[3]);
    fprintf(stderr, "usage: kc_crash write DB ACKFILE tx|notx MSIZ | verify DB ACKFILE\n");
    return 2;
}
