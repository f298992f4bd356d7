; Object flags: for writes in commit-free loops, whether the object a pointer points into is in the
; working range is checked once per object pointer (inbounds offsets stripped), before the loops
; the pointer is invariant in; each write on it then only tests the flag, and takes the full
; per-address check when it is set. The flags also gate loop versioning.
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-function-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%node = type { %node*, %node*, i64, i32 }
declare void @f()

; Straight-line code gets no flags: the per-write size test costs what a flag test would, and a
; flag live across calls would hold a register.
define void @fields_across_calls(%node* %n, %node* %x) {
; CHECK-LABEL: @fields_across_calls(
; CHECK-NOT:  icmp ule
; CHECK:      store %node* %x, %node** %l
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      call void @f()
; CHECK:      store %node* %x, %node** %r
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      call void @f()
; CHECK:      store i32 3, i32* %h
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:      ret void
  %l = getelementptr inbounds %node, %node* %n, i64 0, i32 0
  %r = getelementptr inbounds %node, %node* %n, i64 0, i32 1
  %h = getelementptr inbounds %node, %node* %n, i64 0, i32 3
  store %node* %x, %node** %l
  call void @f()
  store %node* %x, %node** %r
  call void @f()
  store i32 3, i32* %h
  ret void
}
; A swap with a data-dependent index: a[i] is written on every iteration (one range after the
; loop, on its exit edge, which both copies of the versioned loop take), a[j] is not affine: its
; flag for %a is computed before the loop. The loop is versioned on the flag: the clean copy has
; no instrumentation, the checked copy only tests the flag, after the write.
define void @swap_loop(i32* %a, i64* %idx, i64 %n) {
; CHECK-LABEL: @swap_loop(
; CHECK:      ph:
; CHECK-NOT:  __snapshot_record
; CHECK:      [[FLAG:%.*]] = icmp ule
; CHECK:      br i1 [[FLAG]], label %snapshot.checked, label %snapshot.checked.snapshot.clean
; CHECK:      loop.snapshot.clean:
; CHECK-NOT:  __snapshot_record
; CHECK:      br i1 %done.snapshot.clean, label %snapshot.loop.exit, label %loop.snapshot.clean
; CHECK:      snapshot.checked:
; CHECK-NOT:  __snapshot_record
; CHECK:      loop:
; CHECK-NOT:  __snapshot_record
; CHECK:      store i32 %vj, i32* %pi
; CHECK-NEXT: store i32 %vi, i32* %pj
; CHECK-NEXT: br i1 [[FLAG]], label %snapshot.object.in
; CHECK:      snapshot.object.in:
; CHECK:      ptrtoint i32* %pj to i64
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:      br i1 %done, label %snapshot.loop.exit, label %loop
; CHECK:      snapshot.loop.exit:
; CHECK-SAME: preds = %loop.snapshot.clean, %{{[0-9]+$}}
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(
; CHECK:      {{^}}exit:
; OFF-LABEL:  @swap_loop(
; OFF-NOT:    icmp ule
; OFF:        ret void
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %jp = getelementptr inbounds i64, i64* %idx, i64 %i
  %j = load i64, i64* %jp
  %pi = getelementptr inbounds i32, i32* %a, i64 %i
  %pj = getelementptr inbounds i32, i32* %a, i64 %j
  %vi = load i32, i32* %pi
  %vj = load i32, i32* %pj
  store i32 %vj, i32* %pi
  store i32 %vi, i32* %pj
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; One write on an object outside any loop: the plain check, no flag.
define void @single(i64* %p) {
; CHECK-LABEL: @single(
; CHECK-NOT:  icmp ule
; CHECK:      store i64 1, i64* %p
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
  store i64 1, i64* %p
  ret void
}
