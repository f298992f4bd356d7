; Volatile and unaligned stores are recorded after they happen (the range check starts right
; after the write), with the size of the value they write. Atomic writes (store atomic of any
; ordering, atomicrmw, cmpxchg) are recorded on both sides: a full check and record just before
; the atomic (another thread may read it as soon as it lands and then commit, so the line must be
; dirty already) and another just after it (covering a commit that took the bit in between).
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-merge-sites=false -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @volatile_store(i32* %p) {
; CHECK-LABEL: @volatile_store(
; CHECK-NEXT: store volatile i32 1, i32* %p
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store volatile i32 1, i32* %p
  ret void
}
define void @atomic_store(i64* %p) {
; CHECK-LABEL: @atomic_store(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i64* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i64* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: store atomic i64 1, i64* %p seq_cst, align 8
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i64* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i64* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: ret void
  store atomic i64 1, i64* %p seq_cst, align 8
  ret void
}
define void @unaligned_store(i64* %p) {
; CHECK-LABEL: @unaligned_store(
; CHECK-NEXT: store i64 1, i64* %p, align 1
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  store i64 1, i64* %p, align 1
  ret void
}
define i32 @rmw(i32* %p) {
; CHECK-LABEL: @rmw(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i32* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i32* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: %r = atomicrmw add i32* %p, i32 1 seq_cst, align 4
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i32* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i32* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: ret i32 %r
  %r = atomicrmw add i32* %p, i32 1 seq_cst
  ret i32 %r
}
define i16 @rmw_xchg16(i16* %p) {
; CHECK-LABEL: @rmw_xchg16(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i16* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i16* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_2.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: %r = atomicrmw xchg i16* %p, i16 9 monotonic, align 2
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i16* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i16* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_2.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: ret i16 %r
  %r = atomicrmw xchg i16* %p, i16 9 monotonic
  ret i16 %r
}
define float @rmw_fadd(float* %p) {
; CHECK-LABEL: @rmw_fadd(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint float* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast float* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: %r = atomicrmw fadd float* %p, float 1.000000e+00 seq_cst, align 4
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint float* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast float* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_4.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: ret float %r
  %r = atomicrmw fadd float* %p, float 1.0 seq_cst
  ret float %r
}
define i1 @cas(i64* %p, i64 %old, i64 %new) {
; CHECK-LABEL: @cas(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i64* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i64* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: %r = cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst, align 8
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i64* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i64* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: %ok = extractvalue { i64, i1 } %r, 1
  %r = cmpxchg i64* %p, i64 %old, i64 %new seq_cst seq_cst
  %ok = extractvalue { i64, i1 } %r, 1
  ret i1 %ok
}
define i1 @cas128(i128* %p, i128 %old, i128 %new) {
; CHECK-LABEL: @cas128(
; Before: the full check and a record, then the atomic in the join block.
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %snapshot.any = icmp ne i64 %snapshot.size, 0
; CHECK-NEXT: br i1 %snapshot.any, label %snapshot.mapped, label %[[BEFORE:[0-9]+]]
; CHECK: snapshot.mapped:
; CHECK-NEXT: %snapshot.base = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i128* %p to i64
; CHECK-NEXT: %snapshot.off = sub i64 %[[A]], %snapshot.base
; CHECK-NEXT: %snapshot.in = icmp ult i64 %snapshot.off, %snapshot.size
; CHECK-NEXT: br i1 %snapshot.in, label %snapshot.record, label
; CHECK: snapshot.record:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i128* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_16.pm(i8* %[[B]])
; CHECK-NOT: {{(store|atomicrmw|cmpxchg) }}
; CHECK: {{^}}[[BEFORE]]:
; CHECK-NEXT: %r = cmpxchg weak i128* %p, i128 %old, i128 %new acq_rel monotonic, align 16
; After: the check again, with fresh loads, and a second record.
; CHECK-NEXT: %[[SIZE:snapshot.size[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: %[[ANY:snapshot.any[0-9]+]] = icmp ne i64 %[[SIZE]], 0
; CHECK-NEXT: br i1 %[[ANY]], label %[[MAPPED:snapshot.mapped[0-9]+]], label %[[AFTER:[0-9]+]]
; CHECK: {{^}}[[MAPPED]]:
; CHECK-NEXT: %[[BASE:snapshot.base[0-9]+]] = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 0)
; CHECK-NEXT: %[[A:[0-9]+]] = ptrtoint i128* %p to i64
; CHECK-NEXT: %[[OFF:snapshot.off[0-9]+]] = sub i64 %[[A]], %[[BASE]]
; CHECK-NEXT: %[[IN:snapshot.in[0-9]+]] = icmp ult i64 %[[OFF]], %[[SIZE]]
; CHECK-NEXT: br i1 %[[IN]], label %[[REC:snapshot.record[0-9]+]], label
; CHECK: {{^}}[[REC]]:
; CHECK-NEXT: %[[B:[0-9]+]] = bitcast i128* %p to i8*
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_16.pm(i8* %[[B]])
; CHECK: {{^}}[[AFTER]]:
; CHECK-NEXT: %ok = extractvalue { i128, i1 } %r, 1
  %r = cmpxchg weak i128* %p, i128 %old, i128 %new acq_rel monotonic
  %ok = extractvalue { i128, i1 } %r, 1
  ret i1 %ok
}
