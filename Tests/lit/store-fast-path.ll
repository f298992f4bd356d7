; The inline fast path before a store: two loads of the runtime's range globals, sub, unsigned
; compare, a branch weighted unlikely to a block that calls the size-specialised record function,
; then the original store.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @st_i8(i8* %p) {
; CHECK-LABEL: @st_i8(
; CHECK:      [[BASE:%.*]] = load i64, i64* @__snapshot_working_base, align 8
; CHECK-NEXT: [[SIZE:%.*]] = load i64, i64* @__snapshot_working_size, align 8
; CHECK-NEXT: [[ADDR:%.*]] = ptrtoint i8* %p to i64
; CHECK-NEXT: [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %[[REC:.*]], label %[[CONT:[0-9]+]], !prof [[UNLIKELY:![0-9]+]]
; CHECK:      [[REC]]:
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_1.pm(i8* %p)
; CHECK-NEXT: br label %[[CONT]]
; CHECK:      [[CONT]]:
; CHECK-NEXT: store i8 7, i8* %p, align 1
; CHECK-NEXT: ret void
  store i8 7, i8* %p
  ret void
}

; The runtime is called through a per-module thunk with the preserve_most convention, so the
; cold call clobbers no register the hot path keeps values in; the thunk calls the C entry point.
; CHECK: declare void @__snapshot_record_1(i8*) [[NOUNWIND:#[0-9]+]]
; CHECK: define linkonce_odr hidden preserve_mostcc void @__snapshot_record_1.pm(i8* %0) [[THUNK:#[0-9]+]] comdat {
; CHECK-NEXT: call void @__snapshot_record_1(i8* %0)
; CHECK-NEXT: ret void
; CHECK-DAG: attributes [[THUNK]] = { noinline nounwind }
; CHECK-DAG: attributes [[NOUNWIND]] = { nounwind }
; CHECK: [[UNLIKELY]] = !{!"branch_weights", i32 1, i32 1048575}
