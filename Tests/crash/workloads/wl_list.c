/*
 * wl_list.c — a singly linked list living in the mapped file: insert at tail, delete from head,
 * update in place; freed nodes go to a free list inside the file. One 64-byte node per line.
 * Invariants (check): the list is acyclic, count/sum/tail in the header match a walk, each node's
 * payload matches its value, and live + free + never-used nodes account for the whole pool.
 */
#include "wl_common.h"

#define CAP 1023u               /* nodes 1..CAP; index 0 is the header line / null */
#define NIL 0u

struct node { uint32_t next, pad; uint64_t val; uint64_t payload[6]; };
struct hdr { uint64_t magic; uint32_t head, tail, count, free_head, unused; uint32_t pad; uint64_t sum; };

static void fill(struct node *n, uint64_t val) {
    n->val = val;
    for (int i = 0; i < 6; i++) n->payload[i] = wl_mix(val + (uint64_t)i);
}

static const uint64_t MAGIC = WL_MAGIC('l', 'i', 's', 't');
#define SIZE ((size_t)(CAP + 1) * 64)

static int check(const char *path) {
    unsigned char *b = wl_slurp(path, SIZE);
    struct hdr *h = (struct hdr *)b;
    struct node *nodes = (struct node *)b;
    if (h->magic != MAGIC) wl_fail("bad magic %" PRIx64 "%.0" PRIu64, path, h->magic, 0);
    static unsigned char seen[CAP + 1];
    uint32_t cnt = 0, last = NIL;
    uint64_t sum = 0;
    for (uint32_t i = h->head; i != NIL; i = nodes[i].next) {
        if (i > CAP || seen[i]) wl_fail("list reaches node %" PRIu64 " twice or out of range (%" PRIu64 ")", path, i, cnt);
        seen[i] = 1;
        for (int k = 0; k < 6; k++)
            if (nodes[i].payload[k] != wl_mix(nodes[i].val + (uint64_t)k))
                wl_fail("node %" PRIu64 " payload does not match value %" PRIu64, path, i, nodes[i].val);
        sum += nodes[i].val;
        cnt++;
        last = i;
    }
    if (cnt != h->count) wl_fail("walk found %" PRIu64 " nodes, header says %" PRIu64, path, cnt, h->count);
    if (sum != h->sum) wl_fail("sum %" PRIu64 " != header %" PRIu64, path, sum, h->sum);
    if (last != h->tail) wl_fail("tail %" PRIu64 " != header %" PRIu64, path, last, h->tail);
    uint32_t nfree = 0;
    for (uint32_t i = h->free_head; i != NIL; i = nodes[i].next) {
        if (i > CAP || seen[i]) wl_fail("free list reaches node %" PRIu64 " twice or a live one (%" PRIu64 ")", path, i, nfree);
        seen[i] = 1;
        nfree++;
    }
    if (cnt + nfree + 1 != h->unused)
        wl_fail("live + free = %" PRIu64 " but %" PRIu64 " nodes were handed out", path, cnt + nfree, h->unused - 1);
    free(b);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    wl_file f;
    if (!strcmp(argv[1], "check")) return check(argv[2]);
    if (!strcmp(argv[1], "init")) {
        wl_map(&f, argv[2], SIZE, 1);
        struct hdr *h = (struct hdr *)f.base;
        h->magic = MAGIC;
        h->unused = 1;
        wl_commit(&f);
        wl_selfcheck(&f);
        wl_unmap(&f);
        return 0;
    }
    if (strcmp(argv[1], "run") || argc < 5) return wl_usage(argv[0]);
    uint64_t seed = wl_num(argv[3], "seed"), ops = wl_num(argv[4], "ops");
    wl_map(&f, argv[2], SIZE, 0);
    struct hdr *h = (struct hdr *)f.base;
    struct node *nodes = (struct node *)f.base;
    uint64_t s = seed;
    unsigned every = 1 + (unsigned)(seed % 4);
    for (uint64_t op = 0; op < ops; op++) {
        uint64_t r = wl_rand(&s);
        unsigned kind = (unsigned)(r % 8);
        if (kind < 4 || h->count == 0) {                 /* insert at tail */
            uint32_t n = h->free_head;
            if (n != NIL) h->free_head = nodes[n].next;
            else if (h->unused <= CAP) n = h->unused++;
            else continue;
            fill(&nodes[n], r >> 8);
            nodes[n].next = NIL;
            if (h->tail != NIL) nodes[h->tail].next = n; else h->head = n;
            h->tail = n;
            h->count++;
            h->sum += nodes[n].val;
        } else if (kind < 6) {                            /* delete from head */
            uint32_t n = h->head;
            h->head = nodes[n].next;
            if (h->head == NIL) h->tail = NIL;
            h->count--;
            h->sum -= nodes[n].val;
            nodes[n].next = h->free_head;
            h->free_head = n;
        } else {                                          /* update the k-th node */
            uint32_t n = h->head;
            for (uint64_t k = (r >> 32) % h->count; k; k--) n = nodes[n].next;
            h->sum -= nodes[n].val;
            fill(&nodes[n], nodes[n].val + 1);
            h->sum += nodes[n].val;
        }
        if (op % every == every - 1) wl_commit(&f);
    }
    wl_commit(&f);
    wl_selfcheck(&f);
    wl_unmap(&f);
    return 0;
}
