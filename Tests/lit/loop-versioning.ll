; A commit-free loop (no call, fence or acquire) whose remaining checks are all gated by object
; flags computed before it is cloned: the branch in the preheader runs the clean (uninstrumented)
; copy unless one of the objects is in the working range. Values used after the loop merge in the exit block.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-loop-versioning=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i32 @swap_loop(i32* %a, i64* %idx, i64 %n) {
; CHECK-LABEL: @swap_loop(
; CHECK:      [[FLAG:%snapshot.object]] = icmp ule
; CHECK:      br i1 [[FLAG]], label %snapshot.checked, label %snapshot.checked.snapshot.clean, !prof
; The clean copy: no instrumentation at all.
; CHECK:      loop.snapshot.clean:
; CHECK-NOT:  __snapshot
; CHECK:      br i1 %done.snapshot.clean, label %exit, label %loop.snapshot.clean
; CHECK:      snapshot.checked:
; CHECK:      loop:
; CHECK:      br i1 [[FLAG]], label %snapshot.object.in
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:      exit:
; CHECK-NEXT: [[LAST:%.*]] = phi i32 [ %vi, %{{[0-9]+}} ], [ %vi.snapshot.clean, %loop.snapshot.clean ]
; CHECK-NEXT: ret i32 [[LAST]]
; OFF-LABEL:  @swap_loop(
; OFF-NOT:    snapshot.clean
; OFF:        ret i32
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %none
none:
  ret i32 0
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %jp = getelementptr inbounds i64, i64* %idx, i64 %i
  %j = load i64, i64* %jp
  %pj = getelementptr inbounds i32, i32* %a, i64 %j
  %vi = load i32, i32* %pj
  %v2 = add i32 %vi, 1
  store i32 %v2, i32* %pj
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret i32 %vi
}
