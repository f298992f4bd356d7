; Within a stretch of one block with no call, fence or acquiring atomic, writes off one pointer
; whose ranges touch or overlap are recorded once, by the first of them, for their union. A call
; (which may commit) or an acquire (after which another thread's commit may be visible) ends the
; stretch; disjoint ranges are never merged (the gap could lie outside the object). Object flags
; are off here (object-flags.ll tests them).
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -S %s | FileCheck %s
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-coalesce=false -S %s | FileCheck %s --check-prefix=OFF
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%rec = type { i64, i32, i32, i64 }
declare void @f()

define void @fields(%rec* %r) {
; CHECK-LABEL: @fields(
; CHECK:     [[B:%.*]] = bitcast %rec* %r to i8*
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
; The union may start below the first store: the anchor records from the lowest offset.
define void @descending(i64* %p) {
; CHECK-LABEL: @descending(
; CHECK:     [[B:%.*]] = bitcast i64* %p to i8*
; CHECK:     [[LO:%.*]] = getelementptr i8, i8* [[B]], i64 -8
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
define void @other_block(i32* %p, i1 %c) {
; CHECK-LABEL: @other_block(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 1, i32* %p
  br i1 %c, label %t, label %e
t:
  store i32 2, i32* %p
  br label %e
e:
  ret void
}
; The range globals are loaded once per stretch.
define void @loads_shared(i64* %p, i32* %q) {
; CHECK-LABEL: @loads_shared(
; CHECK:     load i64, i64* @__snapshot_working_base
; CHECK-NOT: load i64, i64* @__snapshot_working_base
; CHECK:     ret void
  store i64 1, i64* %p
  store i32 2, i32* %q
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
