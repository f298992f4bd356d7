/*
 * btree.c — B-tree of order 8 (at most 8 children, 7 keys; at least 3 keys in a non-root node)
 * with 8-byte keys and values. Phases: insert --ops random keys, depth-first (in-order) read of
 * the whole tree, delete every key in insertion order. Same source for every variant; a node is
 * p_mark'ed as a whole before it changes, as PMDK code does with TX_ADD(node).
 *
 * Insertion splits full nodes on the way down and deletion fills minimal nodes on the way down
 * (CLRS), so each operation is a single root-to-leaf pass.
 */
#include "bench.h"
#include "persist.h"

#include <string.h>

#define ORDER 8
#define MAXK (ORDER - 1)
#define T (ORDER / 2) /* minimum degree: non-root nodes hold T-1 .. 2T-1 keys */

struct bnode {
    uint32_t n, leaf;
    uint64_t key[MAXK];
    uint64_t val[MAXK];
    poff_t child[ORDER];
};
struct root {
    poff_t top;
    uint64_t count;
};

#define N(off) P_PTR(struct bnode, off)

static poff_t new_node(int leaf) {
    poff_t o = p_alloc(sizeof(struct bnode));
    N(o)->leaf = (uint32_t)leaf;
    return o;
}

/* x.child[i] is full: split it around its median, which moves up into x (x is not full). */
static void split_child(struct bnode *x, int i) {
    struct bnode *y = N(x->child[i]);
    poff_t zo = new_node(y->leaf);
    struct bnode *z = N(zo);
    z->n = T - 1;
    memcpy(z->key, y->key + T, (T - 1) * sizeof(uint64_t));
    memcpy(z->val, y->val + T, (T - 1) * sizeof(uint64_t));
    if (!y->leaf) memcpy(z->child, y->child + T, T * sizeof(poff_t));
    p_mark(y, sizeof *y);
    y->n = T - 1;
    p_mark(x, sizeof *x);
    memmove(x->child + i + 2, x->child + i + 1, (x->n - i) * sizeof(poff_t));
    memmove(x->key + i + 1, x->key + i, (x->n - i) * sizeof(uint64_t));
    memmove(x->val + i + 1, x->val + i, (x->n - i) * sizeof(uint64_t));
    x->child[i + 1] = zo;
    x->key[i] = y->key[T - 1];
    x->val[i] = y->val[T - 1];
    x->n++;
}

/* Returns 1 if a new key was added, 0 if an existing key's value was replaced. */
static int insert(struct root *r, uint64_t k, uint64_t v) {
    if (!r->top) {
        poff_t o = new_node(1);
        N(o)->n = 1;
        N(o)->key[0] = k;
        N(o)->val[0] = v;
        p_mark(r, sizeof *r);
        r->top = o;
        r->count = 1;
        return 1;
    }
    if (N(r->top)->n == MAXK) {
        poff_t s = new_node(0);
        N(s)->child[0] = r->top;
        p_mark(&r->top, sizeof r->top);
        r->top = s;
        split_child(N(s), 0);
    }
    struct bnode *x = N(r->top);
    for (;;) {
        int i = 0;
        while (i < (int)x->n && x->key[i] < k) i++;
        if (i < (int)x->n && x->key[i] == k) {
            p_mark(&x->val[i], sizeof x->val[i]);
            x->val[i] = v;
            return 0;
        }
        if (x->leaf) {
            p_mark(x, sizeof *x);
            memmove(x->key + i + 1, x->key + i, (x->n - i) * sizeof(uint64_t));
            memmove(x->val + i + 1, x->val + i, (x->n - i) * sizeof(uint64_t));
            x->key[i] = k;
            x->val[i] = v;
            x->n++;
            p_mark(&r->count, sizeof r->count);
            r->count++;
            return 1;
        }
        if (N(x->child[i])->n == MAXK) {
            split_child(x, i);
            if (k == x->key[i]) {
                p_mark(&x->val[i], sizeof x->val[i]);
                x->val[i] = v;
                return 0;
            }
            if (k > x->key[i]) i++;
        }
        x = N(x->child[i]);
    }
}

/* Merge x.child[i+1] and the separator key[i] into x.child[i]; both children hold T-1 keys. */
static void merge(struct bnode *x, int i) {
    poff_t zo = x->child[i + 1];
    struct bnode *y = N(x->child[i]), *z = N(zo);
    p_mark(y, sizeof *y);
    y->key[T - 1] = x->key[i];
    y->val[T - 1] = x->val[i];
    memcpy(y->key + T, z->key, z->n * sizeof(uint64_t));
    memcpy(y->val + T, z->val, z->n * sizeof(uint64_t));
    if (!y->leaf) memcpy(y->child + T, z->child, (z->n + 1) * sizeof(poff_t));
    y->n += z->n + 1;
    p_mark(x, sizeof *x);
    memmove(x->key + i, x->key + i + 1, (x->n - i - 1) * sizeof(uint64_t));
    memmove(x->val + i, x->val + i + 1, (x->n - i - 1) * sizeof(uint64_t));
    memmove(x->child + i + 1, x->child + i + 2, (x->n - i - 1) * sizeof(poff_t));
    x->n--;
    p_free(zo, sizeof(struct bnode));
}

/* x.child[i] holds T-1 keys: give it one more (borrow from a sibling, or merge). Returns the index
 * of the child that now covers the searched range. */
static int fill(struct bnode *x, int i) {
    struct bnode *c = N(x->child[i]);
    if (i > 0 && N(x->child[i - 1])->n >= T) { /* borrow from the left sibling */
        struct bnode *l = N(x->child[i - 1]);
        p_mark(c, sizeof *c);
        memmove(c->key + 1, c->key, c->n * sizeof(uint64_t));
        memmove(c->val + 1, c->val, c->n * sizeof(uint64_t));
        if (!c->leaf) memmove(c->child + 1, c->child, (c->n + 1) * sizeof(poff_t));
        c->key[0] = x->key[i - 1];
        c->val[0] = x->val[i - 1];
        if (!c->leaf) c->child[0] = l->child[l->n];
        c->n++;
        p_mark(x, sizeof *x);
        x->key[i - 1] = l->key[l->n - 1];
        x->val[i - 1] = l->val[l->n - 1];
        p_mark(l, sizeof *l);
        l->n--;
        return i;
    }
    if (i < (int)x->n && N(x->child[i + 1])->n >= T) { /* borrow from the right sibling */
        struct bnode *rs = N(x->child[i + 1]);
        p_mark(c, sizeof *c);
        c->key[c->n] = x->key[i];
        c->val[c->n] = x->val[i];
        if (!c->leaf) c->child[c->n + 1] = rs->child[0];
        c->n++;
        p_mark(x, sizeof *x);
        x->key[i] = rs->key[0];
        x->val[i] = rs->val[0];
        p_mark(rs, sizeof *rs);
        memmove(rs->key, rs->key + 1, (rs->n - 1) * sizeof(uint64_t));
        memmove(rs->val, rs->val + 1, (rs->n - 1) * sizeof(uint64_t));
        if (!rs->leaf) memmove(rs->child, rs->child + 1, rs->n * sizeof(poff_t));
        rs->n--;
        return i;
    }
    if (i < (int)x->n) {
        merge(x, i);
        return i;
    }
    merge(x, i - 1);
    return i - 1;
}

/* Deletes k from the subtree at x (x holds >= T keys unless it is the top). Returns 1 if found. */
static int delete_key(struct bnode *x, uint64_t k) {
    for (;;) {
        int i = 0;
        while (i < (int)x->n && x->key[i] < k) i++;
        if (i < (int)x->n && x->key[i] == k) {
            if (x->leaf) {
                p_mark(x, sizeof *x);
                memmove(x->key + i, x->key + i + 1, (x->n - i - 1) * sizeof(uint64_t));
                memmove(x->val + i, x->val + i + 1, (x->n - i - 1) * sizeof(uint64_t));
                x->n--;
                return 1;
            }
            struct bnode *y = N(x->child[i]), *z = N(x->child[i + 1]);
            if (y->n >= T) { /* replace by the predecessor, then delete it from y */
                struct bnode *p = y;
                while (!p->leaf) p = N(p->child[p->n]);
                p_mark(x, sizeof *x);
                x->key[i] = p->key[p->n - 1];
                x->val[i] = p->val[p->n - 1];
                k = x->key[i];
                x = y;
            } else if (z->n >= T) { /* replace by the successor, then delete it from z */
                struct bnode *s = z;
                while (!s->leaf) s = N(s->child[0]);
                p_mark(x, sizeof *x);
                x->key[i] = s->key[0];
                x->val[i] = s->val[0];
                k = x->key[i];
                x = z;
            } else {
                merge(x, i);
                x = y;
            }
            continue;
        }
        if (x->leaf) return 0;
        if (N(x->child[i])->n < T) i = fill(x, i);
        x = N(x->child[i]);
    }
}

static int delete(struct root *r, uint64_t k) {
    if (!r->top) return 0;
    struct bnode *t = N(r->top);
    int found = delete_key(t, k);
    if (t->n == 0) { /* the top emptied: the tree shrinks by one level (or becomes empty) */
        poff_t old = r->top;
        p_mark(&r->top, sizeof r->top);
        r->top = t->leaf ? 0 : t->child[0];
        p_free(old, sizeof(struct bnode));
    }
    if (found) {
        p_mark(&r->count, sizeof r->count);
        r->count--;
    }
    return found;
}

/* In-order traversal; checks the ordering on the way, which also validates the structure. */
static void read_all(poff_t o, uint64_t *sum, uint64_t *seen, uint64_t *prev, int *bad) {
    struct bnode *x = N(o);
    for (uint32_t i = 0; i <= x->n; i++) {
        if (!x->leaf) read_all(x->child[i], sum, seen, prev, bad);
        if (i < x->n) {
            if (*seen && x->key[i] <= *prev) *bad = 1;
            *prev = x->key[i];
            *sum += x->key[i] ^ x->val[i];
            (*seen)++;
        }
    }
}

int main(int argc, char **argv) {
    bench_cfg cfg;
    bench_parse(&cfg, argc, argv, "btree");
    /* about ops/3 live nodes at worst, each in a 256-byte size class */
    size_t heap = cfg.heap_mb ? cfg.heap_mb << 20 : ((size_t)16 << 20) + cfg.ops * 128;
    p_open(&cfg, "btree", heap, sizeof(struct root));
    struct root *r = p_root();

    rng_t rng = {cfg.seed};
    uint64_t added = 0, t0 = bench_now_ns();
    for (uint64_t i = 0; i < cfg.ops; i++) {
        uint64_t k = rng_next(&rng);
        p_op_begin();
        added += (uint64_t)insert(r, k, k * 3 + 1);
        p_op_end();
    }
    p_sync();
    uint64_t t1 = bench_now_ns();
    if (r->count != added) bench_fail("btree: count %llu after %llu new keys",
                                      (unsigned long long)r->count, (unsigned long long)added);
    bench_report(&cfg, "btree", "insert", cfg.ops, t1 - t0, r->count);

    uint64_t sum = 0, seen = 0, prev = 0;
    int bad = 0;
    t0 = bench_now_ns();
    if (r->top) read_all(r->top, &sum, &seen, &prev, &bad);
    t1 = bench_now_ns();
    if (bad || seen != r->count) bench_fail("btree: in-order read is not sorted or misses keys");
    bench_report(&cfg, "btree", "read", seen, t1 - t0, sum);

    rng.s = cfg.seed; /* replay the insertion order */
    uint64_t removed = 0;
    t0 = bench_now_ns();
    for (uint64_t i = 0; i < cfg.ops; i++) {
        uint64_t k = rng_next(&rng);
        p_op_begin();
        removed += (uint64_t)delete(r, k);
        p_op_end();
    }
    p_sync();
    t1 = bench_now_ns();
    if (removed != added || r->count != 0 || r->top)
        bench_fail("btree: %llu of %llu keys deleted, tree not empty", (unsigned long long)removed,
                   (unsigned long long)added);
    bench_report(&cfg, "btree", "delete", cfg.ops, t1 - t0, removed);
    p_close();
    return 0;
}
