/*
 * wl_btree.c — a B-tree (minimum degree 4: 3..7 keys per non-root node) whose nodes live in the
 * mapped file; inserts split full nodes on the way down, existing keys get their value updated.
 * Values carry a key-derived tag so `check` can tell a torn update. Invariants: keys strictly
 * increasing in order, every leaf at the same depth, fill bounds, count in the header.
 */
#include "wl_common.h"

#define T 4
#define MAXK (2 * T - 1)
#define NODES 511u              /* node 0 is the header */

struct node {                   /* 176 bytes: nodes straddle lines on purpose */
    uint16_t n, leaf;
    uint32_t pad;
    uint64_t key[MAXK];
    uint64_t val[MAXK];
    uint32_t child[MAXK + 1];
    uint64_t pad2[3];
};
struct hdr { uint64_t magic; uint32_t root, used; uint64_t count, height; };

static const uint64_t MAGIC = WL_MAGIC('b', 't', 'r', 'e');
#define SIZE ((size_t)(NODES + 1) * sizeof(struct node))

static struct hdr *H;
static struct node *N;

static uint64_t tag(uint64_t key) { return wl_mix(key) & 0xffffffff00000000ULL; }

static uint32_t alloc_node(int leaf) {
    uint32_t i = H->used++;
    memset(&N[i], 0, sizeof N[i]);
    N[i].leaf = (uint16_t)leaf;
    return i;
}

static void split_child(uint32_t x, int i) {   /* child i of x is full */
    uint32_t y = N[x].child[i], z = alloc_node(N[y].leaf);
    N[z].n = T - 1;
    for (int j = 0; j < T - 1; j++) { N[z].key[j] = N[y].key[j + T]; N[z].val[j] = N[y].val[j + T]; }
    if (!N[y].leaf)
        for (int j = 0; j < T; j++) N[z].child[j] = N[y].child[j + T];
    for (int j = N[x].n; j > i; j--) N[x].child[j + 1] = N[x].child[j];
    N[x].child[i + 1] = z;
    for (int j = N[x].n - 1; j >= i; j--) { N[x].key[j + 1] = N[x].key[j]; N[x].val[j + 1] = N[x].val[j]; }
    N[x].key[i] = N[y].key[T - 1];
    N[x].val[i] = N[y].val[T - 1];
    N[x].n++;
    N[y].n = T - 1;
}

static void insert(uint64_t key, uint64_t version) {
    uint64_t val = tag(key) | (version & 0xffffffff);
    for (uint32_t x = H->root;;) {                 /* update in place if present */
        int i = 0;
        while (i < N[x].n && key > N[x].key[i]) i++;
        if (i < N[x].n && key == N[x].key[i]) { N[x].val[i] = val; return; }
        if (N[x].leaf) break;
        x = N[x].child[i];
    }
    if (H->used + 2 * (H->height + 1) > NODES) return;   /* full: deterministic no-op */
    if (N[H->root].n == MAXK) {
        uint32_t s = alloc_node(0);
        N[s].child[0] = H->root;
        H->root = s;
        H->height++;
        split_child(s, 0);
    }
    uint32_t x = H->root;
    while (!N[x].leaf) {
        int i = N[x].n - 1;
        while (i >= 0 && key < N[x].key[i]) i--;
        i++;
        if (N[N[x].child[i]].n == MAXK) {
            split_child(x, i);
            if (key > N[x].key[i]) i++;
        }
        x = N[x].child[i];
    }
    int i = N[x].n - 1;
    while (i >= 0 && key < N[x].key[i]) { N[x].key[i + 1] = N[x].key[i]; N[x].val[i + 1] = N[x].val[i]; i--; }
    N[x].key[i + 1] = key;
    N[x].val[i + 1] = val;
    N[x].n++;
    H->count++;
}

static const char *P;
static uint64_t seen, prev;
static int have_prev;

static void walk(uint32_t x, uint64_t depth, int root) {
    if (x == 0 || x >= H->used) wl_fail("child pointer %" PRIu64 " out of range (used %" PRIu64 ")", P, x, H->used);
    struct node *n = &N[x];
    if (n->n > MAXK || (!root && n->n < T - 1)) wl_fail("node %" PRIu64 " has %" PRIu64 " keys", P, x, n->n);
    if (n->leaf && depth != H->height) wl_fail("leaf at depth %" PRIu64 ", height %" PRIu64, P, depth, H->height);
    if (!n->leaf && depth >= H->height) wl_fail("inner node %" PRIu64 " at depth %" PRIu64, P, x, depth);
    for (int i = 0; i <= n->n; i++) {
        if (!n->leaf) walk(n->child[i], depth + 1, 0);
        if (i == n->n) break;
        if (have_prev && n->key[i] <= prev) wl_fail("key %" PRIu64 " after %" PRIu64 " (order)", P, n->key[i], prev);
        if ((n->val[i] & 0xffffffff00000000ULL) != tag(n->key[i]))
            wl_fail("value of key %" PRIu64 " has a foreign tag %" PRIx64, P, n->key[i], n->val[i]);
        prev = n->key[i];
        have_prev = 1;
        seen++;
    }
}

int main(int argc, char **argv) {
    if (argc < 3) return wl_usage(argv[0]);
    wl_file f;
    if (!strcmp(argv[1], "check")) {
        P = argv[2];
        unsigned char *b = wl_slurp(P, SIZE);
        H = (struct hdr *)b;
        N = (struct node *)b;
        if (H->magic != MAGIC) wl_fail("bad magic %" PRIx64 "%.0" PRIu64, P, H->magic, 0);
        if (H->used > NODES + 1) wl_fail("used %" PRIu64 " > %" PRIu64, P, H->used, NODES + 1);
        walk(H->root, 0, 1);
        if (seen != H->count) wl_fail("walk found %" PRIu64 " keys, header says %" PRIu64, P, seen, H->count);
        return 0;
    }
    int init = !strcmp(argv[1], "init");
    if (!init && (strcmp(argv[1], "run") || argc < 5)) return wl_usage(argv[0]);
    wl_map(&f, argv[2], SIZE, init);
    H = (struct hdr *)f.base;
    N = (struct node *)f.base;
    if (init) {
        H->magic = MAGIC;
        H->used = 1;
        H->root = alloc_node(1);
    } else {
        uint64_t seed = wl_num(argv[3], "seed"), ops = wl_num(argv[4], "ops"), s = seed;
        unsigned every = 2 + (unsigned)(seed % 3);
        for (uint64_t op = 0; op < ops; op++) {
            uint64_t r = wl_rand(&s);
            insert((r >> 16) % 4096, op);
            if (op % every == every - 1) wl_commit(&f);
        }
    }
    wl_commit(&f);
    wl_selfcheck(&f);
    wl_unmap(&f);
    return 0;
}
