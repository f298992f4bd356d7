/*
 * snapshot_abi.h — the contract between the instrumentation pass (PassPlugin/) and libsnapshot.
 *
 * The pass emits, after every write that may reach a managed working copy (and before an atomic
 * write as well, which another thread may read and commit at once):
 *
 *     if (__snapshot_range.size != 0 &&
 *         unlikely((uintptr_t)addr - __snapshot_range.base < __snapshot_range.size))
 *         __snapshot_record_N(addr);            // or __snapshot_record(addr, size)
 *
 * where __snapshot_range is a hidden copy of the working range private to each linked image
 * (executable or shared object): read PC-relative, it costs no GOT load and no register that holds
 * an address. The image registers its copy from a constructor; the runtime keeps every registered
 * copy equal to its own range (base and size are 0 until the first managed mapping exists, so a
 * program that never maps a file pays one load and a compare per instrumented write). Until
 * registration the copy is {0, UINTPTR_MAX}: every write takes the slow path, which checks the
 * real range, so writes made before the image's constructor ran (from other images'
 * constructors) are not lost. The runtime records which 64-byte lines were
 * written; it never needs the written value. The call must follow the write and happen before the
 * next commit (msync/fsync/fdatasync) of that file in program order. Following matters because a
 * commit on another thread, or in a signal handler, may take a line's bit at any moment and copy
 * the line: a bit set before the write could be taken with the old bytes, and the new ones would
 * reach no later commit. Set after, the bit is seen with the new bytes or not at all (the call
 * keeps the compiler from moving the write past it; with a second thread the runtime puts a full
 * barrier between the write and its test of the bit, record.c).
 *
 * Any change to names or semantics here bumps SNAPSHOT_ABI_VERSION; the pass stamps it into each
 * module (global __snapshot_abi_version_N) so a mismatched runtime fails at link time.
 */
#ifndef SNAPSHOT_ABI_H
#define SNAPSHOT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNAPSHOT_ABI_VERSION 3   /* 3: records follow their writes (2 placed them before) */
#define SNAPSHOT_LINE_SHIFT 6                      /* tracking granularity: 64-byte lines */
#define SNAPSHOT_LINE_SIZE (1u << SNAPSHOT_LINE_SHIFT)

/* Start and length of the working range (the DRAM copies): the runtime's own copy, which it
 * mirrors into every registered image copy. Owned and written by the runtime. */
extern uintptr_t __snapshot_working_base;
extern uintptr_t __snapshot_working_size;

/* One image's copy of the range (the pass emits it as a hidden linkonce_odr global named
 * __snapshot_range, initialised to {0, SNAPSHOT_RANGE_UNREGISTERED, 0}). */
struct __snapshot_range_copy {
    uintptr_t base;
    uintptr_t size;
    struct __snapshot_range_copy *next;  /* the runtime's list of registered copies */
};
#define SNAPSHOT_RANGE_UNREGISTERED UINTPTR_MAX

/* Called from the image's constructor (priority 1) and destructor: the runtime fills the copy
 * and keeps it current, and after unregistering puts it back to the every-write-checks state
 * (code of a dlclose'd or finalised image may still run later in exit handlers). Idempotent. */
void __snapshot_register_range(struct __snapshot_range_copy *copy);
void __snapshot_unregister_range(struct __snapshot_range_copy *copy);

/* Defined by the runtime; referenced by every instrumented module, so a program built with the
 * pass against a runtime of another ABI fails to link instead of silently losing writes. */
extern const int __snapshot_abi_version_3;

/* Record a write of exactly N bytes at addr. addr may be unaligned and the write may span two
 * lines; an addr outside the working range is ignored (an unregistered image sends every write). */
void __snapshot_record_1(void *addr);
void __snapshot_record_2(void *addr);
void __snapshot_record_4(void *addr);
void __snapshot_record_8(void *addr);
void __snapshot_record_16(void *addr);
void __snapshot_record_32(void *addr);
void __snapshot_record_64(void *addr);

/* Record a write of size bytes at addr. Any addr and size: the part outside the working range is
 * ignored, size 0 records nothing. Used for intrinsics, library calls and odd sizes. */
void __snapshot_record(void *addr, size_t size);

/* Record the written part of a C string region after a string library call wrote it:
 * strlen(addr) + 1 bytes. Used for strcpy/strcat/sprintf-style calls whose extent is known only
 * after the call. */
void __snapshot_record_cstring(char *addr);

#ifdef __cplusplus
}
#endif

#endif /* SNAPSHOT_ABI_H */
