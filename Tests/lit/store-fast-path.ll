; The original store, then the inline fast path after it (a record never precedes its write), in
; two levels: the size of the image's range copy (@__snapshot_range, a hidden per-image global read
; PC-relative) compared with 0 — the whole cost in a process that maps nothing — then, only when
; something is mapped, the base, sub, unsigned compare and a branch weighted unlikely to a block
; that calls the size-specialised record function.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

; The copy starts as {0, -1}: until its constructor registers it, every write takes the slow path.
; CHECK: @__snapshot_range = linkonce_odr hidden global { i64, i64, i8* } { i64 0, i64 -1, i8* null }, comdat, align 64
; CHECK: @llvm.global_ctors = appending global {{.*}} { i32 1, void ()* @__snapshot_range.register, {{.*}} }]
; CHECK: @llvm.global_dtors = appending global {{.*}} { i32 1, void ()* @__snapshot_range.unregister, {{.*}} }]

define void @st_i8(i8* %p) {
; CHECK-LABEL: @st_i8(
; CHECK-NEXT: store i8 7, i8* %p, align 1
; CHECK-NEXT: [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({ i64, i64, i8* }, { i64, i64, i8* }* @__snapshot_range, i32 0, i32 1), align 8
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %[[MAPPED:.*]], label %[[CONT:[0-9]+]]
; CHECK:      [[MAPPED]]:
; CHECK-NEXT: [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({ i64, i64, i8* }, { i64, i64, i8* }* @__snapshot_range, i32 0, i32 0), align 8
; CHECK-NEXT: [[ADDR:%.*]] = ptrtoint i8* %p to i64
; CHECK-NEXT: [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %[[REC:.*]], label %[[JOIN:[0-9]+]], !prof [[UNLIKELY:![0-9]+]]
; CHECK:      [[REC]]:
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_1.pm(i8* %p)
; CHECK-NEXT: br label %[[JOIN]]
; CHECK:      [[JOIN]]:
; CHECK-NEXT: br label %[[CONT]]
; CHECK:      [[CONT]]:
; CHECK-NEXT: ret void
  store i8 7, i8* %p
  ret void
}

; The constructor and destructor hand the copy to the runtime; linkonce_odr + comdat: once per image.
; CHECK: define linkonce_odr hidden void @__snapshot_range.register() {{.*}} comdat {
; CHECK-NEXT: call void @__snapshot_register_range({ i64, i64, i8* }* @__snapshot_range)
; CHECK: define linkonce_odr hidden void @__snapshot_range.unregister() {{.*}} comdat {
; CHECK-NEXT: call void @__snapshot_unregister_range({ i64, i64, i8* }* @__snapshot_range)
; The runtime is called through a per-module thunk with the preserve_most convention, so the
; cold call clobbers no register the hot path keeps values in; the thunk calls the C entry point.
; CHECK: declare void @__snapshot_record_1(i8*) [[NOUNWIND:#[0-9]+]]
; CHECK: define linkonce_odr hidden preserve_mostcc void @__snapshot_record_1.pm(i8* %0) [[THUNK:#[0-9]+]] comdat {
; CHECK-NEXT: call void @__snapshot_record_1(i8* %0)
; CHECK-NEXT: ret void
; CHECK-DAG: attributes [[THUNK]] = { noinline nounwind }
; CHECK-DAG: attributes [[NOUNWIND]] = { nounwind }
; CHECK: [[UNLIKELY]] = !{!"branch_weights", i32 1, i32 1048575}
