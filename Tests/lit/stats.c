// -snapshot-stats (what snapshot-cc -fsnapshot-stats passes) prints one line per translation
// unit: write sites seen by kind, instrumented, and skipped by reason.
// RUN: %clang-snap -O2 -c -o /dev/null %s -mllvm -snapshot-stats 2>&1 | FileCheck %s
// RUN: %clang-snap -O0 -c -o /dev/null %s -mllvm -snapshot-stats 2>&1 | FileCheck %s --check-prefix=O0
#include <string.h>

static long global_counter;
struct rec { long a, b, c; };

void fields(struct rec *r) { r->a = 1; r->b = 2; r->c = 3; } // 3 stores, one record
void bump(void) { global_counter++; }                         // global: skipped
long local(int n) { long v[8]; for (int i = 0; i < 8; i++) v[i] = i * n; return v[n & 7]; }
void copy(char *d, const char *s) { strcpy(d, s); }           // libcall
void atom(long *p) { __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }

// The 3 instrumented sites are fields() (one record for its stores), copy() and atom(); local()'s
// array is a non-escaping alloca. They take 4 checks: atom()'s atomicrmw is checked and recorded on
// both sides of itself (before, as another thread may read it at once, and after).
// CHECK: snapshot-stats: {{.*}}stats.c: {{[0-9]+}} write sites ({{[0-9]+}} stores, 1 atomics, 0 mem intrinsics, 0 masked, 1 libcalls); instrumented 3 ({{[0-9.]+}}%); skipped: stack {{[1-9][0-9]*}} ({{[0-9.]+}}%), global 1, constant global 0, address space 0, merged {{[1-9]}}, loop-range 0 (0 ranges, 0 strided); versioned loops 0, functions {{[0-9]+}}; checks 4; opt-out 0 functions/0 sites; unseen: inline asm 0, intrinsics 0
// At -O0 every local lives in a non-escaping alloca, and fields()'s stores (each through its own
// reload of r) are not merged: 5 sites, 6 checks (atom() twice).
// O0: snapshot-stats: {{.*}}stats.c: {{[0-9]+}} write sites ({{[0-9]+}} stores, 1 atomics, 0 mem intrinsics, 0 masked, 1 libcalls); instrumented 5 ({{.*}}); skipped: stack {{[1-9][0-9]*}} ({{.*}}), global 1,{{.*}}; checks 6;
