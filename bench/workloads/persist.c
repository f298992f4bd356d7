/*
 * persist.c — heap creation, allocation and commit for each variant (see persist.h).
 *
 * Every variant except pmdk uses the same allocator: power-of-two size classes with free lists
 * and a bump pointer, all kept in a header at offset 0 of the heap. Its metadata lives in the heap,
 * so under snapshot it is committed atomically with the data, under wal it is logged through
 * p_mark, and under msync it is as (in)consistent as everything else. pmdk uses libpmemobj's own
 * transactional allocator.
 */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

char *p_base;

static const bench_cfg *p_cfg;
static size_t p_size;
static uint64_t p_pending; /* operations since the last commit */
static char p_path[4096];

#if defined(VARIANT_ABLATE_NOOP) || defined(VARIANT_ABLATE_CHECK)
void bench_ablation_set_range(void *base, size_t size); /* ablation.c */
#endif

#if defined(VARIANT_PMDK)
/* ------------------------------------------------------------------------------------------ pmdk */
static PMEMobjpool *pop;
static PMEMoid p_root_oid;
static int p_in_tx;

void p_open(const bench_cfg *cfg, const char *name, size_t heap_bytes, size_t root_size) {
    p_cfg = cfg;
    snprintf(p_path, sizeof p_path, "%s/snapbench-%s-%s-%d.pool", cfg->dir, name, P_VARIANT_NAME,
             (int)getpid());
    unlink(p_path);
    /* libpmemobj's allocator has per-object headers and run granularity: give it headroom. */
    size_t pool = heap_bytes + heap_bytes / 2 + ((size_t)64 << 20);
    pop = pmemobj_create(p_path, "snapbench", pool, 0600);
    if (!pop) bench_die("pmemobj_create %s (%zu bytes): %s", p_path, pool, pmemobj_errormsg());
    p_root_oid = pmemobj_root(pop, root_size);
    if (OID_IS_NULL(p_root_oid)) bench_die("pmemobj_root: %s", pmemobj_errormsg());
    p_base = (char *)pop;
    p_size = pool;
}

void *p_root(void) { return pmemobj_direct(p_root_oid); }

poff_t p_alloc(size_t size) {
    PMEMoid o = pmemobj_tx_zalloc(size, 1);
    if (OID_IS_NULL(o)) bench_die("pmemobj_tx_zalloc(%zu): %s", size, pmemobj_errormsg());
    return o.off;
}

void p_free(poff_t off, size_t size) {
    (void)size;
    PMEMoid o = {p_root_oid.pool_uuid_lo, off};
    if (pmemobj_tx_free(o) != 0) bench_die("pmemobj_tx_free: %s", pmemobj_errormsg());
}

void p_op_begin(void) {
    if (p_in_tx) return;
    if (pmemobj_tx_begin(pop, NULL, TX_PARAM_NONE) != 0)
        bench_die("pmemobj_tx_begin: %s", pmemobj_errormsg());
    p_in_tx = 1;
}

void p_sync(void) {
    if (!p_in_tx) return;
    pmemobj_tx_commit();
    if (pmemobj_tx_end() != 0) bench_die("pmemobj transaction failed: %s", pmemobj_errormsg());
    p_in_tx = 0;
    p_pending = 0;
}

void p_close(void) {
    p_sync();
    pmemobj_close(pop);
    if (!p_cfg->keep) unlink(p_path);
}

#else
/* ---------------------------------------------------------------- every other variant: own heap */
#define HEAP_MAGIC 0x3150414548424e53ull /* "SNBHEAP1" */
#define NCLASS 48
struct heap_hdr {
    uint64_t magic;
    uint64_t size;
    uint64_t bump;
    uint64_t root;
    uint64_t free_[NCLASS]; /* free list heads per class (block size 1 << class) */
};
static int p_fd = -1;

static unsigned size_class(size_t size) {
    unsigned c = 4; /* 16-byte minimum: room for the free-list link and 8-byte alignment */
    while (((size_t)1 << c) < size) c++;
    if (c >= NCLASS) bench_die("allocation of %zu bytes is too large", size);
    return c;
}

void p_open(const bench_cfg *cfg, const char *name, size_t heap_bytes, size_t root_size) {
    p_cfg = cfg;
    p_size = (heap_bytes + 4095) & ~(size_t)4095;
#if defined(VARIANT_NATIVE) || defined(VARIANT_ABLATE_NOOP) || defined(VARIANT_ABLATE_CHECK)
    (void)name;
    p_base = mmap(NULL, p_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                  -1, 0);
    if (p_base == MAP_FAILED) bench_die("mmap %zu anonymous bytes", p_size);
#if defined(VARIANT_ABLATE_NOOP)
    bench_ablation_set_range(p_base, p_size);
#endif
#else
    snprintf(p_path, sizeof p_path, "%s/snapbench-%s-%s-%d.heap", cfg->dir, name, P_VARIANT_NAME,
             (int)getpid());
    p_fd = open(p_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (p_fd < 0) bench_die("open %s", p_path);
    if (ftruncate(p_fd, (off_t)p_size) != 0) bench_die("ftruncate %s to %zu", p_path, p_size);
    p_base = mmap(NULL, p_size, PROT_READ | PROT_WRITE, MAP_SHARED, p_fd, 0);
    if (p_base == MAP_FAILED) bench_die("mmap %s (%zu bytes)", p_path, p_size);
#if defined(VARIANT_WAL)
    char log[4200];
    snprintf(log, sizeof log, "%s.wal", p_path);
    wal_open(log, p_base, p_size, (size_t)256 << 20);
#endif
#if defined(P_DAX_EMULATION)
    dax_init(p_base, p_size);
#endif
#endif
    struct heap_hdr *h = (struct heap_hdr *)p_base;
    h->magic = HEAP_MAGIC;
    h->size = p_size;
    h->bump = (sizeof *h + 63) & ~(uint64_t)63;
    h->root = 0;
    p_op_begin();
    h->root = p_alloc(root_size);
    p_op_end();
    p_sync();
}

void *p_root(void) { return p_base + ((struct heap_hdr *)p_base)->root; }

poff_t p_alloc(size_t size) {
    struct heap_hdr *h = (struct heap_hdr *)p_base;
    unsigned c = size_class(size);
    size_t bs = (size_t)1 << c;
    poff_t off = h->free_[c];
    if (off) {
        p_mark(&h->free_[c], sizeof h->free_[c]);
        p_mark(P_PTR(poff_t, off), sizeof(poff_t)); /* the link the memset below overwrites */
        h->free_[c] = *P_PTR(poff_t, off);
    } else {
        size_t align = bs < 64 ? bs : 64;
        off = (h->bump + align - 1) & ~(uint64_t)(align - 1);
        if (off + bs > h->size)
            bench_die("heap of %zu MiB is full; rerun with a larger --heap-mb", p_size >> 20);
        p_mark(&h->bump, sizeof h->bump);
        h->bump = off + bs;
    }
    memset(p_base + off, 0, size);
#if defined(VARIANT_WAL)
    wal_new(p_base + off, size); /* new bytes: redo-logged at commit, nothing to undo */
#endif
#if defined(P_DAX_EMULATION)
    dax_touch(p_base + off, size);
#endif
    return off;
}

void p_free(poff_t off, size_t size) {
    struct heap_hdr *h = (struct heap_hdr *)p_base;
    unsigned c = size_class(size);
    p_mark(P_PTR(poff_t, off), sizeof(poff_t));
    *P_PTR(poff_t, off) = h->free_[c];
    p_mark(&h->free_[c], sizeof h->free_[c]);
    h->free_[c] = off;
}

void p_op_begin(void) {}

void p_sync(void) {
    if (p_pending == 0) return;
    p_pending = 0;
#if defined(VARIANT_SNAPSHOT) || defined(VARIANT_MSYNC)
    /* The whole mapping, as a plain program would: the kernel writes back only dirty pages, and
     * libsnapshot commits the whole file whatever the range. */
    if (msync(p_base, p_size, MS_SYNC) != 0) bench_die("msync %s", p_path);
#if defined(P_DAX_EMULATION)
    dax_msync(); /* + the page flushes a DAX msync would do (the syscall above is real) */
#endif
#elif defined(VARIANT_WAL)
    wal_commit();
#endif
}

void p_close(void) {
    p_sync();
#if defined(VARIANT_WAL)
    wal_close(p_cfg->keep);
#endif
    if (munmap(p_base, p_size) != 0) bench_die("munmap");
    if (p_fd >= 0) {
        close(p_fd);
        if (!p_cfg->keep) {
            unlink(p_path);
#if defined(VARIANT_SNAPSHOT)
            /* libsnapshot keeps its undo log beside the file (".<name>.snapshot-log"). */
            char log[4200];
            const char *slash = strrchr(p_path, '/');
            snprintf(log, sizeof log, "%.*s/.%s.snapshot-log", (int)(slash - p_path), p_path,
                     slash + 1);
            unlink(log);
#endif
        }
    }
}
#endif

/* Shared by every variant: count operations, commit every `batch`. */
void p_op_end(void) {
    if (++p_pending >= p_cfg->batch) p_sync();
}
