; Volatile, atomic and unaligned stores, atomicrmw and cmpxchg are recorded before they happen,
; with the size of the value they write.
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-merge-sites=false -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @volatile_store(i32* %p) {
; CHECK-LABEL: @volatile_store(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: store volatile i32 1, i32* %p
  store volatile i32 1, i32* %p
  ret void
}
define void @atomic_store(i64* %p) {
; CHECK-LABEL: @atomic_store(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: store atomic i64 1, i64* %p seq_cst, align 8
  store atomic i64 1, i64* %p seq_cst, align 8
  ret void
}
define void @unaligned_store(i64* %p) {
; CHECK-LABEL: @unaligned_store(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: store i64 1, i64* %p, align 1
  store i64 1, i64* %p, align 1
  ret void
}
define i32 @rmw(i32* %p) {
; CHECK-LABEL: @rmw(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK-NEXT: br label
; CHECK: atomicrmw add i32* %p, i32 1 seq_cst
  %r = atomicrmw add i32* %p, i32 1 seq_cst
  ret i32 %r
}
define i16 @rmw_xchg16(i16* %p) {
; CHECK-LABEL: @rmw_xchg16(
; CHECK: call preserve_mostcc void @__snapshot_record_2.pm(
; CHECK: atomicrmw xchg i16* %p
  %r = atomicrmw xchg i16* %p, i16 9 monotonic
  ret i16 %r
}
define float @rmw_fadd(float* %p) {
; CHECK-LABEL: @rmw_fadd(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: atomicrmw fadd float* %p
  %r = atomicrmw fadd float* %p, float 1.0 seq_cst
  ret float %r
}
define i1 @cas(i64* %p, i64 %old, i64 %new) {
; CHECK-LABEL: @cas(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst
  %r = cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst
  %ok = extractvalue { i64, i1 } %r, 1
  ret i1 %ok
}
define i1 @cas128(i128* %p, i128 %old, i128 %new) {
; CHECK-LABEL: @cas128(
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
; CHECK: cmpxchg weak i128* %p
  %r = cmpxchg weak i128* %p, i128 %old, i128 %new acq_rel monotonic
  %ok = extractvalue { i128, i1 } %r, 1
  ret i1 %ok
}
