// The hot globals every instrumented write reads (see snapshot_abi.h). Plain C so that they are
// statically initialised and read directly, with no Swift lazy-global accessor in the way.
#include "snapshot_abi.h"

uintptr_t __snapshot_working_base = 0;
uintptr_t __snapshot_working_size = 0;
const int __snapshot_abi_version_1 = SNAPSHOT_ABI_VERSION;
