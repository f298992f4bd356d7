// Dirty-bitmap primitives shared by the store path (record.c) and the commit side (bitmap.c).
//
// Layout (indices relative to __snapshot_working_base):
//   line  = offset >> 6          bit (line & 63) of snapshot_dirty_bits[line >> 6]
//   page  = line >> 6            bit (page & 63) of snapshot_dirty_l1[page >> 6]   ("word non-zero")
//   chunk = page >> 6 (256 KiB)  bit (chunk & 63) of snapshot_dirty_l2[chunk >> 6] ("l1 word non-zero")
//   group = chunk >> 6 (16 MiB)  bit (group & 63) of snapshot_dirty_l3[group >> 6] ("l2 word non-zero")
// Writers set bottom-up (line, then l1 if clear, then l2 if clear, then l3 if clear); the
// committer takes top-down (clears its window's l3 bits, then exchanges the l2 words they name,
// their l1 words, the bitmap words). With sequentially consistent RMWs this never loses a bit set
// concurrently: either the committer's take sees it, or the writer sees the summary already
// cleared and sets it again. An l3 word (1 GiB) can span the windows of several files (windows
// are 16 MiB-aligned), so a committer clears only its own window's bits of it, and only those it
// saw set. l3 makes a commit's scan independent of the file's size: without it, a commit read
// every l2 word of the mapping, 6 instructions per 16 MiB (a clean commit of a 4 GiB mapping took
// 125 ns against 19 ns for 64 MiB). Every read-modify-write goes through snapshot_words.h, which
// drops the lock prefix while no other thread exists.
#ifndef SNAPSHOT_DIRTY_H
#define SNAPSHOT_DIRTY_H
#include <stdint.h>
#include "snapshot_shim.h"
#include "snapshot_words.h"

static inline __attribute__((always_inline)) void snapshot_summarise(size_t page) {
    uint64_t b1 = 1ull << (page & 63);
    uint64_t *w1 = &snapshot_dirty_l1[page >> 6];
    if (__builtin_expect(__atomic_load_n(w1, __ATOMIC_RELAXED) & b1, 1)) return;
    snapshot_word_or(w1, b1);
    size_t chunk = page >> 6;
    uint64_t b2 = 1ull << (chunk & 63);
    uint64_t *w2 = &snapshot_dirty_l2[chunk >> 6];
    if (__atomic_load_n(w2, __ATOMIC_SEQ_CST) & b2) return;
    snapshot_word_or(w2, b2);
    size_t group = chunk >> 6;
    uint64_t b3 = 1ull << (group & 63);
    uint64_t *w3 = &snapshot_dirty_l3[group >> 6];
    if (!(__atomic_load_n(w3, __ATOMIC_SEQ_CST) & b3)) snapshot_word_or(w3, b3);
}
#endif
