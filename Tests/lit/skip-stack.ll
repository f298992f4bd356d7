; Stores to stack objects whose address never escapes (allocas, byval copies) are skipped; once
; the address escapes (passed to a call, stored to memory, returned) the stores are instrumented.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%s = type { i64, i64 }
declare void @escape(i32*)
declare void @llvm.memset.p0i8.i64(i8*, i8, i64, i1)

define i32 @local_only() {
; CHECK-LABEL: @local_only(
; CHECK-NOT: __snapshot
; CHECK: ret i32
  %a = alloca i32
  %arr = alloca [16 x i8]
  store i32 5, i32* %a
  %p = getelementptr [16 x i8], [16 x i8]* %arr, i64 0, i64 3
  store i8 1, i8* %p
  %q = bitcast [16 x i8]* %arr to i8*
  call void @llvm.memset.p0i8.i64(i8* %q, i8 0, i64 16, i1 false)
  %v = load i32, i32* %a
  ret i32 %v
}
define void @escaped_to_call() {
; CHECK-LABEL: @escaped_to_call(
; CHECK: store i32 5, i32* %a
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  %a = alloca i32
  call void @escape(i32* %a)
  store i32 5, i32* %a
  ret void
}
define void @escaped_to_memory(i32** %out) {
; CHECK-LABEL: @escaped_to_memory(
; CHECK: store i32* %a, i32** %out
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: store i32 6, i32* %a
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  %a = alloca i32
  store i32* %a, i32** %out
  store i32 6, i32* %a
  ret void
}
define i32* @escaped_by_return() {
; CHECK-LABEL: @escaped_by_return(
; CHECK: store i32 7, i32* %a
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  %a = alloca i32
  store i32 7, i32* %a
  ret i32* %a
}
define void @select_of_locals(i1 %c) {
; CHECK-LABEL: @select_of_locals(
; CHECK-NOT: __snapshot
; CHECK: ret void
  %a = alloca i64
  %b = alloca i64
  %p = select i1 %c, i64* %a, i64* %b
  store i64 1, i64* %p
  ret void
}
define void @select_local_or_arg(i1 %c, i64* %x) {
; CHECK-LABEL: @select_local_or_arg(
; CHECK: store i64 1
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %a = alloca i64
  %p = select i1 %c, i64* %a, i64* %x
  store i64 1, i64* %p
  ret void
}
define void @byval_copy(%s* byval(%s) %v) {
; CHECK-LABEL: @byval_copy(
; CHECK-NOT: __snapshot
; CHECK: ret void
  %f = getelementptr %s, %s* %v, i64 0, i32 1
  store i64 3, i64* %f
  ret void
}
define void @sret_is_callers_memory(%s* sret(%s) %r) {
; CHECK-LABEL: @sret_is_callers_memory(
; CHECK: store i64 3, i64* %f
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %f = getelementptr %s, %s* %r, i64 0, i32 1
  store i64 3, i64* %f
  ret void
}
