/*
 * demo.c — a bank ledger kept in a memory-mapped file, committed with plain msync().
 *
 *   demo init  FILE            create the ledger: 4096 accounts of 1000 each, generation 0
 *   demo run   FILE ROUNDS     do ROUNDS rounds of transfers, msync() after each round; in the next
 *                              round, kill itself with SIGKILL halfway through (a crash)
 *   demo check FILE            map the file again and print generation, total and verdict
 *
 * Every round moves money between random accounts and stamps each touched account with the round
 * number, so a torn round shows up as a wrong total or mixed generations. Built with snapshot-cc,
 * the file always holds exactly the last msync()ed round. Built (or run) without Snapshot, the
 * page cache keeps the half-done round and the ledger is corrupt.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { ACCOUNTS = 4096, START_BALANCE = 1000, TRANSFERS_PER_ROUND = 2000 };

struct account { int64_t balance; uint64_t generation; };
struct ledger {
  uint64_t magic;
  uint64_t generation;            /* last completed round */
  struct account accounts[ACCOUNTS];
};
#define LEDGER_MAGIC 0x5245474445444c53ull

static struct ledger *map_ledger(const char *path, int create) {
  int fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (fd < 0) { perror(path); exit(1); }
  if (create && ftruncate(fd, sizeof(struct ledger)) != 0) { perror("ftruncate"); exit(1); }
  struct ledger *l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (l == MAP_FAILED) { perror("mmap"); exit(1); }
  close(fd);
  return l;
}

static void commit(struct ledger *l) {
  if (msync(l, sizeof *l, MS_SYNC) != 0) { perror("msync"); exit(1); }
}

static uint64_t next_random(uint64_t *state) {   /* xorshift64: deterministic per round */
  *state ^= *state << 13; *state ^= *state >> 7; *state ^= *state << 17;
  return *state;
}

static void transfer_round(struct ledger *l, uint64_t round, int crash_halfway) {
  uint64_t rng = 0x9e3779b97f4a7c15ull * round + 1;
  for (int t = 0; t < TRANSFERS_PER_ROUND; t++) {
    if (crash_halfway && t == TRANSFERS_PER_ROUND / 2) {
      printf("  round %llu: crashing (SIGKILL) after %d of %d transfers\n",
             (unsigned long long)round, t, TRANSFERS_PER_ROUND);
      fflush(stdout);
      kill(getpid(), SIGKILL);
    }
    struct account *from = &l->accounts[next_random(&rng) % ACCOUNTS];
    struct account *to = &l->accounts[next_random(&rng) % ACCOUNTS];
    int64_t amount = (int64_t)(next_random(&rng) % 50);
    from->balance -= amount;
    to->balance += amount;
    from->generation = to->generation = round;
  }
  l->generation = round;
}

static int check(const char *path) {
  struct ledger *l = map_ledger(path, 0);
  int64_t total = 0;
  uint64_t newest = 0;
  for (int i = 0; i < ACCOUNTS; i++) {
    total += l->accounts[i].balance;
    if (l->accounts[i].generation > newest) newest = l->accounts[i].generation;
  }
  int ok = l->magic == LEDGER_MAGIC && total == (int64_t)ACCOUNTS * START_BALANCE &&
           newest <= l->generation;
  printf("  ledger: generation %llu, newest account stamp %llu, total %lld (expected %lld): %s\n",
         (unsigned long long)l->generation, (unsigned long long)newest, (long long)total,
         (long long)ACCOUNTS * START_BALANCE, ok ? "CONSISTENT" : "CORRUPT");
  return ok ? 0 : 3;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s init|run|check FILE [ROUNDS]\n", argv[0]); return 2; }
  const char *cmd = argv[1], *path = argv[2];
  if (strcmp(cmd, "init") == 0) {
    struct ledger *l = map_ledger(path, 1);
    l->magic = LEDGER_MAGIC;
    for (int i = 0; i < ACCOUNTS; i++) l->accounts[i].balance = START_BALANCE;
    commit(l);
    return 0;
  }
  if (strcmp(cmd, "run") == 0 && argc == 4) {
    struct ledger *l = map_ledger(path, 0);
    uint64_t first = l->generation + 1, last = l->generation + strtoull(argv[3], NULL, 10);
    for (uint64_t r = first; r <= last; r++) {
      transfer_round(l, r, 0);
      commit(l);
      printf("  round %llu committed with msync()\n", (unsigned long long)r);
    }
    transfer_round(l, l->generation + 1, 1);   /* never returns */
    return 0;
  }
  if (strcmp(cmd, "check") == 0) return check(path);
  fprintf(stderr, "usage: %s init|run|check FILE [ROUNDS]\n", argv[0]);
  return 2;
}
