// Commit side of the dirty bitmap: take a window's dirty pages (the log's descriptors as they
// are), give them back if the commit fails, discard them when pages are unmapped. See dirty.h for
// the layout and protocol.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_shim.h"
#include "dirty.h"

// Doubles the page array and the descriptor buffer (SNAPSHOT_DESC_MAX bytes per page, and a
// line of slack: the record copy reads the descriptors in whole lines). 0, or -1 (ENOMEM).
static int grow(struct snapshot_collector *c) {
    size_t n = c->pages_cap ? c->pages_cap * 2 : 1024;
    void *p = realloc(c->pages, n * sizeof *c->pages);
    if (!p) { errno = ENOMEM; return -1; }
    c->pages = p;
    void *d = realloc(c->desc, n * SNAPSHOT_DESC_MAX + 64);
    if (!d) { errno = ENOMEM; return -1; }
    c->desc = d;
    c->pages_cap = n;
    return 0;
}

// SNAPSHOT_TEST_FAULT=drop-thread (negative control): the lines the faulty thread marked in
// snapshot_drop_bits are left out of the commit, as if its stores had never been recorded.
static void drop_faulted(struct snapshot_collector *c) {
    size_t out = 0;
    for (size_t k = 0; k < c->npages; k++) {
        uint64_t *w = &snapshot_drop_bits[c->pages[k].page + c->win_page];
        uint64_t d = __atomic_load_n(w, __ATOMIC_RELAXED) & c->pages[k].bits;
        if (d) __atomic_fetch_and(w, ~d, __ATOMIC_SEQ_CST);
        if (c->pages[k].bits & ~d) {
            c->pages[out].page = c->pages[k].page;
            c->pages[out++].bits = c->pages[k].bits & ~d;
        }
    }
    c->npages = out;
    long bytes = snapshot_desc_encode(c->pages, out, c->desc, &c->lines);   // ascending still: cannot fail
    c->desc_bytes = bytes < 0 ? 0 : (size_t)bytes;
}

int snapshot_collect(struct snapshot_collector *c, uintptr_t win_off, uintptr_t win_len) {
    return snapshot_collect_part(c, win_off, 0, win_len);
}

// What one scan has produced so far (locals of collect_part, passed to its inlined helper).
struct scan_state {
    struct snapshot_dirty_page *out, *room;
    unsigned char *d;
    size_t more;                                           // lines beyond each page's first
    uint64_t next;                                         // the page after the last one stored
};

// Takes level-2 word i2 and everything under it into s. -1 if no room could be made (the word is
// given back untaken). The bitmap pointers come from the caller's locals: read from the globals
// here, they were read again per word (a descriptor store may alias them).
static inline __attribute__((always_inline)) int take_l2_word(int single, struct snapshot_collector *c, size_t i2,
                                                              uint64_t *l1, uint64_t *l2, uint64_t *dirty,
                                                              size_t win_page, struct scan_state *s) {
    uint64_t m2 = snapshot_word_take_as(single, &l2[i2]);
    // Room for the pages of all this word's level-1 words (64 each), made before their loops: the
    // page loops then keep fewer values live (a test per level-1 word spilled `out` to the
    // stack). Sized by the word's bits, not its 4,096 pages, so that a file's buffers stay small
    // when its commits are.
    while (__builtin_expect((size_t)((char *)s->room - (char *)s->out) < 64 * sizeof *s->out * (size_t)__builtin_popcountll(m2), 0)) {
        c->npages = (size_t)(s->out - c->pages);
        c->desc_bytes = (size_t)(s->d - c->desc);
        if (grow(c)) {
            snapshot_word_or(&l2[i2], m2);   // its level-1 words are not taken yet
            return -1;
        }
        s->out = c->pages + c->npages;
        s->room = c->pages + c->pages_cap;
        s->d = c->desc + c->desc_bytes;
    }
    while (m2) {
        const size_t i1 = (i2 << 6) | (size_t)__builtin_ctzll(m2);
        m2 &= m2 - 1;
        uint64_t m1 = snapshot_word_take_as(single, &l1[i1]);
        const size_t base = (i1 << 6) - win_page;        // 64-aligned: win_page is a multiple of 4096
        while (m1) {
            const uint64_t fpage = base | (size_t)__builtin_ctzll(m1);
            m1 &= m1 - 1;
            uint64_t bits = snapshot_word_take_as(single, &dirty[fpage]);
            if (!bits) continue;
            s->out->page = fpage;
            s->out->bits = bits;
            s->out++;
            s->d += snapshot_desc_put(s->d, s->next, fpage, bits);
            if (__builtin_expect((bits & (bits - 1)) != 0, 0)) s->more += (size_t)__builtin_popcountll(bits) - 1;
            s->next = fpage + 1;
        }
    }
    return 0;
}

// SNAPSHOT_TEST_FAULT=split-clear: the clear of level-3 bits as a load, a pause and a store. A
// writer that sets another bit of the word in between loses it, and with it every later commit of
// that 16 MiB (its writes find their level-2 bits set and leave level 3 alone).
__attribute__((noinline, cold)) static void split_clear(uint64_t *w, uint64_t m) {
    uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
    for (volatile int i = 0; i < 5000; i++) {}
    __atomic_store_n(w, v & ~m, __ATOMIC_RELAXED);
}

// A scan of at most this many level-2 words (128 MiB) reads them all; a larger one reads only
// those the level-3 summary names. Below it the summary costs more than it saves (its word's
// load, mask and clear, ~25 instructions, against 6 per level-2 word read).
#define SNAPSHOT_L3_MIN_WORDS 8

// Scans the level-2 words that cover [win_off + lo, win_off + hi): each of them in a small
// mapping, the ones the level-3 summary names in a large one, so that a commit costs the same in a
// 64 MiB file and in a 64 GiB one. A level-2 word (16 MiB) never straddles two windows (16
// MiB-aligned), so whatever it holds belongs to this file's window; a level-3 word (1 GiB) can,
// so only this window's bits of it are cleared. A small scan leaves the level-3 bits set: a set
// bit with nothing under it only costs a later large scan one look.
//
// This runs on every commit. Its output is the commit's descriptor block: each page's word as
// taken, with the page's index in the file, so nothing downstream re-encodes it. The page loop
// keeps everything it touches in registers: the bitmap pointers and the collector's fields are
// locals, the room for a level-2 word's pages is made before its loops, the large scan's level-3
// cursor lives in *c (in registers it pushed `out` and the page base to the stack, +6 per
// scattered page), and the drop-thread test fault is applied afterwards (drop_faulted). The loop
// is compiled twice, for a single-threaded process (unlocked takes, snapshot_words.h) and for one
// with threads (exchanges), so it tests nothing per word.
static inline __attribute__((always_inline)) int collect_part(int single, struct snapshot_collector *c,
                                                              uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
    uint64_t *const l1 = snapshot_dirty_l1, *const l2 = snapshot_dirty_l2, *const l3 = snapshot_dirty_l3;
    const size_t win_page = win_off >> 12;
    uint64_t *const dirty = snapshot_dirty_bits + win_page;   // indexed by the page in the file
    struct scan_state s = {c->pages, c->pages + c->pages_cap, c->desc, 0, 0};
    size_t l2_first, l2_end = snapshot_l2_words(win_off, lo, hi, &l2_first);
    c->win_page = win_page;
    if (l2_end - l2_first <= SNAPSHOT_L3_MIN_WORDS) {
        for (size_t i2 = l2_first; i2 < l2_end; i2++)
            if (__atomic_load_n(&l2[i2], __ATOMIC_RELAXED) && take_l2_word(single, c, i2, l1, l2, dirty, win_page, &s)) goto give_back;
    } else {
        c->scan_l2 = l2_first;
        c->scan_l2_end = l2_end;
        for (c->scan_l3 = l2_first >> 6; c->scan_l2 < c->scan_l2_end; c->scan_l3++) {
            // This window's bits of level-3 word scan_l3: level-2 words [scan_l2, min(end, next word)).
            const size_t i3 = c->scan_l3, word_end = (i3 + 1) << 6;
            const size_t stop = c->scan_l2_end < word_end ? c->scan_l2_end : word_end;
            const uint64_t mask = (~0ull << (c->scan_l2 & 63)) & (~0ull >> ((0 - stop) & 63));
            c->scan_l2 = stop;
            uint64_t m3 = __atomic_load_n(&l3[i3], __ATOMIC_RELAXED) & mask;
            if (!m3) continue;
            // Before the level-2 words are taken.
            if (__builtin_expect(snapshot_store_faults & SNAPSHOT_STORE_FAULT_SPLIT_CLEAR, 0)) split_clear(&l3[i3], m3);
            else snapshot_word_clear_as(single, &l3[i3], m3);
            for (c->scan_m3 = m3; c->scan_m3; c->scan_m3 &= c->scan_m3 - 1) {
                const size_t i2 = (c->scan_l3 << 6) | (size_t)__builtin_ctzll(c->scan_m3);
                if (__atomic_load_n(&l2[i2], __ATOMIC_RELAXED) && take_l2_word(single, c, i2, l1, l2, dirty, win_page, &s)) {
                    // This word and the ones after it keep their level-3 bits (cleared, not taken).
                    snapshot_word_or(&l3[c->scan_l3], c->scan_m3);
                    goto give_back;
                }
            }
        }
    }
    c->npages = (size_t)(s.out - c->pages);
    c->desc_bytes = (size_t)(s.d - c->desc);
    c->lines = c->npages + s.more;
    if (__builtin_expect(snapshot_drop_bits != 0, 0)) drop_faulted(c);
    return 0;
    // Out of memory: the pages taken so far go back (their summaries set again), after the
    // level-2 word that found no room (given back untaken).
give_back:
    snapshot_collect_restore(c);
    return -1;
}

// The loop compiled for each combination of a single-threaded process and the popcnt and BMI1
// instructions (a page of several dirty lines counts them: without popcnt, clang's popcount is
// ~20 instructions, which a page of two lines paid on every commit; BMI1's blsr clears a word's
// lowest bit and tests what is left in one instruction, three per scattered page).
static int collect_1(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
    return collect_part(1, c, win_off, lo, hi);
}
static int collect_n(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
    return collect_part(0, c, win_off, lo, hi);
}
#if defined(__x86_64__)
__attribute__((target("popcnt,bmi"))) static int collect_1p(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo,
                                                       uintptr_t hi) {
    return collect_part(1, c, win_off, lo, hi);
}
__attribute__((target("popcnt,bmi"))) static int collect_np(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo,
                                                       uintptr_t hi) {
    return collect_part(0, c, win_off, lo, hi);
}
#endif

int snapshot_collect_part(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
#if defined(__x86_64__)
    if (__builtin_expect(__builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi"), 1))
        return snapshot_single_threaded() ? collect_1p(c, win_off, lo, hi) : collect_np(c, win_off, lo, hi);
#endif
    return snapshot_single_threaded() ? collect_1(c, win_off, lo, hi) : collect_n(c, win_off, lo, hi);
}

// The general case of snapshot_clip_pages (whose inline part handles one mapping with nothing to
// clip): each page's bits outside the spans and from `limit` on are dropped, and pages left with
// none. Dropped bits are not given back: those lines are not the file's (unmapped, or wholly past
// its end, where no store reaches the file).
size_t snapshot_clip_pages_slow(struct snapshot_collector *c, const intptr_t *spans, size_t nspans, intptr_t limit) {
    size_t out = 0, si = 0;
    for (size_t k = 0; k < c->npages; k++) {
        intptr_t lo = (intptr_t)(c->pages[k].page << 12), hi = lo + 4096;
        uint64_t keep = 0;
        while (si < nspans && spans[2 * si + 1] <= lo) si++;
        for (size_t j = si; j < nspans && spans[2 * j] < hi; j++) {
            intptr_t a = spans[2 * j] > lo ? spans[2 * j] : lo, b = spans[2 * j + 1] < hi ? spans[2 * j + 1] : hi;
            if (b > limit) b = limit;
            if (a >= b) continue;
            // Lines [first, last) of this page (spans are page aligned; the limit is line aligned).
            unsigned first = (unsigned)((a - lo) >> 6), last = (unsigned)((b - lo + 63) >> 6);
            keep |= (last == 64 ? ~0ull : (1ull << last) - 1) & ~((1ull << first) - 1);
        }
        uint64_t bits = c->pages[k].bits & keep;
        if (bits) {
            c->pages[out].page = c->pages[k].page;
            c->pages[out].bits = bits;
            out++;
        }
    }
    c->npages = out;
    long bytes = snapshot_desc_encode(c->pages, out, c->desc, &c->lines);   // ascending still: cannot fail
    c->desc_bytes = bytes < 0 ? 0 : (size_t)bytes;
    return out;
}

void snapshot_collect_restore(struct snapshot_collector *c) {
    for (size_t i = 0; i < c->npages; i++) {
        size_t page = c->pages[i].page + c->win_page;
        snapshot_word_or(&snapshot_dirty_bits[page], c->pages[i].bits);
        snapshot_summarise(page);
    }
    c->npages = 0;
    c->desc_bytes = 0;
    c->lines = 0;
}

static size_t scan(uintptr_t off, uintptr_t len, int take) {
    size_t p = off >> 12, end = (off + len) >> 12, lines = 0;
    while (p < end) {
        size_t chunk = p >> 6;
        if (!__atomic_load_n(&snapshot_dirty_l2[chunk >> 6], __ATOMIC_RELAXED)) {
            p = ((chunk >> 6) + 1) << 12;                 // 16 MiB with nothing dirty
            continue;
        }
        if (!((__atomic_load_n(&snapshot_dirty_l2[chunk >> 6], __ATOMIC_RELAXED) >> (chunk & 63)) & 1)) {
            p = (chunk + 1) << 6;
            continue;
        }
        if ((__atomic_load_n(&snapshot_dirty_l1[p >> 6], __ATOMIC_RELAXED) >> (p & 63)) & 1 &&
            __atomic_load_n(&snapshot_dirty_bits[p], __ATOMIC_RELAXED)) {
            uint64_t bits = __atomic_load_n(&snapshot_dirty_bits[p], __ATOMIC_RELAXED);
            if (take) {
                bits = snapshot_word_take(&snapshot_dirty_bits[p]);
                if (snapshot_drop_bits) __atomic_store_n(&snapshot_drop_bits[p], 0, __ATOMIC_SEQ_CST);
            }
            lines += (size_t)__builtin_popcountll(bits);
        }
        p++;
    }
    return lines;
}

size_t snapshot_discard(uintptr_t off, uintptr_t len) { return scan(off, len, 1); }
size_t snapshot_count_dirty(uintptr_t off, uintptr_t len) { return scan(off, len, 0); }
