// The hot globals every instrumented write reads (see snapshot_abi.h), and the runtime state the
// interposers test before deciding to pass a call straight through. Plain C so that they are
// statically initialised and read directly, with no Swift lazy-global accessor in the way, and so
// that loading libsnapshot.so does no work at all (nothing runs before the first managed mmap).
#include "snapshot_abi.h"
#include "snapshot.h"
#include "snapshot_shim.h"
#include "internal.h"

// The ABI pair and the bitmap pointer the record functions read sit in one cache line.
__attribute__((aligned(64))) uintptr_t __snapshot_working_base = 0;
uintptr_t __snapshot_working_size = 0;
uint64_t *snapshot_dirty_bits = 0;
uint64_t *snapshot_dirty_l1 = 0;
uint64_t *snapshot_dirty_l2 = 0;
uint64_t *snapshot_dirty_l3 = 0;
uint64_t *snapshot_drop_bits = 0;
int snapshot_store_faults = 0;

const int __snapshot_abi_version_3 = SNAPSHOT_ABI_VERSION;

// what(1)-style marker: `snapshot-cc --snapshot-version` reads the runtime's version from the file.
__attribute__((used)) static const char snapshot_version_marker[] = "@(#)libsnapshot " SNAPSHOT_VERSION;

// Hidden aliases for the store path (see internal.h).
extern uintptr_t snapshot_working_base_local __attribute__((alias("__snapshot_working_base"), visibility("hidden")));
extern uintptr_t snapshot_working_size_local __attribute__((alias("__snapshot_working_size"), visibility("hidden")));
extern uint64_t *snapshot_dirty_bits_local __attribute__((alias("snapshot_dirty_bits"), visibility("hidden")));

int snapshot_state = SNAPSHOT_STATE_UNINIT;
uintptr_t snapshot_persistent_base = 0;
int snapshot_managed_files = 0;
int snapshot_quiet = 0;
int snapshot_verify = 0;

void snapshot_publish(uintptr_t working_base, uintptr_t working_size, uintptr_t persistent_base,
                      uint64_t *bits, uint64_t *l1, uint64_t *l2, uint64_t *l3, uint64_t *drop) {
    snapshot_dirty_bits = bits;
    snapshot_dirty_l1 = l1;
    snapshot_dirty_l2 = l2;
    snapshot_dirty_l3 = l3;
    snapshot_drop_bits = drop;
    snapshot_persistent_base = persistent_base;
    __atomic_store_n(&__snapshot_working_base, working_base, __ATOMIC_RELEASE);
    // The size goes last: until it is non-zero the inline range check fails for every address.
    __atomic_store_n(&__snapshot_working_size, working_size, __ATOMIC_RELEASE);
    snapshot_publish_range_copies(working_base, working_size);
    __atomic_store_n(&snapshot_state, SNAPSHOT_STATE_ACTIVE, __ATOMIC_RELEASE);
}
