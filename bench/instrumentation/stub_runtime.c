/* Minimal runtime for the instrumentation benchmark: the range copy is registered as 0 (these programs
 * never map a file), so every check fails fast and the record functions are never called — the
 * cost measured is exactly the inline instrumentation, as in a program that maps nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "snapshot_abi.h"
uintptr_t __snapshot_working_base, __snapshot_working_size;
const int __snapshot_abi_version_2 = 2;
void __snapshot_register_range(struct __snapshot_range_copy *c) { c->base = 0; c->size = 0; }
void __snapshot_unregister_range(struct __snapshot_range_copy *c) { c->size = SNAPSHOT_RANGE_UNREGISTERED; }
static void never(void) { abort(); }
void __snapshot_record_1(void *a) { never(); }
void __snapshot_record_2(void *a) { never(); }
void __snapshot_record_4(void *a) { never(); }
void __snapshot_record_8(void *a) { never(); }
void __snapshot_record_16(void *a) { never(); }
void __snapshot_record_32(void *a) { never(); }
void __snapshot_record_64(void *a) { never(); }
void __snapshot_record(void *a, size_t n) { if (n) never(); }
void __snapshot_record_cstring(char *a) { never(); }
