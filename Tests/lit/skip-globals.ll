; Global variables live in the ELF image, never in a working copy (an mmap range the kernel places
; apart from them): stores to them are skipped, constant ones in any case. Extern weak globals
; may be null and are instrumented. -snapshot-skip-globals=false turns the writable-global rule off.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s --check-prefixes=CHECK,SKIP
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-skip-globals=false -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@counter = global i64 0
@table = global [100 x i32] zeroinitializer
@tls = thread_local global i32 0
@ro = constant i32 1
@weak = extern_weak global i32

define void @to_global(i64 %i) {
; CHECK-LABEL: @to_global(
; SKIP-NOT: __snapshot
; KEEP: store i64 1, i64* @counter
; KEEP: call preserve_mostcc void @__snapshot_record_8.pm(
; KEEP: store i32 2, i32* %p
; KEEP: call preserve_mostcc void @__snapshot_record_4.pm(
; KEEP: store i32 3, i32* @tls
; KEEP: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: ret void
  store i64 1, i64* @counter
  %p = getelementptr [100 x i32], [100 x i32]* @table, i64 0, i64 %i
  store i32 2, i32* %p
  store i32 3, i32* @tls
  ret void
}
define void @to_constant() {
; CHECK-LABEL: @to_constant(
; CHECK-NOT: __snapshot
; CHECK: ret void
  store i32 2, i32* @ro
  ret void
}
define void @to_extern_weak() {
; CHECK-LABEL: @to_extern_weak(
; CHECK: store i32 2, i32* @weak
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 2, i32* @weak
  ret void
}
