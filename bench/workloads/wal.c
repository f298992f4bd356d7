/*
 * wal.c — write-ahead logging over a MAP_SHARED heap: the classic way to make msync-based code
 * crash-consistent (Kyoto Cabinet and many others), and the `wal` baseline of the benchmark.
 *
 * Log file: one 4 KiB header page, then records appended during a transaction:
 *     struct wal_rec | undo bytes (old contents, padded to 8) | redo bytes (new contents, padded)
 * A record made by wal_new (fresh allocation) has no undo part.
 *
 * Transaction k (epoch k; the header's epoch is the last committed one, k-1):
 *   wal_mark   appends a record tagged k holding the old bytes, with a checksum over it.
 *   wal_commit copies the current (new) bytes of every record into its redo part, writes the header
 *              {epoch k, bytes, checksum of all records}, then
 *              msync #1: the log (header + records) -> the commit is durable (redo-able);
 *              msync #2: the heap                   -> the log may be overwritten by k+1.
 * Recovery (wal_open of an existing log):
 *   header checksum matches its records  -> commit `epoch` reached msync #1: redo it (idempotent);
 *   otherwise                            -> a transaction was in flight: undo its records (those
 *                                           with a valid checksum) in reverse order.
 * Like every in-place WAL over MAP_SHARED (the kernel may write a dirty heap page back before
 * msync #1), a power failure is safe only if undo records reach the medium before the data pages
 * they cover; a process crash is always safe because the page cache survives it.
 */
#include "wal.h"

#include "bench.h"

#if defined(VARIANT_WAL_DAX)
#include "dax.h"
#endif

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAL_MAGIC 0x314c4157424e5353ull /* "SSNBWAL1" */
#define WAL_START 4096                  /* records start after the header page */

struct wal_hdr {
    uint64_t magic;
    uint64_t epoch; /* last committed transaction */
    uint64_t bytes; /* record bytes of that transaction */
    uint64_t check; /* checksum of those record bytes */
};
struct wal_rec {
    uint64_t off;   /* heap offset */
    uint32_t len;   /* bytes */
    uint32_t kind;  /* WAL_UNDO_REDO or WAL_REDO */
    uint64_t epoch; /* transaction */
    uint64_t check; /* over off/len/kind/epoch and the undo bytes */
};
enum { WAL_UNDO_REDO = 1, WAL_REDO = 2 };

static char *w_heap, *w_log;
static size_t w_heap_size, w_log_size, w_tail = WAL_START;
static uint64_t w_epoch; /* the transaction being built */
static int w_fd = -1;
static char w_path[4200];

static inline size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* A fast 64-bit checksum, 8 bytes per step (the tail is zero-padded by the record layout). */
static uint64_t wal_hash(const void *p, size_t n, uint64_t h) {
    const unsigned char *c = p;
    for (; n >= 8; n -= 8, c += 8) {
        uint64_t w;
        memcpy(&w, c, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; n; n--, c++) h = (h ^ *c) * 0x100000001b3ull;
    return h;
}

static uint64_t rec_check(const struct wal_rec *r) {
    uint64_t h = wal_hash(r, offsetof(struct wal_rec, check), 0xcbf29ce484222325ull);
    if (r->kind == WAL_UNDO_REDO) h = wal_hash(r + 1, pad8(r->len), h);
    return h;
}

static size_t rec_size(const struct wal_rec *r) {
    return sizeof *r + (r->kind == WAL_UNDO_REDO ? 2 : 1) * pad8(r->len);
}

static char *rec_redo(struct wal_rec *r) {
    return (char *)(r + 1) + (r->kind == WAL_UNDO_REDO ? pad8(r->len) : 0);
}

static void sync_range(char *base, size_t len, const char *what) {
#if defined(VARIANT_WAL_DAX)
    /* wal-dax: what msync costs on a DAX mapping (dax.h): the log's pages in full, or for the
     * heap every page the transaction dirtied. */
    int dax = dax_base != NULL; /* set up by persist.c after wal_open; recovery runs before */
#endif
    size_t l = (len + 4095) & ~(size_t)4095;
    if (msync(base, l, MS_SYNC) != 0) bench_die("wal: msync of the %s", what);
#if defined(VARIANT_WAL_DAX)
    if (dax) { /* + the page flushes the same msync would do on a DAX mapping */
        if (base == w_heap) dax_msync();
        else dax_msync_range(base, len);
    }
#endif
}

/* A record is plausible if it is tagged `epoch`, lies inside the log and the heap, and (for an
 * undo record) its checksum matches. */
static int rec_valid(const struct wal_rec *r, size_t at, uint64_t epoch) {
    if (at + sizeof *r > w_log_size || r->epoch != epoch) return 0;
    if (r->kind != WAL_UNDO_REDO && r->kind != WAL_REDO) return 0;
    if (r->off > w_heap_size || r->len > w_heap_size - r->off) return 0;
    if (at + rec_size(r) > w_log_size) return 0;
    return r->check == rec_check(r);
}

static void recover(void) {
    struct wal_hdr *h = (struct wal_hdr *)w_log;
#ifdef WAL_TEST_FAULT_NO_RECOVERY /* negative control for tests/wal_crash.c only */
    return;
#endif
    int redo = h->bytes <= w_log_size - WAL_START &&
               h->check == wal_hash(w_log + WAL_START, h->bytes, 0xcbf29ce484222325ull);
    size_t n = 0, at = WAL_START;
    if (redo) {
        for (; at < WAL_START + h->bytes; n++) {
            struct wal_rec *r = (struct wal_rec *)(w_log + at);
            memcpy(w_heap + r->off, rec_redo(r), r->len);
            at += rec_size(r);
        }
    } else {
        /* Undo the in-flight transaction: epoch+1, or epoch itself if its header reached the
         * medium before all its records did. Collect its valid records, restore newest first. */
        uint64_t e = ((struct wal_rec *)(w_log + at))->epoch;
        if (e != h->epoch && e != h->epoch + 1) e = h->epoch + 1;
        size_t cap = 1024, *pos = malloc(cap * sizeof *pos);
        if (!pos) bench_die("wal: recovery allocation");
        for (;;) {
            struct wal_rec *r = (struct wal_rec *)(w_log + at);
            if (!rec_valid(r, at, e)) break;
            if (n == cap && !(pos = realloc(pos, (cap *= 2) * sizeof *pos)))
                bench_die("wal: recovery allocation");
            pos[n++] = at;
            at += rec_size(r);
        }
        for (size_t i = n; i-- > 0;) {
            struct wal_rec *r = (struct wal_rec *)(w_log + pos[i]);
            if (r->kind == WAL_UNDO_REDO) memcpy(w_heap + r->off, r + 1, r->len);
        }
        free(pos);
    }
    sync_range(w_heap, w_heap_size, "heap during recovery");
    if (n)
        fprintf(stderr, "wal: recovered %s: %s %zu records\n", w_path,
                redo ? "redid" : "undid", n);
    /* Retire the log: an empty committed transaction, and no record tagged epoch+1 at the start. */
    h->bytes = 0;
    h->check = wal_hash(w_log + WAL_START, 0, 0xcbf29ce484222325ull);
    memset(w_log + WAL_START, 0, sizeof(struct wal_rec));
    sync_range(w_log, WAL_START + sizeof(struct wal_rec), "log after recovery");
}

void wal_open(const char *path, char *heap_base, size_t heap_size, size_t log_size) {
    snprintf(w_path, sizeof w_path, "%s", path);
    w_heap = heap_base;
    w_heap_size = heap_size;
    w_log_size = log_size;
    w_fd = open(path, O_RDWR | O_CREAT, 0600);
    if (w_fd < 0) bench_die("wal: open %s", path);
    struct stat st;
    if (fstat(w_fd, &st) != 0) bench_die("wal: fstat %s", path);
    int existing = st.st_size >= WAL_START;
    if ((size_t)st.st_size != log_size && ftruncate(w_fd, (off_t)log_size) != 0)
        bench_die("wal: ftruncate %s", path);
    w_log = mmap(NULL, log_size, PROT_READ | PROT_WRITE, MAP_SHARED, w_fd, 0);
    if (w_log == MAP_FAILED) bench_die("wal: mmap %s", path);
    struct wal_hdr *h = (struct wal_hdr *)w_log;
    if (existing && h->magic == WAL_MAGIC) {
        recover();
    } else if (existing && h->magic != 0) {
        bench_die("wal: %s is not a log of this benchmark (bad magic)", path);
    } else {
        h->magic = WAL_MAGIC;
        h->epoch = 0;
        h->bytes = 0;
        h->check = wal_hash(w_log, 0, 0xcbf29ce484222325ull);
        sync_range(w_log, WAL_START + sizeof(struct wal_rec), "new log");
    }
    w_epoch = h->epoch + 1;
    w_tail = WAL_START;
}

static struct wal_rec *append(void *addr, size_t size, uint32_t kind) {
    struct wal_rec *r = (struct wal_rec *)(w_log + w_tail);
    size_t need = sizeof *r + (kind == WAL_UNDO_REDO ? 2 : 1) * pad8(size);
    if (w_tail + need > w_log_size)
        bench_die("wal: log %s full (%zu bytes) in one transaction; use smaller batches", w_path,
                  w_log_size);
    r->off = (uint64_t)((char *)addr - w_heap);
    r->len = (uint32_t)size;
    r->kind = kind;
    r->epoch = w_epoch;
    w_tail += need;
    return r;
}

void wal_mark(void *addr, size_t size) {
#if defined(VARIANT_WAL_DAX)
    dax_touch(addr, size);
#endif
    struct wal_rec *r = append(addr, size, WAL_UNDO_REDO);
    char *undo = (char *)(r + 1);
    memcpy(undo, addr, size);
    memset(undo + size, 0, pad8(size) - size);
    r->check = rec_check(r);
}

void wal_new(void *addr, size_t size) {
    struct wal_rec *r = append(addr, size, WAL_REDO);
    r->check = rec_check(r);
}

void wal_commit(void) {
    if (w_tail == WAL_START) return; /* nothing changed */
    for (size_t at = WAL_START; at < w_tail;) {
        struct wal_rec *r = (struct wal_rec *)(w_log + at);
        char *redo = rec_redo(r);
        memcpy(redo, w_heap + r->off, r->len);
        memset(redo + r->len, 0, pad8(r->len) - r->len);
        at += rec_size(r);
    }
    struct wal_hdr *h = (struct wal_hdr *)w_log;
    h->bytes = w_tail - WAL_START;
    h->check = wal_hash(w_log + WAL_START, h->bytes, 0xcbf29ce484222325ull);
    h->epoch = w_epoch;
    sync_range(w_log, w_tail, "log");             /* msync #1: commit point */
    sync_range(w_heap, w_heap_size, "heap");      /* msync #2: data; log reusable */
    w_epoch++;
    w_tail = WAL_START;
}

void wal_close(int keep) {
    if (munmap(w_log, w_log_size) != 0) bench_die("wal: munmap");
    close(w_fd);
    if (!keep) unlink(w_path);
}
