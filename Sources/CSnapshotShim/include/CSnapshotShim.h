/* Umbrella header of the CSnapshotShim module (what Swift imports): the pass ABI, the public API
 * and the runtime-internal interface. Only snapshot.h and snapshot_abi.h are installed. */
#include "snapshot_abi.h"
#include "snapshot.h"
#include "snapshot_shim.h"
#include "snapshot_lock.h"
