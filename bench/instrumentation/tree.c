/* Trees: an AVL tree with heap-allocated nodes (rotations rewrite child pointers and heights),
 * inserts, lookups, and an in-order sum. */
#include "common.h"

struct node { struct node *l, *r; uint64_t key; uint64_t val; int h; };
static int height(struct node *n) { return n ? n->h : 0; }
static void fix(struct node *n) { int a = height(n->l), b = height(n->r); n->h = (a > b ? a : b) + 1; }
static struct node *rot_r(struct node *n) { struct node *l = n->l; n->l = l->r; l->r = n; fix(n); fix(l); return l; }
static struct node *rot_l(struct node *n) { struct node *r = n->r; n->r = r->l; r->l = n; fix(n); fix(r); return r; }
static struct node *insert(struct node *n, uint64_t key, uint64_t val) {
  if (!n) {
    n = xmalloc(sizeof *n);
    n->l = n->r = 0; n->key = key; n->val = val; n->h = 1;
    return n;
  }
  if (key < n->key) n->l = insert(n->l, key, val);
  else if (key > n->key) n->r = insert(n->r, key, val);
  else { n->val += val; return n; }
  fix(n);
  int bal = height(n->l) - height(n->r);
  if (bal > 1) { if (key > n->l->key) n->l = rot_l(n->l); return rot_r(n); }
  if (bal < -1) { if (key < n->r->key) n->r = rot_r(n->r); return rot_l(n); }
  return n;
}
static uint64_t walk(struct node *n) { return n ? walk(n->l) + n->val * (n->key | 1) + walk(n->r) : 0; }

int main(int argc, char **argv) {
  long n = scale_arg(argc, argv, 600000);
  struct node *root = 0;
  for (long i = 0; i < n; i++) root = insert(root, rng() % (uint64_t)(4 * n), (uint64_t)i);
  printf("tree %ld %llu %d\n", n, (unsigned long long)walk(root), height(root));
  return 0;
}
