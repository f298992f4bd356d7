// The store path: __snapshot_record_* (see snapshot_abi.h). No lock, no allocation, no syscall.
//
// Hit (line already dirty since the last commit): one load of the bitmap word and a bit test.
// Miss: one OR on the bitmap word, plus a load (and rarely an OR) of the summary words; the OR is
// locked only once the process has a second thread (snapshot_words.h).
//
// A record follows its write (snapshot_abi.h), and with a second thread a hit is confirmed after a
// full barrier. x86 lets a load pass an earlier store that is still in the store buffer: the
// bit's load could see the bit set, a commit on another thread could then take the bit and copy
// the line, and only then would the write leave the store buffer. That write would be in no
// commit until the line is written again. After the barrier the write is visible to every core:
// a bit still set is taken, and the line copied, after it; a bit taken meanwhile is set again
// (the miss path). A miss needs no barrier: its locked OR drains the store buffer first.
// Tests/e2e/racing_writers.c saw one line lost in about three runs without the barrier.
// A global bitmap rather than per-thread lists: writes of exited threads are simply there, a commit
// never has to find or lock other threads' state, and repeated writes cost a test instead of a
// list append + dedup (bench/runtime and docs/runtime.md have the numbers).
#include <string.h>
#include "snapshot_abi.h"
#include "snapshot_shim.h"
#include "dirty.h"
#include "internal.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

// SNAPSHOT_TEST_FAULT=drop-thread: the second thread to dirty a line gets its first-dirtied lines
// marked in snapshot_drop_bits; the commit then leaves them out (a negative control for the harness).
static __thread int fault_ordinal __attribute__((tls_model("initial-exec")));
static int fault_next_ordinal;

__attribute__((noinline, cold)) static void fault_note(size_t line) {
    if (!fault_ordinal) fault_ordinal = __atomic_add_fetch(&fault_next_ordinal, 1, __ATOMIC_SEQ_CST);
    if (fault_ordinal == 2)
        __atomic_fetch_or(&snapshot_drop_bits[line >> 6], 1ull << (line & 63), __ATOMIC_SEQ_CST);
}

// SNAPSHOT_TEST_FAULT=split-or: the OR of a dirty bit done as a load, a pause and a store, which
// the unlocked OR of snapshot_words.h must never be. A signal handler that dirties a line of the
// same bitmap word in between loses its bit, so its write is never committed: the negative
// control of Tests/e2e/signals.c, which must then fail.
__attribute__((noinline, cold)) static void split_or(uint64_t *w, uint64_t m) {
    uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
    for (volatile int i = 0; i < 5000; i++) {}
    __atomic_store_n(w, v | m, __ATOMIC_RELAXED);
}

__attribute__((noinline, cold)) static void mark_miss_faulty(size_t line) {
    if (snapshot_store_faults & SNAPSHOT_STORE_FAULT_DROP_THREAD) fault_note(line);
    if (snapshot_store_faults & SNAPSHOT_STORE_FAULT_SPLIT_OR)
        split_or(&snapshot_dirty_bits_local[line >> 6], 1ull << (line & 63));
    else
        snapshot_word_or(&snapshot_dirty_bits_local[line >> 6], 1ull << (line & 63));
    snapshot_summarise(line >> 6);
}

__attribute__((noinline)) static void mark_miss(size_t line) {
    if (unlikely(snapshot_store_faults)) { mark_miss_faulty(line); return; }
    snapshot_word_or(&snapshot_dirty_bits_local[line >> 6], 1ull << (line & 63));
    snapshot_summarise(line >> 6);
}

static inline __attribute__((always_inline)) int is_dirty(size_t line) {
    uint64_t w = __atomic_load_n(&snapshot_dirty_bits_local[line >> 6], __ATOMIC_RELAXED);
    return (w >> (line & 63)) & 1;
}

// A full barrier that touches no shared line: a locked no-op on this thread's stack (cheaper
// than mfence, and it does not wait for streaming stores).
static inline __attribute__((always_inline)) void store_load_barrier(void) {
#if defined(__x86_64__)
    __asm__ volatile("lock orq $0, (%%rsp)" ::: "memory", "cc");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

// A hit seen with a second thread: looked at again once the caller's write is visible to every
// core (see the top). Out of line, so a single-threaded hit stays three instructions longer only.
__attribute__((noinline)) static void mark_after_barrier(size_t line) {
    store_load_barrier();
    if (!is_dirty(line)) mark_miss(line);
}

static inline __attribute__((always_inline)) void mark(size_t line) {
    if (__builtin_expect(is_dirty(line), 1)) {
        if (__builtin_expect(!snapshot_single_threaded(), 0)) mark_after_barrier(line);
        return;
    }
    mark_miss(line);
}

// A write that spans two lines (unaligned): out of line, so the common case stays a leaf.
__attribute__((noinline)) static void mark_two(size_t first, size_t last) {
    mark(first);
    mark(last);
}

// Lines [first, last], many of them: whole bitmap words at a time.
static void mark_range(size_t first, size_t last) {
    if (unlikely(snapshot_store_faults)) {
        for (size_t l = first; l <= last; l++) mark(l);
        return;
    }
    size_t w0 = first >> 6, w1 = last >> 6;
    for (size_t w = w0; w <= w1; w++) {
        uint64_t mask = ~0ull;
        if (w == w0) mask &= ~0ull << (first & 63);
        if (w == w1) mask &= ~0ull >> (63 - (last & 63));
        uint64_t cur = __atomic_load_n(&snapshot_dirty_bits_local[w], __ATOMIC_RELAXED);
        if ((cur & mask) == mask) {
            if (snapshot_single_threaded()) continue;
            store_load_barrier();  // see mark_after_barrier
            cur = __atomic_load_n(&snapshot_dirty_bits_local[w], __ATOMIC_RELAXED);
            if ((cur & mask) == mask) continue;
        }
        snapshot_word_or(&snapshot_dirty_bits_local[w], mask);
        snapshot_summarise(w);
    }
}

// Hit path: loads of the range (one cache line) and of the bitmap word, a bit test, return. Misses
// and line crossings leave through tail calls, so the function needs no stack frame. The bounds
// test serves images whose range copy is not registered yet (every write comes here).
#define RECORD_N(N)                                                                \
    void __snapshot_record_##N(void *addr) {                                       \
        uintptr_t off = (uintptr_t)addr - snapshot_working_base_local;             \
        if (unlikely(off >= snapshot_working_size_local)) return;                  \
        size_t first = off >> SNAPSHOT_LINE_SHIFT;                                 \
        size_t last = (off + (N - 1)) >> SNAPSHOT_LINE_SHIFT;                      \
        if (__builtin_expect(last != first, 0)) { mark_two(first, last); return; } \
        if (__builtin_expect(is_dirty(first), 1)) {                                \
            if (__builtin_expect(!snapshot_single_threaded(), 0))                  \
                mark_after_barrier(first);                                         \
            return;                                                                \
        }                                                                          \
        mark_miss(first);                                                          \
    }
RECORD_N(1)
RECORD_N(2)
RECORD_N(4)
RECORD_N(8)
RECORD_N(16)
RECORD_N(32)
RECORD_N(64)

void __snapshot_record(void *addr, size_t size) {
    uintptr_t base = snapshot_working_base_local, wsize = snapshot_working_size_local;
    if (size == 0 || wsize == 0) return;
    uintptr_t lo = (uintptr_t)addr, hi = lo + size;
    if (hi < lo) hi = UINTPTR_MAX;                        // wrapped: clip at the top
    uintptr_t end = base + wsize;
    if (lo < base) lo = base;
    if (hi > end) hi = end;
    if (lo >= hi) return;
    size_t first = (lo - base) >> SNAPSHOT_LINE_SHIFT, last = (hi - 1 - base) >> SNAPSHOT_LINE_SHIFT;
    if (last - first < 4) {
        for (size_t l = first; l <= last; l++) mark(l);
        return;
    }
    mark_range(first, last);
}

void __snapshot_record_cstring(char *addr) {
    if (!addr) return;
    __snapshot_record(addr, strlen(addr) + 1);
}
