// Through clang -fpass-plugin the pass runs at the end of the optimisation pipeline at every
// level, -O0 included (LLVM 14's -O0 pipeline runs OptimizerLast callbacks too), so stores that
// optimisations create (SLP-vectorised stores, memcpy/memset idioms) are seen.
// RUN: %clang -fpass-plugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %clang -fpass-plugin=%plugin -O1 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT,MERGED
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT,MERGED
// RUN: %clang -fpass-plugin=%plugin -O3 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT,MERGED
// RUN: %clang -fpass-plugin=%plugin -Os -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OPT,MERGED
// RUN: %clang -fpass-plugin=%plugin -Oz -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,OZ,MERGED
// Without the plugin nothing is instrumented (the checks above are not vacuous).
// RUN: %clang -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=PLAIN

struct s { long a, b, c, d; };

// Optimised, these are four i64 stores or (LLVM 14's SLP vectoriser at -O2 and up, -Os and -Oz
// included) two <2 x i64> stores; at -O0 four stores, each recorded after itself. Optimised, site
// merging covers all 32 bytes with one record after the last store (the keeper), reaching below
// its address (-24 from the last i64, -16 from the last <2 x i64>). All members are in the
// keeper's block, so the union is checked and recorded from its lowest byte, through the
// fixed-size __snapshot_record_32.
void set4(struct s *p) { p->a = 1; p->b = 2; p->c = 3; p->d = 4; }
// CHECK-LABEL: @set4(
// O0:  store i64 1,
// O0:  call preserve_mostcc void @__snapshot_record_8.pm(
// O0:  store i64 4,
// O0:  call preserve_mostcc void @__snapshot_record_8.pm(
// MERGED-NOT:  __snapshot_record
// MERGED:      store {{i64 4, i64\*|i64 4, ptr|<2 x i64> <i64 3, i64 4>, <2 x i64>\*|<2 x i64> <i64 3, i64 4>, ptr}} %{{[0-9]+}},
// MERGED-NEXT: [[SIZE:%[0-9]+]] = load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
// MERGED-NOT:  __snapshot_record
// MERGED:      [[LO:%[0-9]+]] = getelementptr i8, {{i8\*|ptr}} %{{[0-9]+}}, i64 {{-24|-16}}
// MERGED-NEXT: icmp ne i64 [[SIZE]], 0
// OPT-NOT:     __snapshot_record
// OPT:         ptrtoint {{i8\*|ptr}} [[LO]] to i64
// OPT-NOT:     __snapshot_record
// OPT:         call preserve_mostcc void @__snapshot_record_32.pm({{i8\*|ptr}} [[LO]])
// OPT-NOT:     __snapshot_record
// OZ-NOT:      __snapshot_record
// OZ:          ptrtoint {{i8\*|ptr}} [[LO]] to i64
// OZ-NOT:      __snapshot_record
// OZ:          call preserve_mostcc void @__snapshot_record_32.pm({{i8\*|ptr}} [[LO]])
// OZ-NOT:      __snapshot_record
// CHECK: {{^}}}

// At -O0 a struct copy is an llvm.memcpy; recorded as the 32-byte intrinsic, after it.
void copy(struct s *d, const struct s *src) { *d = *src; }
// CHECK-LABEL: @copy(
// CHECK: call void @llvm.memcpy
// CHECK: call preserve_mostcc void @__snapshot_record_32.pm(
// CHECK: {{^}}}

// LoopIdiomRecognize turns this loop into llvm.memset at -O1..-O3 and -Os; -Oz keeps the loop.
void clear(char *p, long n) { for (long i = 0; i < n; i++) p[i] = 0; }
// CHECK-LABEL: @clear(
// O0:  call preserve_mostcc void @__snapshot_record_1.pm(
// OPT: call void @llvm.memset
// OPT: call preserve_mostcc void @__snapshot_record.pm({{i8\*|ptr}} %0, i64 %1)
// OZ:  call preserve_mostcc void @__snapshot_record_1.pm(
// CHECK: {{^}}}

// PLAIN-NOT: __snapshot
