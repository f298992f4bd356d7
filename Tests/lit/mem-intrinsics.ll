; llvm.memcpy/memmove/memset (+ .inline, element-wise atomic): the destination range is recorded
; after the call (the range check starts right after it); constant sizes use the specialised entry
; points, small constant copies included (the backend expands those into plain stores after the
; pass has run, where nothing would see them), dynamic sizes pass the length. Zero-length
; intrinsics write nothing.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @llvm.memcpy.p0i8.p0i8.i64(i8*, i8*, i64, i1)
declare void @llvm.memcpy.inline.p0i8.p0i8.i64(i8*, i8*, i64, i1)
declare void @llvm.memmove.p0i8.p0i8.i64(i8*, i8*, i64, i1)
declare void @llvm.memset.p0i8.i64(i8*, i8, i64, i1)
declare void @llvm.memset.p0i8.i32(i8*, i8, i32, i1)
declare void @llvm.memcpy.element.unordered.atomic.p0i8.p0i8.i64(i8*, i8*, i64, i32)

define void @cpy_small(i8* %d, i8* %s) {
; CHECK-LABEL: @cpy_small(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 8, i1 false)
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(i8* %d)
  call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 8, i1 false)
  ret void
}
define void @cpy_odd(i8* %d, i8* %s) {
; CHECK-LABEL: @cpy_odd(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 3)
  call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 3, i1 false)
  ret void
}
define void @cpy_big(i8* %d, i8* %s) {
; CHECK-LABEL: @cpy_big(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 4096)
  call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 4096, i1 false)
  ret void
}
define void @cpy_dyn(i8* %d, i8* %s, i64 %n) {
; CHECK-LABEL: @cpy_dyn(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 %n, i1 false)
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
  call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 %n, i1 false)
  ret void
}
define void @cpy_inline(i8* %d, i8* %s) {
; CHECK-LABEL: @cpy_inline(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy.inline
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(i8* %d)
  call void @llvm.memcpy.inline.p0i8.p0i8.i64(i8* %d, i8* %s, i64 16, i1 false)
  ret void
}
define void @move_dyn(i8* %d, i8* %s, i64 %n) {
; CHECK-LABEL: @move_dyn(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memmove
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
  call void @llvm.memmove.p0i8.p0i8.i64(i8* %d, i8* %s, i64 %n, i1 false)
  ret void
}
define void @set_const(i8* %d) {
; CHECK-LABEL: @set_const(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memset.p0i8.i64(i8* %d, i8 0, i64 32, i1 false)
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_32.pm(i8* %d)
  call void @llvm.memset.p0i8.i64(i8* %d, i8 0, i64 32, i1 false)
  ret void
}
define void @set_dyn32(i8* %d, i32 %n) {
; CHECK-LABEL: @set_dyn32(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memset.p0i8.i32
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: [[N:%.*]] = zext i32 %n to i64
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 [[N]])
  call void @llvm.memset.p0i8.i32(i8* %d, i8 1, i32 %n, i1 true)
  ret void
}
define void @set_zero_len(i8* %d) {
; CHECK-LABEL: @set_zero_len(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memset
; CHECK-NOT: __snapshot_record
; CHECK: ret void
  call void @llvm.memset.p0i8.i64(i8* %d, i8 1, i64 0, i1 false)
  ret void
}
define void @cpy_atomic(i8* %d, i8* %s, i64 %n) {
; CHECK-LABEL: @cpy_atomic(
; CHECK-NOT: __snapshot_record
; CHECK: call void @llvm.memcpy.element.unordered.atomic
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
  call void @llvm.memcpy.element.unordered.atomic.p0i8.p0i8.i64(i8* align 4 %d, i8* align 4 %s, i64 %n, i32 4)
  ret void
}
