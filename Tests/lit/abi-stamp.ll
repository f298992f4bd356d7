; An instrumented module references __snapshot_abi_version_3 from a hidden, retained
; (llvm.used) linkonce_odr global, so linking against a runtime of another ABI fails; and it is
; marked done, so a second run of the pass changes nothing. A module with nothing to instrument
; gets no reference and links without the runtime.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument' %s | %opt -passes='snapshot-instrument,verify' -S | FileCheck %s --check-prefix=TWICE
; RUN: %opt -passes='snapshot-instrument,verify' -S %S/Inputs/no-writes.ll | FileCheck %s --check-prefix=NONE
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

; CHECK: $__snapshot_abi_ref = comdat any
; CHECK: @__snapshot_abi_version_3 = external constant i32
; CHECK: @__snapshot_abi_ref = linkonce_odr hidden constant i8* bitcast (i32* @__snapshot_abi_version_3 to i8*), comdat
; CHECK: @llvm.used = appending global [1 x i8*] [i8* bitcast (i8** @__snapshot_abi_ref to i8*)], section "llvm.metadata"
; CHECK: !{i32 2, !"snapshot.instrumented", i32 1}

; TWICE-COUNT-1: call preserve_mostcc void @__snapshot_record_4.pm(
; TWICE-NOT: call preserve_mostcc void @__snapshot_record_4.pm(

; NONE-NOT: __snapshot

define void @f(i32* %p) {
  store i32 1, i32* %p
  ret void
}
