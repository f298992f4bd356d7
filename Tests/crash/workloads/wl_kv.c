/*
 * wl_kv.c — a hash key-value store whose allocator lives inside the mapped file.
 * The file holds PARTS independent partitions (bucket array + free list + heap); partition p is
 * served by thread p % THREADS and its operation stream depends only on (seed, p), so the
 * committed images are the same for any thread count. Rounds: every thread does its share, a
 * barrier, thread 0 msyncs, a barrier — writes never race the commit.
 * Heap blocks: {u32 size; u32 used} headers tiling [heap, top); entry = {u32 next; u32 vlen;
 * u64 key; u64 version; value bytes}; free blocks are first-fit, split, never coalesced.
 * Invariants: blocks tile the heap, each used block is in exactly one chain (of its key's bucket),
 * each free block on the free list once, values match (key, version), counts match.
 */
#include "wl_common.h"

#define PARTS 4
#define BUCKETS 64
#define PART_SIZE (32u * 1024u)
#define HDR_BYTES 320u                          /* header + buckets, 64-aligned */
#define SIZE ((size_t)PARTS * PART_SIZE)

struct phdr { uint64_t magic; uint32_t top, free_head, count, pad; uint32_t bucket[BUCKETS]; };
struct blk { uint32_t size, used; };
struct ent { uint32_t next, vlen; uint64_t key, version; unsigned char v[]; };

static const uint64_t MAGIC = WL_MAGIC('k', 'v', 's', 't');
static unsigned char *BASE;

static struct phdr *part(int p) { return (struct phdr *)(BASE + (size_t)p * PART_SIZE); }
static struct blk *blk(int p, uint32_t off) { return (struct blk *)(BASE + (size_t)p * PART_SIZE + off); }
static struct ent *ent_of(int p, uint32_t off) { return (struct ent *)((unsigned char *)blk(p, off) + 8); }
static unsigned char vbyte(uint64_t key, uint64_t version, uint32_t i) {
    return (unsigned char)(wl_mix(key ^ (version << 20)) >> (8 * (i % 8))) ^ (unsigned char)i;
}

static uint32_t kv_alloc(int p, uint32_t need) {
    struct phdr *h = part(p);
    need = (need + 8 + 15) & ~15u;
    for (uint32_t *link = &h->free_head; *link; link = &ent_of(p, *link)->next) {
        uint32_t off = *link;
        struct blk *b = blk(p, off);
        if (b->size < need) continue;
        *link = ent_of(p, off)->next;
        if (b->size - need >= 48) {              /* split: the tail goes back on the free list */
            struct blk *rest = blk(p, off + need);
            rest->size = b->size - need;
            rest->used = 0;
            ent_of(p, off + need)->next = h->free_head;
            h->free_head = off + need;
            b->size = need;
        }
        b->used = 1;
        return off;
    }
    if (h->top + need > PART_SIZE) return 0;
    uint32_t off = h->top;
    h->top += need;
    blk(p, off)->size = need;
    blk(p, off)->used = 1;
    return off;
}

static void kv_free(int p, uint32_t off) {
    blk(p, off)->used = 0;
    ent_of(p, off)->next = part(p)->free_head;
    part(p)->free_head = off;
}

/* Remove key if present (returns 1). */
static int kv_del(int p, uint64_t key) {
    struct phdr *h = part(p);
    for (uint32_t *link = &h->bucket[key % BUCKETS]; *link; link = &ent_of(p, *link)->next) {
        uint32_t off = *link;
        if (ent_of(p, off)->key == key) {
            *link = ent_of(p, off)->next;
            kv_free(p, off);
            h->count--;
            return 1;
        }
    }
    return 0;
}

static void kv_put(int p, uint64_t key, uint64_t version, uint32_t vlen) {
    struct phdr *h = part(p);
    uint32_t off = kv_alloc(p, (uint32_t)sizeof(struct ent) + vlen);
    if (!off) return;                            /* full: deterministic no-op */
    kv_del(p, key);
    struct ent *e = ent_of(p, off);
    e->key = key;
    e->version = version;
    e->vlen = vlen;
    for (uint32_t i = 0; i < vlen; i++) e->v[i] = vbyte(key, version, i);
    e->next = h->bucket[key % BUCKETS];
    h->bucket[key % BUCKETS] = off;
    h->count++;
}

static int check(const char *path) {
    BASE = wl_slurp(path, SIZE);
    for (int p = 0; p < PARTS; p++) {
        struct phdr *h = part(p);
        if (h->magic != MAGIC) wl_fail("partition %" PRIu64 " bad magic %" PRIx64, path, p, h->magic);
        if (h->top < HDR_BYTES || h->top > PART_SIZE) wl_fail("partition %" PRIu64 " top %" PRIu64, path, p, h->top);
        static unsigned char mark[PART_SIZE / 16];   /* 1 = block start, 2 = reached */
        memset(mark, 0, sizeof mark);
        uint32_t nused = 0;
        for (uint32_t off = HDR_BYTES; off < h->top;) {
            struct blk *b = blk(p, off);
            if (b->size < 16 || b->size % 16 || off + b->size > h->top)
                wl_fail("block at %" PRIu64 " has size %" PRIu64, path, off, b->size);
            mark[off / 16] = 1;
            nused += b->used;
            off += b->size;
        }
        uint32_t reached = 0;
        for (int k = 0; k < BUCKETS; k++)
            for (uint32_t off = h->bucket[k]; off; off = ent_of(p, off)->next) {
                if (off >= PART_SIZE || mark[off / 16] != 1 || !blk(p, off)->used)
                    wl_fail("chain reaches %" PRIu64 " (not a used block start, or twice; bucket %" PRIu64 ")", path, off, k);
                mark[off / 16] = 2;
                struct ent *e = ent_of(p, off);
                if (e->key % BUCKETS != (uint64_t)k) wl_fail("key %" PRIu64 " in bucket %" PRIu64, path, e->key, k);
                if (sizeof(struct ent) + e->vlen + 8 > blk(p, off)->size) wl_fail("value length %" PRIu64 " overflows block %" PRIu64, path, e->vlen, off);
                for (uint32_t i = 0; i < e->vlen; i++)
                    if (e->v[i] != vbyte(e->key, e->version, i))
                        wl_fail("key %" PRIu64 " value byte %" PRIu64 " does not match its version", path, e->key, i);
                reached++;
            }
        if (reached != nused || reached != h->count)
            wl_fail("reachable entries %" PRIu64 " vs used blocks / count (%" PRIu64 ")", path, reached, (uint64_t)nused << 32 | h->count);
        for (uint32_t off = h->free_head; off; off = ent_of(p, off)->next) {
            if (off >= PART_SIZE || mark[off / 16] != 1 || blk(p, off)->used)
                wl_fail("free list reaches %" PRIu64 " (not a free block start, or twice) in partition %" PRIu64, path, off, p);
            mark[off / 16] = 2;
        }
    }
    return 0;
}

static struct { uint64_t seed, ops, every; int threads; wl_file *f; pthread_barrier_t bar; } G;

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    uint64_t s[PARTS];
    for (int p = 0; p < PARTS; p++) s[p] = G.seed * 1000 + (uint64_t)p;
    for (uint64_t done = 0; done < G.ops; done += G.every) {
        for (int p = t; p < PARTS; p += G.threads)
            for (uint64_t op = done; op < done + G.every && op < G.ops; op++) {
                uint64_t r = wl_rand(&s[p]);
                uint64_t key = (r >> 8) % 200;
                if (r % 5 == 0) kv_del(p, key);
                else kv_put(p, key, op, 8 + (uint32_t)((r >> 32) % 200));
            }
        pthread_barrier_wait(&G.bar);
        if (t == 0) wl_commit(G.f);
        pthread_barrier_wait(&G.bar);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    if (!strcmp(argv[1], "check")) return check(argv[2]);
    int init = !strcmp(argv[1], "init");
    if (!init && (strcmp(argv[1], "run") || argc < 5)) return wl_usage(argv[0]);
    wl_file f;
    wl_map(&f, argv[2], SIZE, init);
    BASE = f.base;
    if (init) {
        for (int p = 0; p < PARTS; p++) { part(p)->magic = MAGIC; part(p)->top = HDR_BYTES; }
    } else {
        G.seed = wl_num(argv[3], "seed");
        G.ops = wl_num(argv[4], "ops");
        G.threads = argc > 5 ? (int)wl_num(argv[5], "threads") : 1;
        if (G.threads < 1 || G.threads > PARTS) { fprintf(stderr, "threads: 1..%d\n", PARTS); return 2; }
        G.every = 2 + G.seed % 3;
        G.f = &f;
        pthread_barrier_init(&G.bar, NULL, (unsigned)G.threads);
        wl_run_threads(G.threads, worker, argv[2]);
    }
    wl_commit(&f);
    wl_selfcheck(&f);
    wl_unmap(&f);
    return 0;
}
