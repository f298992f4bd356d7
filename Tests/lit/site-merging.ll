; Site merging (SiteMerging.h): writes off one address expression (same base, same variable GEP
; indices, inbounds) are recorded once, by a keeper that post-dominates them with no call (which
; may commit), fence, acquire or release (after which another thread's commit may be ordered) on
; the way; the record covers the union. When every member is in the keeper's block (each is written
; whenever the keeper is), the union is checked and recorded from its lowest byte, through the
; fixed-size entry point when its size is a power of two up to 64; when a member is elsewhere (on a
; path that may not have been taken), the keeper's own address is checked and the union recorded
; through the entry point that clips to the working range. The keeper records just after itself,
; so the record follows every write it covers (records never precede their writes,
; InstrumentationEmitter.h): in straight-line code the last write of a group is the keeper, and a
; keeper that only dominates the other writes does not merge them. Atomic writes are never merged:
; each is recorded on both sides of itself. Object flags are off here (object-flags.ll tests them).
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-loop-ranges=false -snapshot-loop-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-merge-sites=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%rec = type { i64, i32, i32, i64 }
declare void @f()

; The last store (%c) keeps the record of all three fields, [-12, 4) around it: 16 bytes from
; the lowest, a fixed-size record.
define void @fields(%rec* %r) {
; CHECK-LABEL: @fields(
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %a
; CHECK-NEXT: store i32 2, i32* %b
; CHECK-NEXT: store i32 3, i32* %c
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[B:%.*]] = bitcast i32* %c to i8*
; CHECK-NEXT: [[LO:%snapshot.group[0-9]*]] = getelementptr i8, i8* [[B]], i64 -12
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %[[MAPPED:snapshot.mapped[0-9]*]], label
; CHECK:     {{^}}[[MAPPED]]:
; CHECK-NEXT: [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: [[A:%.*]] = ptrtoint i8* [[LO]] to i64
; CHECK-NEXT: [[DIFF:%.*]] = sub i64 [[A]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[DIFF]], %[[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %snapshot.record, label
; CHECK:     snapshot.record:
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_16.pm(i8* [[LO]])
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
; OFF-LABEL: @fields(
; OFF: store i64 1, i64* %a
; OFF: call preserve_mostcc void @__snapshot_record_8.pm(
; OFF: store i32 2, i32* %b
; OFF: call preserve_mostcc void @__snapshot_record_4.pm(
; OFF: store i32 3, i32* %c
; OFF: call preserve_mostcc void @__snapshot_record_4.pm(
  %a = getelementptr inbounds %rec, %rec* %r, i64 0, i32 0
  %b = getelementptr inbounds %rec, %rec* %r, i64 0, i32 1
  %c = getelementptr inbounds %rec, %rec* %r, i64 0, i32 2
  store i64 1, i64* %a
  store i32 2, i32* %b
  store i32 3, i32* %c
  ret void
}
; Stores at descending addresses: the last one, the keeper, is the lowest, and the union starts at
; it (checked and recorded from its own address).
define void @descending(i64* %p) {
; CHECK-LABEL: @descending(
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %p1
; CHECK-NEXT: store i64 2, i64* %p
; CHECK-NEXT: store i64 3, i64* %m1
; CHECK-NEXT: %snapshot.size{{[0-9]*}} = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK:     ptrtoint i64* %m1 to i64
; CHECK:     [[B:%.*]] = bitcast i64* %m1 to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record.pm(i8* [[B]], i64 24)
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  %m1 = getelementptr inbounds i64, i64* %p, i64 -1
  store i64 1, i64* %p1
  store i64 2, i64* %p
  store i64 3, i64* %m1
  ret void
}
; The union may start below the keeper (here the last, highest store): all in one block, it is
; checked and recorded from its lowest byte (24 bytes: the sized entry point).
define void @ascending(i64* %p) {
; CHECK-LABEL: @ascending(
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %m1
; CHECK-NEXT: store i64 2, i64* %p
; CHECK-NEXT: store i64 3, i64* %p1
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[B:%.*]] = bitcast i64* %p1 to i8*
; CHECK-NEXT: [[LO:%snapshot.group[0-9]*]] = getelementptr i8, i8* [[B]], i64 -16
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %[[MAPPED:snapshot.mapped[0-9]*]], label
; CHECK:     {{^}}[[MAPPED]]:
; CHECK-NEXT: [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: [[A:%.*]] = ptrtoint i8* [[LO]] to i64
; CHECK-NEXT: [[DIFF:%.*]] = sub i64 [[A]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[DIFF]], %[[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %snapshot.record, label
; CHECK:     snapshot.record:
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record.pm(i8* [[LO]], i64 24)
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  %m1 = getelementptr inbounds i64, i64* %p, i64 -1
  store i64 1, i64* %m1
  store i64 2, i64* %p
  store i64 3, i64* %p1
  ret void
}
define void @same_store_twice(i32* %p) {
; CHECK-LABEL: @same_store_twice(
; CHECK-NOT: __snapshot_record
; CHECK:     store i32 1, i32* %p
; CHECK-NEXT: store i32 2, i32* %p
; CHECK:     call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  store i32 1, i32* %p
  store i32 2, i32* %p
  ret void
}
define void @call_between(i32* %p) {
; CHECK-LABEL: @call_between(
; CHECK: store i32 1
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: call void @f()
; CHECK: store i32 2
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  call void @f()
  store i32 2, i32* %p
  ret void
}
define void @fence_between(i32* %p) {
; CHECK-LABEL: @fence_between(
; CHECK: store i32 1
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: fence acquire
; CHECK: store i32 2
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  fence acquire
  store i32 2, i32* %p
  ret void
}
define void @acquire_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @acquire_between(
; CHECK: store i32 1
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: load atomic i32, i32* %flag acquire
; CHECK: store i32 2
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  %v = load atomic i32, i32* %flag acquire, align 4
  store i32 2, i32* %p
  ret void
}
define void @relaxed_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @relaxed_between(
; CHECK-NOT: __snapshot_record
; CHECK:     store i32 1, i32* %p
; CHECK-NEXT: load atomic i32, i32* %flag monotonic
; CHECK-NEXT: store i32 2, i32* %p
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
; CHECK: store i64 1, i64* %p64
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: store i64 2, i64* %q64
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %q = getelementptr i8, i8* %p, i64 100
  %p64 = bitcast i8* %p to i64*
  %q64 = bitcast i8* %q to i64*
  store i64 1, i64* %p64
  store i64 2, i64* %q64
  ret void
}
; A write in a block that only dominates the other write is no keeper: its record, after it,
; would precede the other write. Each write keeps its own record.
define void @dominating_block(i64* %p, i1 %c) {
; CHECK-LABEL: @dominating_block(
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %p
; CHECK:     call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:     {{^}}t:
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 2, i64* %p1
; CHECK:     call preserve_mostcc void @__snapshot_record_8.pm(
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
; child-pointer store followed by the height store). The members are not in the keeper's block
; (only one arm ran): the keeper's own address, written whenever the record runs, is checked, and
; the union [-16, 8) is recorded through the clipping entry point, its GEP only in the record block.
define void @postdominating(i64* %p, i1 %c) {
; CHECK-LABEL: @postdominating(
; CHECK:     t:
; CHECK-NOT: __snapshot_record
; CHECK:     j:
; CHECK-NOT: __snapshot
; CHECK:     store i64 3, i64* %p2
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %[[MAPPED:snapshot.mapped[0-9]*]], label
; CHECK:     {{^}}[[MAPPED]]:
; CHECK-NEXT: [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: [[A:%.*]] = ptrtoint i64* %p2 to i64
; CHECK-NEXT: [[DIFF:%.*]] = sub i64 [[A]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[DIFF]], %[[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %snapshot.record, label
; CHECK:     snapshot.record:
; CHECK-NEXT: [[B:%.*]] = bitcast i64* %p2 to i8*
; CHECK-NEXT: [[LO:%snapshot.group[0-9]*]] = getelementptr i8, i8* [[B]], i64 -16
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record.pm(i8* [[LO]], i64 24)
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
; CHECK: store i64 1, i64* %p
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: call void @f()
; CHECK: store i64 2, i64* %p1
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
; The release store itself, atomic, is recorded before and after it.
define void @release_between(i32* %p, i32* %flag) {
; CHECK-LABEL: @release_between(
; CHECK: store i32 1, i32* %p
; CHECK: [[P:%.*]] = bitcast i32* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* [[P]])
; CHECK-NOT: store
; CHECK: [[F:%.*]] = bitcast i32* %flag to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* [[F]])
; CHECK-NOT: store
; CHECK: store atomic i32 1, i32* %flag release
; CHECK-NOT: store
; CHECK: [[F:%.*]] = bitcast i32* %flag to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* [[F]])
; CHECK-NOT: __snapshot_record
; CHECK: store i32 2, i32* %p
; CHECK: [[P:%.*]] = bitcast i32* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* [[P]])
; CHECK-NOT: __snapshot_record
; CHECK: ret void
  store i32 1, i32* %p
  store atomic i32 1, i32* %flag release, align 4
  store i32 2, i32* %p
  ret void
}
; An atomic is never merged, not even as the keeper (no release here, so the plain store would
; otherwise merge into it): the plain store keeps its own record, and the atomic is recorded on
; both sides of itself.
define void @atomic_not_merged(i64* %p) {
; CHECK-LABEL: @atomic_not_merged(
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %p, align 8
; CHECK-NEXT: load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NOT: store
; CHECK:     ptrtoint i64* %p to i64
; CHECK-NOT: store
; CHECK:     [[P:%.*]] = bitcast i64* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* [[P]])
; CHECK-NOT: store
; CHECK:     ptrtoint i64* %p1 to i64
; CHECK-NOT: store
; CHECK:     [[Q:%.*]] = bitcast i64* %p1 to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* [[Q]])
; CHECK-NOT: __snapshot_record
; CHECK:     store atomic i64 2, i64* %p1 monotonic, align 8
; CHECK-NEXT: load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NOT: store
; CHECK:     ptrtoint i64* %p1 to i64
; CHECK-NOT: store
; CHECK:     [[Q:%.*]] = bitcast i64* %p1 to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* [[Q]])
; CHECK-NOT: __snapshot_record
; CHECK:     ret void
  %p1 = getelementptr inbounds i64, i64* %p, i64 1
  store i64 1, i64* %p
  store atomic i64 2, i64* %p1 monotonic, align 8
  ret void
}
; Writes through s = &a[i] with i a loop counter. The last iteration's write dominates the write
; after the loop with the same i, but its record, after it, comes before that write: no merge,
; each keeps its own record...
define void @index_dominating(i64* %a, i64 %n) {
; CHECK-LABEL: @index_dominating(
; CHECK:     loop:
; CHECK:     store i64 1, i64* %s
; CHECK:     call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:     done:
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 2, i64* %s2
; CHECK:     call preserve_mostcc void @__snapshot_record_8.pm(
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
; ...and a record after the loop cannot cover writes of earlier iterations (i is redefined on the
; way), so a conditional write in the loop keeps its own record.
define void @index_redefined(i64* %a, i64 %n, i1 %c) {
; CHECK-LABEL: @index_redefined(
; CHECK: body:
; CHECK: store i64 1, i64* %s
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: done:
; CHECK: store i64 2, i64* %s2
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
; CHECK-NOT: __snapshot_record
; CHECK:     store i64 1, i64* %k
; CHECK-NEXT: store i64 2, i64* %v
; CHECK-NEXT: store i32 1, i32* %st
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[B:%.*]] = bitcast i32* %st to i8*
; CHECK-NEXT: [[LO:%snapshot.group[0-9]*]] = getelementptr i8, i8* [[B]], i64 -16
; CHECK-NEXT: [[ANY:%.*]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 [[ANY]], label %[[MAPPED:snapshot.mapped[0-9]*]], label
; CHECK:     {{^}}[[MAPPED]]:
; CHECK-NEXT: [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: [[A:%.*]] = ptrtoint i8* [[LO]] to i64
; CHECK-NEXT: [[DIFF:%.*]] = sub i64 [[A]], [[BASE]]
; CHECK-NEXT: [[IN:%.*]] = icmp ult i64 [[DIFF]], %[[SIZE]]
; CHECK-NEXT: br i1 [[IN]], label %snapshot.record, label
; CHECK:     snapshot.record:
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record.pm(i8* [[LO]], i64 20)
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
; CHECK: store i64 1, i64* %p
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK: store i64 2, i64* %p1
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  %p1 = getelementptr i64, i64* %p, i64 1
  store i64 1, i64* %p
  store i64 2, i64* %p1
  ret void
}
