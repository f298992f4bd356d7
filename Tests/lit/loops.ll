; Loops with no call, fence or acquire (nothing can commit while they run):
;  * a store executed on every iteration at an affine address is recorded once, after the loop,
;    on its exit edge (never before the writes: a commit on another thread while the loop runs
;    could take the bits first), for the exact range the loop wrote (SCEV start + trip count,
;    expanded there, with the range size loaded there too); stores of one loop whose starts
;    differ by a constant share one range. The record goes at the start of the loop's exit
;    block when the latch is its only predecessor, otherwise in a block of its own,
;    snapshot.loop.exit, split on the latch -> exit edge;
;  * other stores keep their check, with the size of the range loaded once in the preheader, and
;    the loop is versioned on "anything mapped": the clean copy has no checks at all.
; A loop with a call keeps per-iteration checks with loads in the body. A commit-free loop that
; releases (a store, atomicrmw or cmpxchg with release or stronger ordering) gets no range: a
; thread that acquires the release may commit before the exit edge, so each store keeps its check
; and record, right after it in the body. (Object flags, which replace most of these checks, are
; off here: see object-flags.ll.)
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-function-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-function-versioning=false -snapshot-loop-ranges=false -S %s | FileCheck %s --check-prefix=NORANGE
; RUN: %opt -passes=snapshot-instrument -snapshot-object-flags=false -snapshot-function-versioning=false -snapshot-debug -disable-output %s 2>&1 | FileCheck %s --check-prefix=DEBUG
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @f()

define void @fill(i32* %a, i64 %n) {
; CHECK-LABEL: @fill(
; CHECK:       [[A:%.*]] = bitcast i32* %a to i8*
; CHECK-NOT:   __snapshot
; CHECK:       ph:
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i32 7, i32* %p
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %done, label %snapshot.loop.exit, label %loop
; CHECK:       snapshot.loop.exit:
; CHECK-NEXT:  [[LAST:%.*]] = add i64 %n, -1
; CHECK-NEXT:  [[SPAN:%.*]] = shl nuw nsw i64 [[LAST]], 2
; CHECK-NEXT:  [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 4
; CHECK-NEXT:  load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* [[A]], i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       {{^}}exit:
; NORANGE-LABEL: @fill(
; NORANGE:     ph:
; NORANGE:     load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; NORANGE:     loop.snapshot.clean:
; NORANGE-NOT: __snapshot_record
; NORANGE:     loop:
; NORANGE-NOT: load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; NORANGE:     store i32 7, i32* %p
; NORANGE-NEXT: icmp ne i64 %snapshot.size{{[0-9]*}}, 0
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
; CHECK-NOT:   __snapshot
; CHECK:       ph:
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i64 2, i64* %q
; CHECK-NOT:   __snapshot
; CHECK:       snapshot.loop.exit:
; CHECK-NEXT:  [[LAST:%.*]] = add i64 %n, -1
; CHECK-NEXT:  [[SPAN:%.*]] = shl nuw nsw i64 [[LAST]], 4
; CHECK-NEXT:  [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 16
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* {{.*}}, i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       {{^}}exit:
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
; CHECK-NOT:   __snapshot
; CHECK:       ph:
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i8 0, i8* %p
; CHECK-NOT:   __snapshot
; CHECK:       snapshot.loop.exit:
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(
; CHECK-NOT:   __snapshot_record
; CHECK:       {{^}}exit:
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
; CHECK:       store i32 7, i32* %p
; CHECK-NEXT:  icmp ne i64 [[SIZE2]], 0
; CHECK:       call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:       {{^}}exit:
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
; CHECK-NOT:   __snapshot
; CHECK:       store i32 7, i32* %p
; CHECK-NEXT:  load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
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
; After the optimisation pipeline a loop may have no dedicated preheader; the pass makes one (no
; record goes there). The exit block is also reached from entry, so the record gets a block of its
; own on the loop's exit edge: the range is recorded only when the loop ran.
define void @no_preheader(i32* %a, i64 %n, i1 %skip) {
; CHECK-LABEL: @no_preheader(
; CHECK:       entry:
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %skip, label %exit, label %[[PH:.*]]
; CHECK:       [[PH]]:
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %done, label %snapshot.loop.exit, label %loop
; CHECK:       snapshot.loop.exit:
; CHECK-SAME:  preds = %loop{{$}}
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(
; CHECK:       {{^}}exit:
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
; CHECK:       {{^}}exit:
; CHECK-NEXT:  [[P:%.*]] = phi i32* [ %p, %latch ], [ %p.snapshot.clean, %latch.snapshot.clean ]
; CHECK-NEXT:  store i32 9, i32* [[P]]
; CHECK:       ptrtoint i32* [[P]] to i64
; CHECK:       call preserve_mostcc void @__snapshot_record_4.pm(
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
; The latch is the only way into the exit block: the range is recorded at the start of that block
; (no block is split off), after the loop.
define void @own_exit(i32* %a, i64 %n) {
; CHECK-LABEL: @own_exit(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i32 7, i32* %p
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %done, label %exit, label %loop
; CHECK:       {{^}}exit:{{ *}}; preds = %loop{{$}}
; CHECK-NEXT:  [[LAST:%.*]] = add i64 %n, -1
; CHECK-NEXT:  [[SPAN:%.*]] = shl nuw nsw i64 [[LAST]], 2
; CHECK-NEXT:  [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 4
; CHECK-NEXT:  load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* {{.*}}, i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %p = getelementptr inbounds i32, i32* %a, i64 %i
  store i32 7, i32* %p
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
; A commit-free loop that publishes its progress with a release store on every iteration: no range
; (it would be recorded on the exit edge, after releases that let another thread commit first).
; The store to a[i] is checked and recorded in the body, after it and before the release store;
; the release store, atomic, is checked and recorded on both sides of itself. The loop is still
; versioned on "anything mapped", with the range size loaded once before it.
define void @publish(i64* %a, i64* %count, i64 %n) {
; CHECK-LABEL: @publish(
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.checked:
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  br label %loop
; CHECK:       {{^}}loop:
; CHECK-NEXT:  %i = phi i64 [ 0, %snapshot.checked ], [ %i1, %[[LATCH:[0-9]+]] ]
; CHECK-NEXT:  %p = getelementptr inbounds i64, i64* %a, i64 %i
; CHECK-NEXT:  store i64 7, i64* %p, align 8
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK-NOT:   store
; CHECK:       ptrtoint i64* %p to i64
; CHECK-NOT:   store
; CHECK:       [[P:%.*]] = bitcast i64* %p to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[P]])
; CHECK-NOT:   store
; CHECK:       icmp ne i64 [[SIZE]], 0
; CHECK-NOT:   store
; CHECK:       ptrtoint i64* %count to i64
; CHECK-NOT:   store
; CHECK:       [[C:%.*]] = bitcast i64* %count to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[C]])
; CHECK-NOT:   __snapshot_record
; CHECK:       store atomic i64 %i, i64* %count release, align 8
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK-NOT:   store
; CHECK:       ptrtoint i64* %count to i64
; CHECK-NOT:   store
; CHECK:       [[C2:%.*]] = bitcast i64* %count to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[C2]])
; CHECK-NOT:   __snapshot
; CHECK:       {{^}}[[LATCH]]:
; CHECK-NEXT:  %i1 = add nuw nsw i64 %i, 1
; CHECK-NEXT:  %done = icmp eq i64 %i1, %n
; CHECK-NEXT:  br i1 %done, label %exit, label %loop
; CHECK-NOT:   snapshot.loop.exit
; CHECK-NOT:   __snapshot_record
; CHECK:       {{^}}exit:
; CHECK-NEXT:  ret void
; DEBUG: snapshot-instrument: own_exit: store -> loop-range size=4 :
; DEBUG: snapshot-instrument: no loop range, the store's loop releases (a store-release, atomicrmw or cmpxchg): store i64 7
; DEBUG-NOT: loop-range
; DEBUG: snapshot-instrument: publish: store -> instrument size=8 :  store i64 7, i64* %p
; DEBUG: snapshot-instrument: publish: store -> instrument size=8 :  store atomic i64 %i, i64* %count release
; DEBUG-NOT: loop-range
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %p = getelementptr inbounds i64, i64* %a, i64 %i
  store i64 7, i64* %p
  store atomic i64 %i, i64* %count release, align 8
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
