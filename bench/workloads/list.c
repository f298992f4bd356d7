/*
 * list.c — singly linked list with head and tail: insert at tail, traverse-and-sum, delete from
 * head. Three timed phases of --ops operations each; the same source for every variant
 * (persist.h decides what allocation, marking and commit mean).
 */
#include "bench.h"
#include "persist.h"

struct node {
    poff_t next;
    uint64_t value;
};
struct root {
    poff_t head, tail;
    uint64_t count;
};

static void insert_tail(struct root *r, uint64_t value) {
    poff_t n = p_alloc(sizeof(struct node));
    P_PTR(struct node, n)->value = value; /* fresh object: no mark needed */
    if (r->tail) {
        struct node *t = P_PTR(struct node, r->tail);
        p_mark(&t->next, sizeof t->next);
        t->next = n;
    } else {
        p_mark(&r->head, sizeof r->head);
        r->head = n;
    }
    p_mark(&r->tail, sizeof r->tail + sizeof r->count);
    r->tail = n;
    r->count++;
}

static uint64_t delete_head(struct root *r) {
    poff_t h = r->head;
    struct node *n = P_PTR(struct node, h);
    uint64_t v = n->value;
    p_mark(r, sizeof *r);
    r->head = n->next;
    if (!r->head) r->tail = 0;
    r->count--;
    p_free(h, sizeof(struct node));
    return v;
}

int main(int argc, char **argv) {
    bench_cfg cfg;
    bench_parse(&cfg, argc, argv, "list");
    size_t heap = cfg.heap_mb ? cfg.heap_mb << 20 : ((size_t)16 << 20) + cfg.ops * 32;
    p_open(&cfg, "list", heap, sizeof(struct root));
    struct root *r = p_root();
    rng_t rng = {cfg.seed};

    uint64_t t0 = bench_now_ns(), expect = 0;
    for (uint64_t i = 0; i < cfg.ops; i++) {
        uint64_t v = rng_next(&rng);
        expect += v;
        p_op_begin();
        insert_tail(r, v);
        p_op_end();
    }
    p_sync();
    uint64_t t1 = bench_now_ns();
    bench_report(&cfg, "list", "insert", cfg.ops, t1 - t0, r->count);

    t0 = bench_now_ns();
    uint64_t sum = 0, seen = 0;
    for (poff_t n = r->head; n; n = P_PTR(struct node, n)->next, seen++)
        sum += P_PTR(struct node, n)->value;
    t1 = bench_now_ns();
    if (sum != expect || seen != cfg.ops) bench_fail("list traversal found %llu nodes, wrong sum",
                                                   (unsigned long long)seen);
    bench_report(&cfg, "list", "traverse", cfg.ops, t1 - t0, sum);

    t0 = bench_now_ns();
    uint64_t dsum = 0;
    for (uint64_t i = 0; i < cfg.ops; i++) {
        p_op_begin();
        dsum += delete_head(r);
        p_op_end();
    }
    p_sync();
    t1 = bench_now_ns();
    if (dsum != expect || r->count != 0 || r->head || r->tail) bench_fail("list delete: list not empty");
    bench_report(&cfg, "list", "delete", cfg.ops, t1 - t0, dsum);
    p_close();
    return 0;
}
