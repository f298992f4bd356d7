; Stores through non-default address spaces (x86 __seg_fs/__seg_gs: 257/256) are segment-relative,
; not working-copy addresses: skipped.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @gs(i64 addrspace(256)* %p) {
; CHECK-LABEL: @gs(
; CHECK-NOT: __snapshot
; CHECK: store i64 1, i64 addrspace(256)* %p
  store i64 1, i64 addrspace(256)* %p
  ret void
}
