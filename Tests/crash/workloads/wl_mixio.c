/*
 * wl_mixio.c — stores into a mapping mixed with file I/O on the same file, committed together.
 * The first MAP bytes are mapped: a header and a table vals[k]. Past the mapping, with pread and
 * pwrite only, one 64-byte record per k holds vals[k] and a checksum; after that, a log of
 * {k, value} entries written with lseek + write (a ring), or, in `append` mode, with an O_APPEND
 * descriptor, so that the file grows by one entry per operation (the size is part of each commit).
 * Each operation preads record k (it must match the mapping: read-your-writes), pwrites the new
 * record, stores the value into the mapping, logs it, and counts it in the header; every few
 * operations it commits, by msync or by fsync of either descriptor.
 * Invariants (check): sum(vals) is the header's sum; each record matches vals[k]; the newest log
 * entry is the newest operation; in append mode the size is exactly the log of `ops` entries.
 */
#include "wl_common.h"
#include <sys/syscall.h>

#define N 1024u
#define MAP 16384u                              /* header line + vals[N] (8 KiB), page rounded */
#define REC 16384u                              /* records: N * 64 bytes, never mapped */
#define LOG (REC + N * 64u)
#define LOGCAP 1024u                            /* ring entries in the fixed-size mode */
#define SIZE ((size_t)LOG + LOGCAP * 16u)

struct hdr { uint64_t magic; uint64_t ops; uint64_t sum; uint64_t pad[5]; };
struct rec { uint64_t k, val, check[6]; };
struct entry { uint64_t k, val; };

static const uint64_t MAGIC = WL_MAGIC('m', 'i', 'x', 'o');

static void make_rec(struct rec *r, uint64_t k, uint64_t val) {
    r->k = k;
    r->val = val;
    for (int i = 0; i < 6; i++) r->check[i] = wl_mix(val * 31 + k + (uint64_t)i);
}
static int rec_ok(const struct rec *r, uint64_t k, uint64_t val) {
    struct rec want;
    make_rec(&want, k, val);
    return memcmp(r, &want, sizeof want) == 0;
}

/* The committed size of the file, whatever the runtime reports for a managed one. */
static off_t raw_size(const char *path) {
    struct stat st;
    if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0) wl_die("stat", path);
    return st.st_size;
}

static int check(const char *path) {
    off_t size = raw_size(path);
    if (size < (off_t)LOG) wl_fail("file of %" PRIu64 " bytes is shorter than its records (%" PRIu64 ")", path, (uint64_t)size, LOG);
    unsigned char *b = wl_slurp(path, (size_t)size);
    struct hdr *h = (struct hdr *)b;
    uint64_t *vals = (uint64_t *)(b + 64);
    if (h->magic != MAGIC) wl_fail("bad magic %" PRIx64 "%.0" PRIu64, path, h->magic, 0);
    uint64_t sum = 0;
    for (uint64_t k = 0; k < N; k++) {
        sum += vals[k];
        if (!rec_ok((struct rec *)(b + REC + k * 64), k, vals[k]))
            wl_fail("record %" PRIu64 " does not hold the mapped value %" PRIu64, path, k, vals[k]);
    }
    if (sum != h->sum) wl_fail("sum %" PRIu64 " != header %" PRIu64, path, sum, h->sum);
    int append = size != (off_t)SIZE || h->pad[0] == 1;
    if (append && (uint64_t)size != LOG + h->ops * 16)
        wl_fail("append mode: size %" PRIu64 " is not the log of the header's %" PRIu64 " operations", path, (uint64_t)size, h->ops);
    if (h->ops > 0) {
        uint64_t last = append ? h->ops - 1 : (h->ops - 1) % LOGCAP;
        struct entry *e = (struct entry *)(b + LOG + last * 16);
        if (e->k >= N || vals[e->k] != e->val)
            wl_fail("the newest log entry (key %" PRIu64 ", value %" PRIu64 ") is not in the table", path, e->k, e->val);
    }
    free(b);
    return 0;
}

/* After the final commit the file (raw reads: what a crash would leave) equals what the program
 * sees through the mapping and pread. */
static void selfcheck(wl_file *f, size_t size) {
    unsigned char *raw = malloc(size), *seen = malloc(size);
    if (!raw || !seen) wl_die("malloc", f->path);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, f->path, O_RDONLY);
    if (fd < 0 || syscall(SYS_pread64, fd, raw, size, 0) != (long)size) wl_die("raw pread", f->path);
    syscall(SYS_close, fd);
    if (pread(f->fd, seen, size, 0) != (ssize_t)size) wl_die("pread", f->path);
    for (size_t i = 0; i < size; i++) {
        unsigned char want = i < MAP ? f->base[i] : seen[i];
        if (raw[i] != want || (i < MAP && seen[i] != f->base[i])) {
            fprintf(stderr, "%s: file differs from the program's view after the commit at offset %zu: file %02x, program %02x\n",
                    f->path, i, raw[i], want);
            exit(3);
        }
    }
    free(raw);
    free(seen);
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    if (!strcmp(argv[1], "check")) return check(argv[2]);
    wl_file f;
    if (!strcmp(argv[1], "init")) {
        int append = argc > 3 && !strcmp(argv[3], "append");
        int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ftruncate(fd, append ? LOG : (off_t)SIZE) != 0) wl_die("create", argv[2]);
        close(fd);
        f.path = argv[2];
        f.size = MAP;
        f.fd = open(argv[2], O_RDWR);
        if (f.fd < 0) wl_die("open", argv[2]);
        f.base = mmap(NULL, MAP, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
        if (f.base == MAP_FAILED) wl_die("mmap", argv[2]);
        struct hdr *h = (struct hdr *)f.base;
        h->magic = MAGIC;
        h->pad[0] = (uint64_t)append;
        for (uint64_t k = 0; k < N; k++) {
            struct rec r;
            make_rec(&r, k, 0);
            if (pwrite(f.fd, &r, sizeof r, REC + k * 64) != sizeof r) wl_die("pwrite", argv[2]);
        }
        if (fsync(f.fd) != 0) wl_die("fsync", argv[2]);
        selfcheck(&f, append ? LOG : SIZE);
        wl_unmap(&f);
        return 0;
    }
    if (strcmp(argv[1], "run") || argc < 5) return wl_usage(argv[0]);
    uint64_t seed = wl_num(argv[3], "seed"), ops = wl_num(argv[4], "ops");
    f.path = argv[2];
    f.size = MAP;
    f.fd = open(argv[2], O_RDWR);
    if (f.fd < 0) wl_die("open", argv[2]);
    f.base = mmap(NULL, MAP, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
    if (f.base == MAP_FAILED) wl_die("mmap", argv[2]);
    struct hdr *h = (struct hdr *)f.base;
    uint64_t *vals = (uint64_t *)(f.base + 64);
    int append = h->pad[0] == 1;
    int afd = open(argv[2], O_WRONLY | (append ? O_APPEND : 0));   /* the log's descriptor */
    if (afd < 0) wl_die("open log", argv[2]);
    uint64_t s = seed;
    unsigned every = 1 + (unsigned)(seed % 5);
    for (uint64_t op = 0; op < ops; op++) {
        uint64_t r = wl_rand(&s);
        uint64_t k = r % N, val = r >> 20;
        struct rec cur;
        if (pread(f.fd, &cur, sizeof cur, REC + k * 64) != sizeof cur) wl_die("pread", f.path);
        if (!rec_ok(&cur, k, vals[k]))
            wl_fail("pread of record %" PRIu64 " does not see the value last written (%" PRIu64 ")", f.path, k, vals[k]);
        struct rec next;
        make_rec(&next, k, val);
        if (pwrite(f.fd, &next, sizeof next, REC + k * 64) != sizeof next) wl_die("pwrite", f.path);
        h->sum += val - vals[k];
        vals[k] = val;
        struct entry e = {k, val};
        if (!append && lseek(afd, LOG + (h->ops % LOGCAP) * 16, SEEK_SET) < 0) wl_die("lseek", f.path);
        if (write(afd, &e, sizeof e) != sizeof e) wl_die("write", f.path);
        h->ops++;
        if (op % every == every - 1) {
            unsigned how = (unsigned)(r >> 8) % 3;
            if (how == 0) wl_commit(&f);
            else if (fsync(how == 1 ? f.fd : afd) != 0) wl_die("fsync", f.path);
        }
    }
    wl_commit(&f);
    struct stat st;
    if (fstat(f.fd, &st) != 0) wl_die("fstat", f.path);
    selfcheck(&f, (size_t)st.st_size);
    close(afd);
    wl_unmap(&f);
    return 0;
}
