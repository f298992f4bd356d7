; Site merging (SiteMerging.h): writes off one address expression (same base, same variable GEP
; indices, inbounds) are recorded once, by a keeper that dominates or post-dominates them with no
; call (which may commit), fence, acquire or release (after which another thread's commit may be
; ordered) on the way; the record covers the union, checked on the keeper's own address. Object
; flags are off here (object-flags.ll tests them).
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-loop-ranges=false -snapshot-loop-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-merge-sites=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%rec = type { i64, i32, i32, i64 }
declare void @f()

define void @fields(%rec* %r) {
; CHECK-LABEL: @fields(
; CHECK:     [[B:%.*]] = bitcast i64* %a to i8*
; CHECK:     call preserve_mostcc void @__snapshot_record_16.pm(i8* [[B]])
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
; OFF-LABEL: @fields(
; OFF: call preserve_mostcc void @__snapshot_record_8.pm(
; OFF: call preserve_mostcc void @__snapshot_record_4.pm(
; OFF: call preserve_mostcc void @__snapshot_record_4.pm(
  %a = getelementptr inbounds %rec, %rec* %r, i64 0, i32 0
  %b = getelementptr inbounds %rec, %rec* %r, i64 0, i32 1
  %c = getelementptr inbounds %rec, %rec* %r, i64 0, i32 2
  store i64 1, i64* %a
  store i32 2, i32* %b
  store i32 3, i32* %c
  ret void
}
; The union may start below the keeper: the clipping entry point records from the lowest offset
; (the keeper's own address is the one checked).
define void @descending(i64* %p) {
; CHECK-LABEL: @descending(
; CHECK:     ptrtoint i64* %p1 to i64
; CHECK:     [[B:%.*]] = bitcast i64* %p1 to i8*
; CHECK:     [[LO:%.*]] = getelementptr i8, i8* [[B]], i64 -16
; CHECK:     call preserve_mostcc void @__snapshot_record.pm(i8* [[LO]], i64 24)
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  %m1 = getelementptr inbounds i64, i64* %p, i64 -1
  store i64 1, i64* %p1
  store i64 2, i64* %p
  store i64 3, i64* %m1
  ret void
}
define void @same_store_twice(i32* %p) {
; CHECK-LABEL: @same_store_twice(
; CHECK:     call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  store i32 1, i32* %p
  store i32 2, i32* %p
  ret void
}
define void @call_between(i32* %p) {
; CHECK-LABEL: @call_between(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: store i32 1
; CHECK: call void @f()
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: store i32 2
  store i32 1, i32* %p
  call void @f()
  store i32 2, i32* %p
  ret void
}
define void @fence_between(i32* %p) {
; CHECK-LABEL: @fence_between(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: fence acquire
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  fence acquire
  store i32 2, i32* %p
  ret void
}
define void @acquire_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @acquire_between(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: load atomic i32, i32* %flag acquire
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  %v = load atomic i32, i32* %flag acquire, align 4
  store i32 2, i32* %p
  ret void
}
define void @relaxed_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @relaxed_between(
; CHECK:     call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  store i32 1, i32* %p
  %v = load atomic i32, i32* %flag monotonic, align 4
  store i32 2, i32* %p
  ret void
}
define void @disjoint(i8* %p) {
; CHECK-LABEL: @disjoint(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %q = getelementptr i8, i8* %p, i64 100
  %p64 = bitcast i8* %p to i64*
  %q64 = bitcast i8* %q to i64*
  store i64 1, i64* %p64
  store i64 2, i64* %q64
  ret void
}
; A keeper in a block that dominates the other write.
define void @dominating_block(i64* %p, i1 %c) {
; CHECK-LABEL: @dominating_block(
; CHECK:     call preserve_mostcc void @__snapshot_record_16.pm(
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  store i64 1, i64* %p
  br i1 %c, label %t, label %e
t:
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  store i64 2, i64* %p1
  br label %e
e:
  ret void
}
; A keeper that post-dominates the writes on both arms records after them (an AVL insert's
; child-pointer store followed by the height store).
define void @postdominating(i64* %p, i1 %c) {
; CHECK-LABEL: @postdominating(
; CHECK:     t:
; CHECK-NOT: __snapshot_record
; CHECK:     j:
; CHECK:     [[B:%.*]] = bitcast i64* %p2 to i8*
; CHECK:     [[LO:%.*]] = getelementptr i8, i8* [[B]], i64 -16
; CHECK:     call preserve_mostcc void @__snapshot_record.pm(i8* [[LO]], i64 24)
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  br i1 %c, label %t, label %e
t:
  store i64 1, i64* %p
  br label %j
e:
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  store i64 2, i64* %p1
  br label %j
j:
  %p2 = getelementptr inbounds i64, i64* %p, i64 2
  store i64 3, i64* %p2
  ret void
}
; A call on one of the paths between the writes: no merge.
define void @call_on_a_path(i64* %p, i1 %c) {
; CHECK-LABEL: @call_on_a_path(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: call void @f()
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  store i64 1, i64* %p
  br i1 %c, label %t, label %j
t:
  call void @f()
  br label %j
j:
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  store i64 2, i64* %p1
  ret void
}
; A release between the writes: a thread that acquires it may commit before the second record.
define void @release_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @release_between(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: store atomic i32 1, i32* %flag release
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  store atomic i32 1, i32* %flag release, align 4
  store i32 2, i32* %p
  ret void
}
; Writes through s = &a[i] with i a loop counter. The write after the loop is covered by the
; record of the last iteration's write, which dominates it with the same i...
define void @index_dominating(i64* %a, i64 %n) {
; CHECK-LABEL: @index_dominating(
; CHECK:     loop:
; CHECK:     call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:     done:
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %s = getelementptr inbounds i64, i64* %a, i64 %i
  store i64 1, i64* %s
  %i1 = add i64 %i, 1
  %more = icmp ult i64 %i1, %n
  br i1 %more, label %loop, label %done
done:
  %s2 = getelementptr inbounds i64, i64* %a, i64 %i
  store i64 2, i64* %s2
  ret void
}
; ...but a record after the loop cannot cover writes of earlier iterations (i is redefined on the
; way), so a conditional write in the loop keeps its own record.
define void @index_redefined(i64* %a, i64 %n, i1 %c) {
; CHECK-LABEL: @index_redefined(
; CHECK: body:
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: done:
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %latch ]
  br i1 %c, label %body, label %latch
body:
  %s = getelementptr inbounds i64, i64* %a, i64 %i
  store i64 1, i64* %s
  br label %latch
latch:
  %i1 = add i64 %i, 1
  %more = icmp ult i64 %i1, %n
  br i1 %more, label %loop, label %done
done:
  %s2 = getelementptr inbounds i64, i64* %a, i64 %i
  store i64 2, i64* %s2
  ret void
}
; Fields of one array element (same variable index) merge: key, value and state of a hash slot.
%slot = type { i64, i64, i32 }
define void @slot_fields(%slot* %t, i64 %i) {
; CHECK-LABEL: @slot_fields(
; CHECK:     call preserve_mostcc void @__snapshot_record.pm(i8* {{.*}}, i64 20)
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  %k = getelementptr inbounds %slot, %slot* %t, i64 %i, i32 0
  %v = getelementptr inbounds %slot, %slot* %t, i64 %i, i32 1
  %st = getelementptr inbounds %slot, %slot* %t, i64 %i, i32 2
  store i64 1, i64* %k
  store i64 2, i64* %v
  store i32 1, i32* %st
  ret void
}
; Only inbounds offsets are merged: a non-inbounds GEP may leave the object.
define void @not_inbounds(i64* %p) {
; CHECK-LABEL: @not_inbounds(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %p1 = getelementptr i64, i64* %p, i64 1
  store i64 1, i64* %p
  store i64 2, i64* %p1
  ret void
}
