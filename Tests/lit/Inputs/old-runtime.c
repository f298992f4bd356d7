// A runtime of an older ABI (1): the record entry points and the range globals, but not the
// range-copy registration or __snapshot_abi_version_3 (input of link-abi.c).
#include <stddef.h>
#include <stdint.h>
uintptr_t __snapshot_working_base, __snapshot_working_size;
const int __snapshot_abi_version_1 = 1;
void __snapshot_record_1(void *a) {}
void __snapshot_record_2(void *a) {}
void __snapshot_record_4(void *a) {}
void __snapshot_record_8(void *a) {}
void __snapshot_record_16(void *a) {}
void __snapshot_record_32(void *a) {}
void __snapshot_record_64(void *a) {}
void __snapshot_record(void *a, size_t n) {}
void __snapshot_record_cstring(char *a) {}
