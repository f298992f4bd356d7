// Through clang -fpass-plugin the pass runs at the end of the optimisation pipeline at every
// level, -O0 included (LLVM 14's -O0 pipeline runs OptimizerLast callbacks too), so stores that
// optimisations create (SLP-vectorised stores, memcpy/memset idioms) are seen.
// RUN: %clang -fpass-plugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %clang -fpass-plugin=%plugin -O1 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT
// RUN: %clang -fpass-plugin=%plugin -O3 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT
// RUN: %clang -fpass-plugin=%plugin -Os -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT
// RUN: %clang -fpass-plugin=%plugin -Oz -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OZ
// Without the plugin nothing is instrumented (the checks above are not vacuous).
// RUN: %clang -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=PLAIN

struct s { long a, b, c, d; };

// SLP at -O2/-O3 turns these into one vector store; at -O0 they are four stores.
void set4(struct s *p) { p->a = 1; p->b = 2; p->c = 3; p->d = 4; }
// CHECK-LABEL: @set4(
// O0:  call preserve_mostcc void @__snapshot_record_8.pm(
// OPT: call preserve_mostcc void @__snapshot_record_32.pm(
// OZ:  call preserve_mostcc void @__snapshot_record_32.pm(
// CHECK: {{^}}}

// At -O0 a struct copy is an llvm.memcpy; recorded as the 32-byte intrinsic.
void copy(struct s *d, const struct s *src) { *d = *src; }
// CHECK-LABEL: @copy(
// CHECK: call preserve_mostcc void @__snapshot_record_32.pm(
// CHECK: {{^}}}

// LoopIdiomRecognize turns this loop into llvm.memset at -O1..-O3 and -Os; -Oz keeps the loop.
void clear(char *p, long n) { for (long i = 0; i < n; i++) p[i] = 0; }
// CHECK-LABEL: @clear(
// O0:  call preserve_mostcc void @__snapshot_record_1.pm(
// OPT: call preserve_mostcc void @__snapshot_record.pm({{i8\*|ptr}} %0, i64 %1)
// OPT: call void @llvm.memset
// OZ:  call preserve_mostcc void @__snapshot_record_1.pm(
// CHECK: {{^}}}

// PLAIN-NOT: __snapshot
