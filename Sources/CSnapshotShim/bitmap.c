// Commit side of the dirty bitmap: take a window's dirty lines as coalesced runs, give them back if
// the commit fails, discard them when pages are unmapped. See dirty.h for the layout and protocol.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_shim.h"
#include "dirty.h"

static int grow(void **p, size_t *cap, size_t elem) {
    size_t n = *cap ? *cap * 2 : 1024;
    void *q = realloc(*p, n * elem);
    if (!q) { errno = ENOMEM; return -1; }
    *p = q;
    *cap = n;
    return 0;
}

// The saved words (ascending pages) as runs of consecutive dirty lines, window offsets, adjacent
// runs coalesced across page boundaries. 0, or -1 (ENOMEM).
static int runs_of_saved(struct snapshot_collector *c, uintptr_t win_off) {
    struct snapshot_run *runs = c->runs;
    size_t nruns = 0, cap = c->runs_cap;
    // Locals: the stores into runs[] could alias the collector's fields, which would be reloaded.
    const struct snapshot_saved *const saved = c->saved;
    const size_t nsaved = c->nsaved;
    intptr_t last_end = -1;
    for (size_t k = 0; k < nsaved; k++) {
        uint64_t b = saved[k].bits;
        intptr_t pageoff = (intptr_t)((saved[k].word << 12) - win_off);
        while (b) {                                        // each run of consecutive set bits
            // Adding the lowest set bit carries through the lowest run: the sum has the run's
            // bits clear and the bit just above it set (none when the run reaches bit 63).
            unsigned s = (unsigned)__builtin_ctzll(b);
            uint64_t carried = b + (b & (0 - b));
            unsigned e = carried ? (unsigned)__builtin_ctzll(carried) : 64;
            b &= carried;                                  // the bits above the run
            intptr_t off = pageoff + (intptr_t)s * 64, len = (intptr_t)(e - s) * 64;
            if (off == last_end) {
                runs[nruns - 1].length += len;             // adjacent to the previous run: coalesce
            } else {
                if (__builtin_expect(nruns == cap, 0)) {
                    c->nruns = nruns;
                    if (grow((void **)&c->runs, &c->runs_cap, sizeof *c->runs)) return -1;
                    runs = c->runs;
                    cap = c->runs_cap;
                }
                runs[nruns].offset = off;
                runs[nruns].length = len;
                nruns++;
            }
            last_end = off + len;
        }
    }
    c->nruns = nruns;
    return 0;
}

int snapshot_collect(struct snapshot_collector *c, uintptr_t win_off, uintptr_t win_len) {
    return snapshot_collect_part(c, win_off, 0, win_len);
}

// Scans only the level-2 words that cover [win_off + lo, win_off + hi): a file mapped at the start
// of a 1 GiB window then costs a few word tests, not 64. A level-2 word (16 MiB) never straddles
// two windows (16 MiB-aligned), so whatever it holds belongs to this file's window.
//
// This runs on every commit. Two passes keep each loop small enough for the registers: the first
// only takes words and saves them; the second, with no atomics, turns the saved words into
// coalesced runs. The bitmap pointers and the collector's fields live in locals: every take is a
// compiler barrier, and through memory they would be reloaded after each one. The first pass is
// compiled twice, for a single-threaded process (unlocked takes, snapshot_words.h) and for one
// with threads (exchanges), so the loops test nothing per word.
static inline __attribute__((always_inline)) int collect_part(int single, struct snapshot_collector *c,
                                                              uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
    uint64_t *const dirty = snapshot_dirty_bits, *const l1 = snapshot_dirty_l1, *const l2 = snapshot_dirty_l2;
    uint64_t *const drop = snapshot_drop_bits;
    struct snapshot_saved *saved = c->saved;
    size_t nsaved = 0, saved_cap = c->saved_cap;
    size_t l2_first, l2_end = snapshot_l2_words(win_off, lo, hi, &l2_first);
    size_t i1 = 0, page = 0;
    uint64_t m2 = 0, m1 = 0, bits = 0;
    c->nruns = 0;
    for (size_t i2 = l2_first; i2 < l2_end; i2++) {
        if (!__atomic_load_n(&l2[i2], __ATOMIC_RELAXED)) continue;
        m2 = snapshot_word_take_as(single, &l2[i2]);
        while (m2) {
            i1 = (i2 << 6) | (size_t)__builtin_ctzll(m2);
            m2 &= m2 - 1;
            m1 = snapshot_word_take_as(single, &l1[i1]);
            while (m1) {
                page = (i1 << 6) | (size_t)__builtin_ctzll(m1);
                m1 &= m1 - 1;
                bits = snapshot_word_take_as(single, &dirty[page]);
                if (!bits) continue;
                if (__builtin_expect(drop != 0, 0)) {      // SNAPSHOT_TEST_FAULT=drop-thread
                    uint64_t d = __atomic_load_n(&drop[page], __ATOMIC_RELAXED) & bits;
                    if (d) __atomic_fetch_and(&drop[page], ~d, __ATOMIC_SEQ_CST);
                    bits &= ~d;
                    if (!bits) continue;
                }
                if (__builtin_expect(nsaved == saved_cap, 0)) {
                    c->nsaved = nsaved;
                    if (grow((void **)&c->saved, &c->saved_cap, sizeof *c->saved)) goto give_back;
                    saved = c->saved;
                    saved_cap = c->saved_cap;
                }
                saved[nsaved].word = page;
                saved[nsaved].bits = bits;
                nsaved++;
            }
        }
    }
    c->nsaved = nsaved;
    if (!nsaved) return 0;                                 // nothing dirty (an msync after reads)
    return runs_of_saved(c, win_off) ? (snapshot_collect_restore(c), -1) : 0;
    // Out of memory: everything taken goes back, the summaries included. This page's bits (taken,
    // not saved) and the summary bits cleared above pages not yet visited (m1, m2) would otherwise
    // hide dirty lines from every later commit.
give_back:
    snapshot_word_or(&dirty[page], bits);
    snapshot_summarise(page);
    for (; m1; m1 &= m1 - 1) snapshot_summarise((i1 << 6) | (size_t)__builtin_ctzll(m1));
    if (m2) snapshot_word_or(&l2[i1 >> 6], m2);   // their l1 words are intact
    snapshot_collect_restore(c);
    return -1;
}

int snapshot_collect_part(struct snapshot_collector *c, uintptr_t win_off, uintptr_t lo, uintptr_t hi) {
    return snapshot_single_threaded() ? collect_part(1, c, win_off, lo, hi) : collect_part(0, c, win_off, lo, hi);
}

// The general case of snapshot_clip_runs (whose inline part handles one mapping with nothing to clip).
size_t snapshot_clip_runs_slow(struct snapshot_collector *c, const intptr_t *spans, size_t nspans, intptr_t limit) {
    size_t out = 0, si = 0;
    for (size_t k = 0; k < c->nruns; k++) {
        intptr_t lo = c->runs[k].offset, hi = lo + c->runs[k].length;
        while (lo < hi) {
            while (si < nspans && spans[2 * si + 1] <= lo) si++;
            if (si == nspans) goto done;
            intptr_t s = spans[2 * si], e = spans[2 * si + 1];
            if (s >= hi) break;
            intptr_t a = lo > s ? lo : s, b = hi < e ? hi : e, end = b < limit ? b : limit;
            if (a < end) {
                // Clipping only shortens or splits runs, so writing at `out` never overtakes `k`;
                // pieces that touch the previous output piece are merged.
                if (out && c->runs[out - 1].offset + c->runs[out - 1].length == a) {
                    c->runs[out - 1].length += end - a;
                } else {
                    struct snapshot_run r = {a, end - a};
                    if (out > k) {                            /* a split: make room (rare) */
                        if (c->nruns == c->runs_cap &&
                            grow((void **)&c->runs, &c->runs_cap, sizeof *c->runs)) return (size_t)-1;
                        memmove(&c->runs[out + 1], &c->runs[out], (c->nruns - out) * sizeof *c->runs);
                        c->nruns++;
                        k++;
                    }
                    c->runs[out++] = r;
                }
            }
            lo = b;
        }
    }
done:
    c->nruns = out;
    return out;
}

void snapshot_collect_restore(struct snapshot_collector *c) {
    for (size_t i = 0; i < c->nsaved; i++) {
        snapshot_word_or(&snapshot_dirty_bits[c->saved[i].word], c->saved[i].bits);
        snapshot_summarise(c->saved[i].word);
    }
    c->nsaved = 0;
    c->nruns = 0;
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
