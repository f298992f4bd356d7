; Vector stores through intrinsics (what -O3 -march=native vectorisation and AVX intrinsics produce),
; each recorded after the intrinsic writes (the range size is loaded right after it):
;  masked.store    -> the lanes from the first to the last active one (cttz / ctlz of the mask)
;  compressstore   -> popcount(mask) consecutive elements
;  masked.scatter  -> one check per lane, inactive lanes check null (never in the working range)
;  x86 maskstore / maskmov / vp.store -> the whole vector (over-approximation)
;  x86 avx512 scatter -> base + index * scale per active lane
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @llvm.masked.store.v8f32.p0v8f32(<8 x float>, <8 x float>*, i32, <8 x i1>)
declare void @llvm.masked.compressstore.v16f32(<16 x float>, float*, <16 x i1>)
declare void @llvm.masked.scatter.v4i64.v4p0i64(<4 x i64>, <4 x i64*>, i32, <4 x i1>)
declare void @llvm.x86.avx.maskstore.ps.256(i8*, <8 x i32>, <8 x float>)
declare void @llvm.x86.sse2.maskmov.dqu(<16 x i8>, <16 x i8>, i8*)
declare void @llvm.x86.avx512.mask.scatter.dps.512(i8*, <16 x i1>, <16 x i32>, <16 x float>, i32)
declare void @llvm.vp.store.v4i32.p0v4i32(<4 x i32>, <4 x i32>*, <4 x i1>, i32)

define void @mstore(<8 x float>* %p, <8 x float> %v, <8 x i1> %m) {
; CHECK-LABEL: @mstore(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.masked.store.v8f32.p0v8f32(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[BITS:%.*]] = bitcast <8 x i1> %m to i8
; CHECK-NEXT: [[FIRST:%.*]] = call i8 @llvm.cttz.i8(i8 [[BITS]], i1 false)
; CHECK-NEXT: [[LEAD:%.*]] = call i8 @llvm.ctlz.i8(i8 [[BITS]], i1 false)
; CHECK-NEXT: [[END:%.*]] = sub i8 8, [[LEAD]]
; CHECK-NEXT: [[NONE:%.*]] = icmp eq i8 [[BITS]], 0
; CHECK-NEXT: [[SPAN:%.*]] = sub i8 [[END]], [[FIRST]]
; CHECK-NEXT: [[COUNT:%.*]] = select i1 [[NONE]], i8 0, i8 [[SPAN]]
; CHECK-NEXT: [[F64:%.*]] = zext i8 [[FIRST]] to i64
; CHECK-NEXT: [[FBYTES:%.*]] = mul i64 [[F64]], 4
; CHECK-NEXT: [[P8:%.*]] = bitcast <8 x float>* %p to i8*
; CHECK-NEXT: [[START:%.*]] = getelementptr i8, i8* [[P8]], i64 [[FBYTES]]
; CHECK-NEXT: [[C64:%.*]] = zext i8 [[COUNT]] to i64
; CHECK-NEXT: [[LEN:%.*]] = mul i64 [[C64]], 4
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* [[START]], i64 [[LEN]])
  call void @llvm.masked.store.v8f32.p0v8f32(<8 x float> %v, <8 x float>* %p, i32 4, <8 x i1> %m)
  ret void
}
define void @compress(float* %p, <16 x float> %v, <16 x i1> %m) {
; CHECK-LABEL: @compress(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.masked.compressstore.v16f32(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[BITS:%.*]] = bitcast <16 x i1> %m to i16
; CHECK-NEXT: [[POP:%.*]] = call i16 @llvm.ctpop.i16(i16 [[BITS]])
; CHECK-NEXT: [[P64:%.*]] = zext i16 [[POP]] to i64
; CHECK-NEXT: [[LEN:%.*]] = mul i64 [[P64]], 4
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 [[LEN]])
  call void @llvm.masked.compressstore.v16f32(<16 x float> %v, float* %p, <16 x i1> %m)
  ret void
}
define void @scatter(<4 x i64*> %ps, <4 x i64> %v, <4 x i1> %m) {
; CHECK-LABEL: @scatter(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.masked.scatter.v4i64.v4p0i64(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[P0:%.*]] = extractelement <4 x i64*> %ps, i64 0
; CHECK-NEXT: [[M0:%.*]] = extractelement <4 x i1> %m, i64 0
; CHECK-NEXT: [[A0:%.*]] = select i1 [[M0]], i64* [[P0]], i64* null
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      extractelement <4 x i64*> %ps, i64 1
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      extractelement <4 x i64*> %ps, i64 2
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
; CHECK:      extractelement <4 x i64*> %ps, i64 3
; CHECK:      call preserve_mostcc void @__snapshot_record_8.pm(
  call void @llvm.masked.scatter.v4i64.v4p0i64(<4 x i64> %v, <4 x i64*> %ps, i32 8, <4 x i1> %m)
  ret void
}
define void @x86_maskstore(i8* %p, <8 x i32> %m, <8 x float> %v) {
; CHECK-LABEL: @x86_maskstore(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.x86.avx.maskstore.ps.256(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_32.pm(i8* %p)
  call void @llvm.x86.avx.maskstore.ps.256(i8* %p, <8 x i32> %m, <8 x float> %v)
  ret void
}
define void @x86_maskmov(i8* %p, <16 x i8> %v, <16 x i8> %m) {
; CHECK-LABEL: @x86_maskmov(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.x86.sse2.maskmov.dqu(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(i8* %p)
  call void @llvm.x86.sse2.maskmov.dqu(<16 x i8> %v, <16 x i8> %m, i8* %p)
  ret void
}
define void @x86_scatter(i8* %base, <16 x i1> %m, <16 x i32> %idx, <16 x float> %v) {
; CHECK-LABEL: @x86_scatter(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.x86.avx512.mask.scatter.dps.512(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK-NEXT: [[M0:%.*]] = extractelement <16 x i1> %m, i64 0
; CHECK-NEXT: [[I0:%.*]] = extractelement <16 x i32> %idx, i64 0
; CHECK-NEXT: [[I64:%.*]] = sext i32 [[I0]] to i64
; CHECK-NEXT: [[OFF:%.*]] = mul i64 [[I64]], 4
; CHECK-NEXT: [[P:%.*]] = getelementptr i8, i8* %base, i64 [[OFF]]
; CHECK-NEXT: select i1 [[M0]], i8* [[P]], i8* null
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
; CHECK:      extractelement <16 x i1> %m, i64 15
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
  call void @llvm.x86.avx512.mask.scatter.dps.512(i8* %base, <16 x i1> %m, <16 x i32> %idx, <16 x float> %v, i32 4)
  ret void
}
define void @vp_store(<4 x i32>* %p, <4 x i32> %v, <4 x i1> %m, i32 %evl) {
; CHECK-LABEL: @vp_store(
; CHECK-NOT:  __snapshot_record
; CHECK:      call void @llvm.vp.store.v4i32.p0v4i32(
; CHECK-NEXT: %snapshot.size = load i64, i64* getelementptr inbounds ({{.*}} @__snapshot_range, i32 0, i32 1)
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
  call void @llvm.vp.store.v4i32.p0v4i32(<4 x i32> %v, <4 x i32>* %p, <4 x i1> %m, i32 %evl)
  ret void
}
