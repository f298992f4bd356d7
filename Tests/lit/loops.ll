; Loops with no call, fence or acquire (nothing can commit while they run):
;  * a store executed on every iteration at an affine address is recorded once, before the loop,
;    for the exact range the loop writes (SCEV start + trip count), stores of one loop whose
;    starts differ by a constant share one range;
;  * other stores keep their check, with the size of the range loaded once in the preheader, and
;    the loop is versioned on "anything mapped": the clean copy has no checks at all.
; A loop with a call keeps per-iteration checks with loads in the body. (Object flags, which
; replace most of these checks, are off here: see object-flags.ll.)
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-function-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-function-versioning=false -snapshot-loop-ranges=false -S %s | FileCheck %s --check-prefix=NORANGE
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @f()

define void @fill(i32* %a, i64 %n) {
; CHECK-LABEL: @fill(
; CHECK:       ph:
; CHECK:       [[LAST:%.*]] = add i64 %n, -1
; CHECK:       [[SPAN:%.*]] = shl nuw nsw i64 [[LAST]], 2
; CHECK:       [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 4
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* {{.*}}, i64 [[LEN]])
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       exit:
; NORANGE-LABEL: @fill(
; NORANGE:     ph:
; NORANGE:     load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; NORANGE:     loop.snapshot.clean:
; NORANGE-NOT: __snapshot_record
; NORANGE:     loop:
; NORANGE-NOT: load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; NORANGE:     call preserve_mostcc void @__snapshot_record_4.pm(
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  store i32 7, i32* %p
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; Two fields per iteration (unrolled/vectorised bodies look like this): one range.
define void @pairs(i64* %a, i64 %n) {
; CHECK-LABEL: @pairs(
; CHECK:       ph:
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(
; CHECK-NOT:   call void @__snapshot_record
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       exit:
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %i2 = shl i64 %i, 1
  %p = getelementptr inbounds i64, i64* %a, i64 %i2
  %q = getelementptr inbounds i64, i64* %p, i64 1
  store i64 1, i64* %p
  store i64 2, i64* %q
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
define void @backward(i8* %a, i64 %n) {
; CHECK-LABEL: @backward(
; CHECK:       ph:
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       exit:
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ %n, %ph ], [ %i1, %loop ]
  %i1 = add nsw i64 %i, -1
  %p = getelementptr inbounds i8, i8* %a, i64 %i1
  store i8 0, i8* %p
  %done = icmp eq i64 %i1, 0
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; Conditional store: not every iteration writes, so no range; the loop is versioned on the size
; (clean copy without checks), and the checked copy's size test reuses the preheader's load.
define void @conditional(i32* %a, i64 %n) {
; CHECK-LABEL: @conditional(
; CHECK:       ph:
; CHECK:       [[SIZE:%.*]] = load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT:  br i1 [[ANY]], label %snapshot.checked, label %snapshot.checked.snapshot.clean
; CHECK:       loop.snapshot.clean:
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.checked:
; CHECK-NEXT:  [[SIZE2:%.*]] = load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK:       loop:
; CHECK-NOT:   load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK:       icmp ne i64 [[SIZE2]], 0
; CHECK:       call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:       exit:
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %latch ]
  %odd = and i64 %i, 1
  %c = icmp eq i64 %odd, 0
  br i1 %c, label %st, label %latch
st:
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  store i32 7, i32* %p
  br label %latch
latch:
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
define void @with_call(i32* %a, i64 %n) {
; CHECK-LABEL: @with_call(
; CHECK:       loop:
; CHECK:       load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK:       call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:       call void @f()
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  store i32 7, i32* %p
  call void @f()
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; After the optimisation pipeline a loop may have no dedicated preheader; the pass makes one, so
; the range is recorded only when the loop is entered.
define void @no_preheader(i32* %a, i64 %n, i1 %skip) {
; CHECK-LABEL: @no_preheader(
; CHECK:       entry:
; CHECK:       br i1 %skip, label %exit, label %[[PH:.*]]
; CHECK:       [[PH]]:
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       exit:
entry:
  br i1 %skip, label %exit, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  store i32 7, i32* %p
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp uge i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; A write after a versioned loop through a pointer computed in the loop: versioning puts the loop
; in LCSSA form, and the check must use the exit phi that merges both copies (found by the IR
; verifier on SQLite).
define void @pointer_from_loop(i32* %a, i64 %n) {
; CHECK-LABEL: @pointer_from_loop(
; CHECK:       exit:
; CHECK:       [[P:%.*]] = phi i32* [ %p, %latch ], [ %p.snapshot.clean, %latch.snapshot.clean ]
; CHECK:       ptrtoint i32* [[P]] to i64
; CHECK:       store i32 9, i32* [[P]]
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %latch ]
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  %odd = and i64 %i, 1
  %c = icmp eq i64 %odd, 0
  br i1 %c, label %st, label %latch
st:
  store i32 7, i32* %p
  br label %latch
latch:
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  store i32 9, i32* %p
  ret void
}
