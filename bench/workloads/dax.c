/* dax.c — the DAX msync cost model (see dax.h). */
#include "dax.h"

#include "bench.h"

#include <libpmem.h>
#include <stdlib.h>

uint8_t *dax_dirty_bits;
uint32_t *dax_dirty_list;
size_t dax_dirty_count;
char *dax_base;

void dax_init(char *base, size_t size) {
    size_t pages = (size + DAX_PAGE - 1) / DAX_PAGE;
    dax_base = base;
    dax_dirty_bits = calloc((pages + 7) / 8, 1);
    dax_dirty_list = malloc(pages * sizeof *dax_dirty_list);
    dax_dirty_count = 0;
    if (!dax_dirty_bits || !dax_dirty_list) bench_die("dax: allocating the dirty-page set");
}

void dax_msync(void) {
    for (size_t i = 0; i < dax_dirty_count; i++) {
        uint32_t pg = dax_dirty_list[i];
        pmem_flush(dax_base + (size_t)pg * DAX_PAGE, DAX_PAGE);
        dax_dirty_bits[pg >> 3] &= (uint8_t)~(1u << (pg & 7));
    }
    dax_dirty_count = 0;
    pmem_drain();
}

void dax_msync_range(char *p, size_t len) {
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)(DAX_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + len + DAX_PAGE - 1) & ~(uintptr_t)(DAX_PAGE - 1);
    pmem_flush((void *)start, end - start);
    pmem_drain();
}
