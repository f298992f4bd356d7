; Loop ranges of strided stores record the lines the loop writes, not the span it crosses
; (a commit copies every recorded line):
;  * gap between the chunks of consecutive iterations shorter than a line: one contiguous range;
;  * gap of a line or more (a field of 4 KiB records): a loop of per-chunk records after the loop,
;    on its exit edge;
;  * unrolled copies of one strided store (offsets d apart, m * d = step): one chunk loop of
;    stride d and m times the trip count;
;  * stores of one iteration farther apart than a line: a chunk sequence each;
;  * a stride known only at run time: both forms behind a test of the gap.
; Every range is recorded after the loop, on its exit edge (never before the writes it covers),
; with its start, length, stride and count expanded there; the loop body itself and the code before
; the loop stay free of checks in every case.
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-function-versioning=false -S %s | FileCheck %s
; RUN: %opt -passes=snapshot-instrument -snapshot-function-versioning=false -snapshot-stats -disable-output %s 2>&1 | FileCheck %s --check-prefix=STATS
; STATS: 10 write sites {{.*}} loop-range 10 (7 ranges, 6 strided); {{.*}} checks 7;
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%page = type { i64, [4088 x i8] }

; p[i].stamp = v for 256 records of 4 KiB: 256 records of 8 bytes, 4096 apart.
define void @field(%page* %p, i64 %v) {
; CHECK-LABEL: @field(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i64 %v, i64* %q
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %done, label %exit, label %loop
; CHECK:       {{^}}exit:
; CHECK-NEXT:  load i64, {{.*}}@__snapshot_range, i32 0, i32 1)
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.record:
; CHECK-NEXT:  br label %snapshot.chunks
; CHECK:       snapshot.chunks:
; CHECK-NEXT:  [[K:%.*]] = phi i64 [ 0, %snapshot.record ], [ [[NEXT:%.*]], %snapshot.chunks ]
; CHECK-NEXT:  [[OFF:%.*]] = mul i64 [[K]], 4096
; CHECK-NEXT:  [[AT:%.*]] = getelementptr i8, i8* {{.*}}, i64 [[OFF]]
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[AT]])
; CHECK-NEXT:  [[NEXT]] = add i64 [[K]], 1
; CHECK-NEXT:  [[DONE:%.*]] = icmp eq i64 [[NEXT]], 256
; CHECK-NEXT:  br i1 [[DONE]], label {{.*}}, label %snapshot.chunks
; CHECK-NOT:   call preserve_mostcc void @__snapshot_record.pm(
; CHECK:       ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %q = getelementptr inbounds %page, %page* %p, i64 %i, i32 0
  store i64 %v, i64* %q
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, 256
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; The same loop unrolled by 4 (what -O2 makes of it): one chunk loop of stride 4096, 4 * 64 chunks.
define void @field_unrolled(%page* %p, i64 %v) {
; CHECK-LABEL: @field_unrolled(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i64 %v, i64* %q3
; CHECK-NOT:   __snapshot
; CHECK:       {{^}}exit:
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.chunks:
; CHECK:       mul i64 {{.*}}, 4096
; CHECK:       call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:       icmp eq i64 {{.*}}, 256
; CHECK-NOT:   {{^}}snapshot.chunks{{[0-9]*}}:
; CHECK:       ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i4, %loop ]
  %q0 = getelementptr inbounds %page, %page* %p, i64 %i, i32 0
  store i64 %v, i64* %q0
  %i1 = or i64 %i, 1
  %q1 = getelementptr inbounds %page, %page* %p, i64 %i1, i32 0
  store i64 %v, i64* %q1
  %i2 = or i64 %i, 2
  %q2 = getelementptr inbounds %page, %page* %p, i64 %i2, i32 0
  store i64 %v, i64* %q2
  %i3 = or i64 %i, 3
  %q3 = getelementptr inbounds %page, %page* %p, i64 %i3, i32 0
  store i64 %v, i64* %q3
  %i4 = add nuw nsw i64 %i, 4
  %done = icmp eq i64 %i4, 256
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; Two fields 2000 bytes apart: a chunk sequence each (the 31 lines between them are not written).
define void @two_fields(%page* %p, i64 %v) {
; CHECK-LABEL: @two_fields(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i8 1, i8* %r
; CHECK-NOT:   __snapshot
; CHECK:       {{^}}exit:
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.chunks:
; CHECK:       call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:       snapshot.chunks{{[0-9]+}}:
; CHECK:       call preserve_mostcc void @__snapshot_record_1.pm(
; CHECK:       ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %q = getelementptr inbounds %page, %page* %p, i64 %i, i32 0
  store i64 %v, i64* %q
  %r = getelementptr inbounds %page, %page* %p, i64 %i, i32 1, i64 1992
  store i8 1, i8* %r
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, 256
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; A stride of 72 bytes writing 16: the 56-byte gaps hold no whole line, so one contiguous range.
define void @dense_stride(i8* %a, i64 %n) {
; CHECK-LABEL: @dense_stride(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i128 0, i128* %q64
; CHECK-NOT:   __snapshot
; CHECK:       snapshot.loop.exit:
; CHECK-NEXT:  [[LAST:%.*]] = add i64 %n, -1
; CHECK-NEXT:  [[SPAN:%.*]] = mul nuw nsw i64 [[LAST]], 72
; CHECK-NEXT:  [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 16
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* %a, i64 [[LEN]])
; CHECK-NOT:   {{^}}snapshot.chunks{{[0-9]*}}:
; CHECK:       {{^}}exit:
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %loop, label %exit
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %o = mul nuw nsw i64 %i, 72
  %q = getelementptr inbounds i8, i8* %a, i64 %o
  %q64 = bitcast i8* %q to i128*
  store i128 0, i128* %q64
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; A stride known to be positive but not its size: dense (< 8 + 64 bytes) -> one range, else chunks.
define void @runtime_stride(i64* %a, i64 %n, i64 %s) {
; CHECK-LABEL: @runtime_stride(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i64 1, i64* %q
; CHECK-NOT:   __snapshot
; CHECK:       snapshot.loop.exit:
; CHECK-NEXT:  [[S8:%.*]] = shl nuw nsw i64 %m, 3
; CHECK-NEXT:  [[STRIDE:%.*]] = add nuw nsw i64 [[S8]], 8
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.record:
; CHECK-NEXT:  [[DENSE:%.*]] = icmp ult i64 [[STRIDE]], 72
; CHECK-NEXT:  br i1 [[DENSE]], label %[[ONE:.*]], label %[[MANY:.*]]
; CHECK:       [[ONE]]:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(
; CHECK:       [[MANY]]:
; CHECK-NEXT:  br label %snapshot.chunks
; CHECK:       snapshot.chunks:
; CHECK:       mul i64 {{.*}}, [[STRIDE]]
; CHECK:       call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:       {{^}}exit:
entry:
  %m = and i64 %s, 65535
  %step = add nuw nsw i64 %m, 1
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %loop, label %exit
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %o = mul nuw nsw i64 %i, %step
  %q = getelementptr inbounds i64, i64* %a, i64 %o
  store i64 1, i64* %q
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; Backward over the records: the chunks start at the lowest one.
define void @backward(%page* %p) {
; CHECK-LABEL: @backward(
; CHECK-NOT:   __snapshot
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i8 1, i8* %q
; CHECK-NOT:   __snapshot
; CHECK:       {{^}}exit:
; CHECK-NEXT:  [[LOW:%.*]] = getelementptr %page, %page* %p, i64 0, i32 1, i64 92
; CHECK-NOT:   __snapshot_record
; CHECK:       snapshot.chunks:
; CHECK:       [[OFF:%.*]] = mul i64 {{.*}}, 4096
; CHECK-NEXT:  [[AT:%.*]] = getelementptr i8, i8* [[LOW]], i64 [[OFF]]
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_1.pm(i8* [[AT]])
; CHECK:       icmp eq i64 {{.*}}, 256
; CHECK:       ret void
entry:
  br label %loop
loop:
  %i = phi i64 [ 255, %entry ], [ %i1, %loop ]
  %q = getelementptr inbounds %page, %page* %p, i64 %i, i32 1, i64 92
  store i8 1, i8* %q
  %i1 = add nsw i64 %i, -1
  %done = icmp slt i64 %i1, 0
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
