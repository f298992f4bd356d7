// Opt-outs: __attribute__((annotate("snapshot_skip"))), naked functions and
// __attribute__((disable_sanitizer_instrumentation)) are left alone; optnone functions are still
// instrumented (the pass is required), as is everything else.
// RUN: %clang-snap -O1 -S -emit-llvm -o - %s -mllvm -snapshot-debug 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=DEBUG < %t.err

__attribute__((annotate("snapshot_skip"))) void skipped(long *p) { *p = 1; }
// CHECK-LABEL: @skipped(
// CHECK-NOT: __snapshot
// CHECK: ret void

__attribute__((disable_sanitizer_instrumentation)) void no_sanitize(long *p) { *p = 2; }
// CHECK-LABEL: @no_sanitize(
// CHECK-NOT: __snapshot
// CHECK: ret void

__attribute__((naked)) void naked(void) { __asm__("ret"); }
// CHECK-LABEL: @naked(
// CHECK-NOT: __snapshot
// CHECK: unreachable

__attribute__((optnone, noinline)) void not_optimised(long *p) { *p = 3; }
// CHECK-LABEL: @not_optimised(
// CHECK: call preserve_mostcc void @__snapshot_record_8.pm(

void ordinary(long *p) { *p = 4; }
// CHECK-LABEL: @ordinary(
// CHECK: call preserve_mostcc void @__snapshot_record_8.pm(

// DEBUG-DAG: skipped: opted out (annotate(snapshot_skip)), 1 write sites left alone
// DEBUG-DAG: no_sanitize: opted out (disable_sanitizer_instrumentation)
// DEBUG-DAG: naked: opted out (naked)
