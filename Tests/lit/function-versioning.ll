; Function versioning: a function that cannot commit (no calls but to itself, no fence, no
; acquire) and has two or more checks gets a clean copy, chosen on entry when nothing is mapped.
; Static allocas stay in the new entry block, shared by both copies.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-function-versioning=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @g()

define void @leaf(i64* %p, i32* %q, i1 %c) {
; CHECK-LABEL: @leaf(
; CHECK:      snapshot.entry:
; CHECK-NEXT: %tmp = alloca i64
; CHECK-NEXT: [[SIZE:%.*]] = load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %entry, label %entry.snapshot.clean
; CHECK:      entry:
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:      entry.snapshot.clean:
; CHECK-NOT:  __snapshot_record
; CHECK:      store i64 1, i64* %p
; CHECK-NOT:  __snapshot_record
; CHECK:      store i32 2, i32* %q
; CHECK:      ret void
; OFF-LABEL:  @leaf(
; OFF-NOT:    snapshot.entry
; OFF:        ret void
entry:
  %tmp = alloca i64
  store volatile i64 0, i64* %tmp
  store i64 1, i64* %p
  br i1 %c, label %t, label %e
t:
  store i32 2, i32* %q
  br label %e
e:
  ret void
}

; Calls to itself do not disqualify: the callee tests again on entry.
define void @recursive(i64* %p, i32* %q, i64 %n) {
; CHECK-LABEL: @recursive(
; CHECK:      snapshot.entry:
; CHECK:      entry.snapshot.clean:
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @recursive(
entry:
  store i64 1, i64* %p
  store i32 2, i32* %q
  %z = icmp eq i64 %n, 0
  br i1 %z, label %done, label %more
more:
  %m = sub i64 %n, 1
  call void @recursive(i64* %p, i32* %q, i64 %m)
  br label %done
done:
  ret void
}

; Another call, a fence, an acquire: the function may commit or see a new mapping; no clone.
define void @calls_out(i64* %p, i32* %q) {
; CHECK-LABEL: @calls_out(
; CHECK-NOT:  snapshot.entry
; CHECK:      ret void
  store i64 1, i64* %p
  call void @g()
  store i32 2, i32* %q
  ret void
}
define void @fenced(i64* %p, i32* %q) {
; CHECK-LABEL: @fenced(
; CHECK-NOT:  snapshot.entry
; CHECK:      ret void
  store i64 1, i64* %p
  fence acquire
  store i32 2, i32* %q
  ret void
}

; One check: the plain check costs what the entry test would.
define void @single(i64* %p) {
; CHECK-LABEL: @single(
; CHECK-NOT:  snapshot.entry
; CHECK:      ret void
  store i64 1, i64* %p
  ret void
}
