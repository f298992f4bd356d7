/* Hashing: open-addressing hash table (linear probing) with inserts, updates, deletes (tombstones)
 * and lookups, plus a rehash into a larger table. */
#include "common.h"

struct slot { uint64_t key; uint64_t val; uint32_t state; }; /* 0 empty, 1 full, 2 deleted */
struct table { struct slot *s; uint64_t cap, used; };

static inline uint64_t mix(uint64_t k) {
  k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ull; return k ^ (k >> 33);
}
static void put(struct table *t, uint64_t key, uint64_t val);
static void grow(struct table *t) {
  struct table n = {calloc(t->cap * 2, sizeof(struct slot)), t->cap * 2, 0};
  if (!n.s) { perror("calloc"); exit(2); }
  for (uint64_t i = 0; i < t->cap; i++)
    if (t->s[i].state == 1) put(&n, t->s[i].key, t->s[i].val);
  free(t->s);
  *t = n;
}
static void put(struct table *t, uint64_t key, uint64_t val) {
  if ((t->used + 1) * 4 > t->cap * 3) grow(t);
  uint64_t i = mix(key) & (t->cap - 1);
  for (;; i = (i + 1) & (t->cap - 1)) {
    struct slot *s = &t->s[i];
    if (s->state != 1) { s->key = key; s->val = val; s->state = 1; t->used++; return; }
    if (s->key == key) { s->val += val; return; }
  }
}
static struct slot *find(struct table *t, uint64_t key) {
  for (uint64_t i = mix(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    struct slot *s = &t->s[i];
    if (s->state == 0) return 0;
    if (s->state == 1 && s->key == key) return s;
  }
}

int main(int argc, char **argv) {
  long n = scale_arg(argc, argv, 1500000);
  struct table t = {calloc(1024, sizeof(struct slot)), 1024, 0};
  for (long i = 0; i < n; i++) put(&t, rng() % (uint64_t)(n / 2 + 1), (uint64_t)i);
  uint64_t sum = 0;
  rng_state = 42;
  for (long i = 0; i < n; i++) {
    struct slot *s = find(&t, rng() % (uint64_t)(n / 2 + 1));
    if (s) { sum += s->val; if (i % 3 == 0) { s->state = 2; } else s->val ^= i; }
  }
  printf("hash %ld %llu %llu\n", n, (unsigned long long)sum, (unsigned long long)t.used);
  return 0;
}
