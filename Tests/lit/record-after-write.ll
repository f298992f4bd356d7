; Every record follows the write it covers, never precedes it (InstrumentationEmitter.h,
; snapshot_abi.h). A commit may run at any moment on another thread or in a signal handler: it
; takes the dirty bits it finds and copies those lines. A bit set before the write could be taken,
; and the line's old bytes copied, before the write lands; the new bytes would then be in no later
; commit. Set after the write, the bit is seen with the new bytes in place or not at all (and the
; next commit takes them). One function per kind of write site, each checking the write first and
; then, after it and only after it, the range check and the record. Atomic writes are the one
; exception, recorded on both sides: another thread may read an atomic as soon as it lands and then
; commit, so its line must be dirty already (the record before); the record after covers a commit
; that took the bit in between. Neither record is ever dropped, and the one after always follows.
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-object-flags=false -snapshot-function-versioning=false -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @llvm.memset.p0i8.i64(i8*, i8, i64, i1)
declare void @llvm.memcpy.p0i8.p0i8.i64(i8*, i8*, i64, i1)
declare void @llvm.masked.store.v4i32.p0v4i32(<4 x i32>, <4 x i32>*, i32, <4 x i1>)
declare i64 @read(i32, i8*, i64)

; A plain store: the whole two-level check, then the record, right after the store.
define void @store(i8* %p) {
; CHECK-LABEL: @store(
; CHECK-NOT:   __snapshot_record
; CHECK:       store i8 7, i8* %p, align 1
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1), align 8
; CHECK-NEXT:  [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT:  br i1 [[ANY]], label %snapshot.mapped, label %{{[0-9]+}}
; CHECK:       snapshot.mapped:
; CHECK-NEXT:  [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0), align 8
; CHECK-NEXT:  [[ADDR:%.*]] = ptrtoint i8* %p to i64
; CHECK-NEXT:  [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT:  [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT:  br i1 [[IN]], label %snapshot.record, label %{{[0-9]+}}, !prof
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_1.pm(i8* %p)
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  store i8 7, i8* %p
  ret void
}

; An atomic: the full check and the record before it, then again after it (fresh loads).
define i32 @rmw(i32* %p) {
; CHECK-LABEL: @rmw(
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT:  br i1 [[ANY]], label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK:       snapshot.mapped:
; CHECK-NEXT:  [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT:  [[ADDR:%.*]] = ptrtoint i32* %p to i64
; CHECK-NEXT:  [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT:  [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT:  br i1 [[IN]], label %snapshot.record, label %{{[0-9]+}}, !prof
; CHECK:       snapshot.record:
; CHECK-NEXT:  [[B:%.*]] = bitcast i32* %p to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_4.pm(i8* [[B]])
; CHECK-NOT:   {{atomicrmw|cmpxchg}}
; CHECK:       {{^}}[[BEFORE]]:
; CHECK-NEXT:  %old = atomicrmw add i32* %p, i32 1 seq_cst
; CHECK-NEXT:  [[SIZE2:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[ANY2:%.*]] = icmp ne i64 [[SIZE2]], 0
; CHECK-NEXT:  br i1 [[ANY2]], label %[[MAPPED2:snapshot.mapped[0-9]+]], label %{{[0-9]+}}
; CHECK:       {{^}}[[MAPPED2]]:
; CHECK-NEXT:  [[BASE2:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT:  [[ADDR2:%.*]] = ptrtoint i32* %p to i64
; CHECK-NEXT:  [[OFF2:%.*]] = sub i64 [[ADDR2]], [[BASE2]]
; CHECK-NEXT:  [[IN2:%.*]] = icmp ult i64 [[OFF2]], [[SIZE2]]
; CHECK-NEXT:  br i1 [[IN2]], label %[[RECORD2:snapshot.record[0-9]+]], label %{{[0-9]+}}, !prof
; CHECK:       {{^}}[[RECORD2]]:
; CHECK-NEXT:  [[B2:%.*]] = bitcast i32* %p to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_4.pm(i8* [[B2]])
; CHECK-NOT:   __snapshot_record
; CHECK:       ret i32 %old
  %old = atomicrmw add i32* %p, i32 1 seq_cst
  ret i32 %old
}

; A compare-and-swap is recorded whether or not it stored (a line recorded but not written is
; harmless), on both sides like any atomic.
define i1 @cas(i64* %p, i64 %old, i64 %new) {
; CHECK-LABEL: @cas(
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT:  br i1 [[ANY]], label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK:       snapshot.mapped:
; CHECK-NEXT:  [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT:  [[ADDR:%.*]] = ptrtoint i64* %p to i64
; CHECK-NEXT:  [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT:  [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT:  br i1 [[IN]], label %snapshot.record, label %{{[0-9]+}}, !prof
; CHECK:       snapshot.record:
; CHECK-NEXT:  [[B:%.*]] = bitcast i64* %p to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[B]])
; CHECK-NOT:   {{atomicrmw|cmpxchg}}
; CHECK:       {{^}}[[BEFORE]]:
; CHECK-NEXT:  %r = cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst
; CHECK-NEXT:  [[SIZE2:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[ANY2:%.*]] = icmp ne i64 [[SIZE2]], 0
; CHECK-NEXT:  br i1 [[ANY2]], label %[[MAPPED2:snapshot.mapped[0-9]+]], label %{{[0-9]+}}
; CHECK:       {{^}}[[MAPPED2]]:
; CHECK-NEXT:  [[BASE2:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT:  [[ADDR2:%.*]] = ptrtoint i64* %p to i64
; CHECK-NEXT:  [[OFF2:%.*]] = sub i64 [[ADDR2]], [[BASE2]]
; CHECK-NEXT:  [[IN2:%.*]] = icmp ult i64 [[OFF2]], [[SIZE2]]
; CHECK-NEXT:  br i1 [[IN2]], label %[[RECORD2:snapshot.record[0-9]+]], label %{{[0-9]+}}, !prof
; CHECK:       {{^}}[[RECORD2]]:
; CHECK-NEXT:  [[B2:%.*]] = bitcast i64* %p to i8*
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_8.pm(i8* [[B2]])
; CHECK-NOT:   __snapshot_record
; CHECK:       %ok = extractvalue { i64, i1 } %r, 1
  %r = cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst
  %ok = extractvalue { i64, i1 } %r, 1
  ret i1 %ok
}

define void @memset_dyn(i8* %d, i64 %n) {
; CHECK-LABEL: @memset_dyn(
; CHECK-NOT:   __snapshot_record
; CHECK:       call void @llvm.memset.p0i8.i64(i8* %d, i8 0, i64 %n, i1 false)
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK:       snapshot.mapped:
; CHECK:       ptrtoint i8* %d to i64
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  call void @llvm.memset.p0i8.i64(i8* %d, i8 0, i64 %n, i1 false)
  ret void
}

define void @memcpy_dyn(i8* %d, i8* %s, i64 %n) {
; CHECK-LABEL: @memcpy_dyn(
; CHECK-NOT:   __snapshot_record
; CHECK:       call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 %n, i1 false)
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK:       snapshot.mapped:
; CHECK:       ptrtoint i8* %d to i64
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  call void @llvm.memcpy.p0i8.p0i8.i64(i8* %d, i8* %s, i64 %n, i1 false)
  ret void
}

; The masked store's extent (first to last active lane) is computed after the store too.
define void @masked(<4 x i32>* %p, <4 x i32> %v, <4 x i1> %m) {
; CHECK-LABEL: @masked(
; CHECK-NOT:   __snapshot_record
; CHECK:       call void @llvm.masked.store.v4i32.p0v4i32(<4 x i32> %v, <4 x i32>* %p, i32 4, <4 x i1> %m)
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[BITS:%.*]] = bitcast <4 x i1> %m to i4
; CHECK-NEXT:  call i4 @llvm.cttz.i4(i4 [[BITS]], i1 false)
; CHECK:       [[START:%.*]] = getelementptr i8, i8* {{.*}}
; CHECK:       [[LEN:%.*]] = mul i64 {{.*}}, 4
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK:       snapshot.mapped:
; CHECK:       ptrtoint i8* [[START]] to i64
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(i8* [[START]], i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  call void @llvm.masked.store.v4i32.p0v4i32(<4 x i32> %v, <4 x i32>* %p, i32 4, <4 x i1> %m)
  ret void
}

; A library call: the extent comes from its result, so the record could only ever follow it.
define i64 @libcall(i32 %fd, i8* %buf) {
; CHECK-LABEL: @libcall(
; CHECK-NOT:   __snapshot_record
; CHECK:       %r = call i64 @read(i32 %fd, i8* %buf, i64 64)
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[POS:%.*]] = icmp sgt i64 %r, 0
; CHECK-NEXT:  [[LEN:%.*]] = select i1 [[POS]], i64 %r, i64 0
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK:       snapshot.mapped:
; CHECK:       ptrtoint i8* %buf to i64
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(i8* %buf, i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       ret i64 %r
  %r = call i64 @read(i32 %fd, i8* %buf, i64 64)
  ret i64 %r
}

; Two merged stores: the later one keeps the record, which covers both and follows both; the union
; reaches below the keeper's address. Both are in the keeper's block, so the union is checked and
; recorded from its lowest byte, with the fixed-size entry point.
define void @merged(i64* %p) {
; CHECK-LABEL: @merged(
; CHECK-NOT:   __snapshot_record
; CHECK:       store i64 1, i64* %p
; CHECK-NEXT:  store i64 2, i64* %q
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  [[B:%.*]] = bitcast i64* %q to i8*
; CHECK-NEXT:  [[LO:%snapshot.group[0-9]*]] = getelementptr i8, i8* [[B]], i64 -8
; CHECK-NEXT:  [[ANY:%.*]] = icmp ne i64 [[SIZE]], 0
; CHECK-NEXT:  br i1 [[ANY]], label %snapshot.mapped, label %{{[0-9]+}}
; CHECK:       snapshot.mapped:
; CHECK-NEXT:  [[BASE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT:  [[ADDR:%.*]] = ptrtoint i8* [[LO]] to i64
; CHECK-NEXT:  [[OFF:%.*]] = sub i64 [[ADDR]], [[BASE]]
; CHECK-NEXT:  [[IN:%.*]] = icmp ult i64 [[OFF]], [[SIZE]]
; CHECK-NEXT:  br i1 [[IN]], label %snapshot.record, label %{{[0-9]+}}, !prof
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record_16.pm(i8* [[LO]])
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  %q = getelementptr inbounds i64, i64* %p, i64 1
  store i64 1, i64* %p
  store i64 2, i64* %q
  ret void
}

; A commit-free loop's range: nothing before the loop or in its body; the range is expanded,
; checked and recorded on the exit edge (a block of its own, as exit is also reached from entry).
define void @loop(i32* %a, i64 %n) {
; CHECK-LABEL: @loop(
; CHECK:       [[A:%.*]] = bitcast i32* %a to i8*
; CHECK-NOT:   __snapshot
; CHECK:       ph:
; CHECK-NEXT:  br label %loop
; CHECK:       loop:
; CHECK-NOT:   __snapshot
; CHECK:       store i32 7, i32* %p
; CHECK-NOT:   __snapshot
; CHECK:       br i1 %done, label %snapshot.loop.exit, label %loop
; CHECK:       snapshot.loop.exit:
; CHECK-SAME:  preds = %loop{{$}}
; CHECK-NEXT:  [[LAST:%.*]] = add i64 %n, -1
; CHECK-NEXT:  [[SPAN:%.*]] = shl nuw nsw i64 [[LAST]], 2
; CHECK-NEXT:  [[LEN:%.*]] = add nuw nsw i64 [[SPAN]], 4
; CHECK-NEXT:  [[SIZE:%.*]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT:  icmp ne i64 [[SIZE]], 0
; CHECK:       snapshot.mapped:
; CHECK:       ptrtoint i8* [[A]] to i64
; CHECK:       snapshot.record:
; CHECK-NEXT:  call preserve_mostcc void @__snapshot_record.pm(i8* [[A]], i64 [[LEN]])
; CHECK-NOT:   __snapshot_record
; CHECK:       {{^}}exit:
; CHECK-NEXT:  ret void
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

; An atomic store on every iteration of a commit-free loop is no loop range: another thread may
; read it mid-loop and commit, so it is recorded on both sides of itself, in the body.
define void @atomic_loop(i64* %a, i64 %n) {
; CHECK-LABEL: @atomic_loop(
; CHECK:       loop:
; CHECK:       call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK-NOT:   __snapshot_record
; CHECK:       store atomic i64 %i, i64* %p monotonic, align 8
; CHECK:       call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK-NOT:   snapshot.loop.exit
; CHECK:       {{^}}exit:
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
entry:
  %nz = icmp sgt i64 %n, 0
  br i1 %nz, label %ph, label %exit
ph:
  br label %loop
loop:
  %i = phi i64 [ 0, %ph ], [ %i1, %loop ]
  %p = getelementptr inbounds i64, i64* %a, i64 %i
  store atomic i64 %i, i64* %p monotonic, align 8
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; libatomic's calls are atomic writes too: recorded before the call and after it.
declare void @__atomic_store_16(i8*, i128, i32)
define void @libatomic(i8* %p, i128 %v) {
; CHECK-LABEL: @libatomic(
; CHECK:       call preserve_mostcc void @__snapshot_record_16.pm(i8* %p)
; CHECK-NOT:   __snapshot_record
; CHECK:       call void @__atomic_store_16(i8* %p, i128 %v, i32 5)
; CHECK:       call preserve_mostcc void @__snapshot_record_16.pm(i8* %p)
; CHECK-NOT:   __snapshot_record
; CHECK:       ret void
  call void @__atomic_store_16(i8* %p, i128 %v, i32 5)
  ret void
}
