/* Stand-in runtime of a process that never maps a file: the range stays {0, 0}, so every check
 * fails at its first level and no record function is ever called (each aborts if it is). Linking
 * an instrumented program with it measures exactly the inline checks (bench/instrumentation) and
 * runs instrumented code without libsnapshot (Tests/lit/verify-debian-source.sh). */
#include "snapshot_standin.h"

#include <stdlib.h>

static void standin_fixed(void *addr, size_t n) { (void)addr; (void)n; abort(); }
static void standin_range(void *addr, size_t n) { (void)addr; if (n) abort(); }
static void standin_cstring(char *addr) { (void)addr; abort(); }
