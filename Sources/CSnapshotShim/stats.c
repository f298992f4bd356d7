// snapshot_stats(): process-wide totals, counted per thread. A commit adds to its thread's own
// block with plain stores (no locked read-modify-write: seven of those cost more than the rest of
// the bookkeeping of a small commit); snapshot_stats() sums the blocks. A block outlives its
// thread: the next thread that starts counting takes it over, so the sums never lose a count and
// the number of blocks never exceeds the number of threads alive at once.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

struct stats_block {
    struct snapshot_stats s;
    struct stats_block *next;
    int in_use;
};

static struct stats_block *blocks;        // push-only list
static struct stats_block shared;         // if a block cannot be allocated: atomic adds here
static pthread_key_t release_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
// This thread's block (its counters; the inline snapshot_stats_add writes them), NULL until claimed.
__thread struct snapshot_stats *snapshot_stats_mine __attribute__((tls_model("initial-exec")));
__thread uint64_t snapshot_commits_seen __attribute__((tls_model("initial-exec")));

static void release_block(void *b) { __atomic_store_n(&((struct stats_block *)b)->in_use, 0, __ATOMIC_RELEASE); }
static void make_key(void) { (void)pthread_key_create(&release_key, release_block); }

static struct stats_block *claim(void) {
    pthread_once(&key_once, make_key);
    struct stats_block *b;
    for (b = __atomic_load_n(&blocks, __ATOMIC_ACQUIRE); b; b = b->next) {
        int idle = 0;
        if (__atomic_compare_exchange_n(&b->in_use, &idle, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) break;
    }
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return NULL;
        b->in_use = 1;
        b->next = __atomic_load_n(&blocks, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&blocks, &b->next, b, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {}
    }
    if (pthread_setspecific(release_key, b) != 0) { release_block(b); return NULL; }
    snapshot_stats_mine = &b->s;
    return b;
}

#define ADD_SHARED(field, v) __atomic_fetch_add(&shared.s.field, (v), __ATOMIC_RELAXED)

// The thread's first count: claim a block (or, if none can be had, add atomically to the shared one).
void snapshot_stats_add_slow(uint64_t commits, uint64_t lines, uint64_t log_bytes, uint64_t data_bytes,
                             uint64_t commit_time, uint64_t recoveries, uint64_t ordering_points) {
    if (claim()) {
        snapshot_stats_add(commits, lines, log_bytes, data_bytes, commit_time, recoveries, ordering_points);
        return;
    }
    ADD_SHARED(commits, commits); ADD_SHARED(lines_committed, lines);
    ADD_SHARED(log_bytes_written, log_bytes); ADD_SHARED(data_bytes_written, data_bytes);
    ADD_SHARED(commit_nanoseconds, commit_time); ADD_SHARED(recoveries, recoveries);
    ADD_SHARED(ordering_points, ordering_points);
}

static void sum(struct snapshot_stats *out, const struct stats_block *b) {
    out->commits += __atomic_load_n(&b->s.commits, __ATOMIC_RELAXED);
    out->lines_committed += __atomic_load_n(&b->s.lines_committed, __ATOMIC_RELAXED);
    out->log_bytes_written += __atomic_load_n(&b->s.log_bytes_written, __ATOMIC_RELAXED);
    out->data_bytes_written += __atomic_load_n(&b->s.data_bytes_written, __ATOMIC_RELAXED);
    out->commit_nanoseconds += __atomic_load_n(&b->s.commit_nanoseconds, __ATOMIC_RELAXED);
    out->recoveries += __atomic_load_n(&b->s.recoveries, __ATOMIC_RELAXED);
    out->ordering_points += __atomic_load_n(&b->s.ordering_points, __ATOMIC_RELAXED);
}

// Commit time. A commit reads the clock twice, and clock_gettime(CLOCK_MONOTONIC) through the
// vDSO serialises the CPU (rdtscp) and costs about 50 ns of a 700 ns commit. When the kernel's own
// clocksource is the TSC (the kernel found it invariant and synchronised across CPUs), a commit
// reads the TSC with a plain rdtsc instead and the ticks are converted to nanoseconds when
// snapshot_stats() is called, at the rate measured since the first reading. Otherwise the counter
// holds nanoseconds of CLOCK_MONOTONIC.
int snapshot_clock_kind;   // SNAPSHOT_CLOCK_*: read inline by snapshot_commit_clock
static uint64_t tsc_origin, ns_origin;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void choose_clock(void) {
#if defined(__x86_64__)
    char name[16] = {0};
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/sys/devices/system/clocksource/clocksource0/current_clocksource",
                          O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = syscall(SYS_read, fd, name, sizeof name - 1);
        syscall(SYS_close, fd);
        if (n >= 3 && memcmp(name, "tsc", 3) == 0 && (name[3] == '\n' || name[3] == 0)) {
            ns_origin = monotonic_ns();
            tsc_origin = __rdtsc();
            __atomic_store_n(&snapshot_clock_kind, SNAPSHOT_CLOCK_TSC, __ATOMIC_RELEASE);
            return;
        }
    }
#endif
    __atomic_store_n(&snapshot_clock_kind, SNAPSHOT_CLOCK_MONOTONIC, __ATOMIC_RELEASE);
}

// Not the TSC (yet): choose the clock on the first reading, then nanoseconds of CLOCK_MONOTONIC.
uint64_t snapshot_commit_clock_slow(void) {
    if (__builtin_expect(__atomic_load_n(&snapshot_clock_kind, __ATOMIC_ACQUIRE) == SNAPSHOT_CLOCK_UNCHOSEN, 0))
        pthread_once(&clock_once, choose_clock);
#if defined(__x86_64__)
    if (__atomic_load_n(&snapshot_clock_kind, __ATOMIC_ACQUIRE) == SNAPSHOT_CLOCK_TSC) return __rdtsc();
#endif
    return monotonic_ns();
}

static uint64_t clock_to_ns(uint64_t t) {
    if (__atomic_load_n(&snapshot_clock_kind, __ATOMIC_ACQUIRE) != SNAPSHOT_CLOCK_TSC) return t;
#if defined(__x86_64__)
    uint64_t ticks = __rdtsc() - tsc_origin, ns = monotonic_ns() - ns_origin;
    return ticks ? (uint64_t)((unsigned __int128)t * ns / ticks) : 0;
#else
    return t;
#endif
}

int snapshot_stats(struct snapshot_stats *out) {
    if (!out) { errno = EINVAL; return -1; }
    *out = (struct snapshot_stats){0};
    sum(out, &shared);
    for (const struct stats_block *b = __atomic_load_n(&blocks, __ATOMIC_ACQUIRE); b; b = b->next) sum(out, b);
    out->commit_nanoseconds = clock_to_ns(out->commit_nanoseconds);   // summed in clock units
    return 0;
}
