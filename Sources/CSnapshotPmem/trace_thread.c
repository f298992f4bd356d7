/* Helpers for the persistence trace's per-thread fence model and its negative control. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <unistd.h>

static int threads_seen;
static __thread unsigned trace_thread;

/* Which thread made a trace record: the low 8 bits of the pid, then a per-process thread number
 * (threads of different processes appending to one trace stay apart). Never 0. */
unsigned snapshot_trace_thread(void) {
    if (!trace_thread) {
        unsigned n = (unsigned)__atomic_add_fetch(&threads_seen, 1, __ATOMIC_RELAXED) & 0xff;
        trace_thread = ((unsigned)getpid() & 0xff) << 8 | (n ? n : 1);
    }
    return trace_thread;
}

/* SNAPSHOT_TEST_FAULT=borrow-fence only: persistent-memory fences taken by any thread. */
static unsigned long fences_taken;
unsigned long snapshot_test_fences(void) { return __atomic_load_n(&fences_taken, __ATOMIC_ACQUIRE); }
void snapshot_test_count_fence(void) { __atomic_add_fetch(&fences_taken, 1, __ATOMIC_ACQ_REL); }
