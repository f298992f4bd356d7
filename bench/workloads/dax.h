/*
 * dax.h — cost model of msync() on a DAX (persistent-memory) mapping, for the `msync-dax` and
 * `wal-dax` variants: the paper's msync baseline ran on Optane with ext4-DAX, where msync flushes
 * every dirty 4 KiB page in full (64 cache-line flushes per page) and then fences. tmpfs has no
 * such cost (its msync is a no-op), so these variants charge it explicitly.
 *
 * The variants still make the real msync() call (on tmpfs: the syscall and range walk, no
 * write-back), then charge the flushes: dax_touch records which pages the program dirtied (the
 * kernel learns this from page-table dirty bits), dax_msync flushes each dirty page whole with
 * libpmem and drains. Not modelled: write-protecting the cleaned pages and the page fault on the
 * next write to each — so this is a LOWER bound on real DAX msync cost (it flatters msync, not
 * Snapshot).
 */
#ifndef DAX_H
#define DAX_H

#include <stddef.h>
#include <stdint.h>

#define DAX_PAGE 4096u

extern uint8_t *dax_dirty_bits; /* one bit per heap page */
extern uint32_t *dax_dirty_list;
extern size_t dax_dirty_count;
extern char *dax_base;

void dax_init(char *base, size_t size);
/* Flushes every touched heap page in full, then drains; forgets them. */
void dax_msync(void);
/* Flushes the pages covering [p, p+len) in full and drains (used for the WAL's log). */
void dax_msync_range(char *p, size_t len);

static inline void dax_touch(void *addr, size_t size) {
    if (!size) return;
    size_t first = (size_t)((char *)addr - dax_base) / DAX_PAGE;
    size_t last = (size_t)((char *)addr - dax_base + size - 1) / DAX_PAGE;
    for (size_t pg = first; pg <= last; pg++) {
        uint8_t bit = (uint8_t)(1u << (pg & 7));
        if (!(dax_dirty_bits[pg >> 3] & bit)) {
            dax_dirty_bits[pg >> 3] |= bit;
            dax_dirty_list[dax_dirty_count++] = (uint32_t)pg;
        }
    }
}

#endif
