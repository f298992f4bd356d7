/* Read-modify-writes of the runtime's shared words (dirty bitmap, summaries, locks), with the
 * lock prefix only when another thread can exist.
 *
 * Why: a locked instruction waits until every earlier store of the thread has left the store
 * buffer, non-temporal ones included. In a commit-every-operation program that wait is most of
 * the software cost. The dirty bit set after the program's first store to a line waits for that
 * store's cache miss. The commit lock's drop waits for the data copy's streaming stores, which the
 * protocol leaves unfenced until the next record's fence. Measured under `perf` on SPS k = 1
 * (bench/RESULTS.md): the commit lock's drop, the store path's first `lock or` and the global
 * lock's compare-and-exchange together held about 40% of the samples.
 *
 * When: glibc's __libc_single_threaded. pthread_create clears it in the parent before the new
 * thread exists, and so does every glibc path that makes a thread (thrd_create, SIGEV_THREAD
 * timers and notifications, POSIX AIO). It is not set again while threads may run. While it
 * holds, nothing but this thread and its own signal handlers can touch the words. A single
 * x86 instruction without the lock prefix is atomic with respect to a signal handler, because
 * interrupts land between instructions. So OR is one `or` to memory, and taking a word is a load
 * and one `and` of its complement to memory: a bit a handler sets between the two stays set, for
 * the next commit, never lost. (It was an unlocked `cmpxchg` loop, which returned such a bit at
 * once but needed a register holding 0 throughout the scan's page loop: 4 instructions more per
 * scattered run, from the spills.) A thread made by a raw clone(CLONE_VM) system
 * call, bypassing glibc, is not seen; libstdc++'s reference counts make the same assumption.
 *
 * Everywhere else, and on other architectures, these are the sequentially consistent atomics
 * the bitmap protocol (dirty.h) and the lock (snapshot_lock.h) are written against. */
#ifndef SNAPSHOT_WORDS_H
#define SNAPSHOT_WORDS_H
#include <stdint.h>

#if defined(__x86_64__) && defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define SNAPSHOT_SINGLE_THREAD_WORDS 1
#endif
#endif

/* No other thread exists (see above); 0 where that cannot be known. */
static inline __attribute__((always_inline)) int snapshot_single_threaded(void) {
#ifdef SNAPSHOT_SINGLE_THREAD_WORDS
    return __libc_single_threaded != 0;
#else
    return 0;
#endif
}

/* *w |= m, for a caller that read snapshot_single_threaded() into `single` (once per loop: only
 * this thread could make another, and it does not while it runs the loop). */
static inline __attribute__((always_inline)) void snapshot_word_or_as(int single, uint64_t *w, uint64_t m) {
#ifdef SNAPSHOT_SINGLE_THREAD_WORDS
    if (__builtin_expect(single, 1)) {
        __asm__ volatile("orq %1, %0" : "+m"(*w) : "r"(m) : "memory", "cc");
        return;
    }
#endif
    (void)single;
    __atomic_fetch_or(w, m, __ATOMIC_SEQ_CST);
}

/* Returns *w and leaves 0 there (`single` as above; single-threaded, a bit set by a signal handler
 * meanwhile is left there instead, not returned). No compiler barrier for other memory: a taker
 * orders nothing else by it (the commit reads the working copy after the collector has returned),
 * and a barrier per word made the collector keep its locals in memory. */
static inline __attribute__((always_inline)) uint64_t snapshot_word_take_as(int single, uint64_t *w) {
#ifdef SNAPSHOT_SINGLE_THREAD_WORDS
    if (__builtin_expect(single, 1)) {
        uint64_t seen = __atomic_load_n(w, __ATOMIC_RELAXED);
        __asm__ volatile("andq %1, %0" : "+m"(*w) : "r"(~seen) : "cc");
        return seen;
    }
#endif
    (void)single;
    return __atomic_exchange_n(w, 0, __ATOMIC_SEQ_CST);
}

/* *w &= ~m (`single` as above): clears bits the caller saw set, keeping any set since. */
static inline __attribute__((always_inline)) void snapshot_word_clear_as(int single, uint64_t *w, uint64_t m) {
#ifdef SNAPSHOT_SINGLE_THREAD_WORDS
    if (__builtin_expect(single, 1)) {
        __asm__ volatile("andq %1, %0" : "+m"(*w) : "r"(~m) : "memory", "cc");
        return;
    }
#endif
    (void)single;
    __atomic_fetch_and(w, ~m, __ATOMIC_SEQ_CST);
}

static inline __attribute__((always_inline)) void snapshot_word_or(uint64_t *w, uint64_t m) {
    snapshot_word_or_as(snapshot_single_threaded(), w, m);
}
static inline __attribute__((always_inline)) uint64_t snapshot_word_take(uint64_t *w) {
    return snapshot_word_take_as(snapshot_single_threaded(), w);
}
#endif
