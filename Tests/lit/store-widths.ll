; Every store type and width gets a record of exactly its store size, after the store: the
; size-specialised entry for 1..64-byte powers of two, __snapshot_record(p, n) for the rest.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%pair = type { i32, i64 }

define void @w_i1(i1* %p) {
; CHECK-LABEL: @w_i1(
; CHECK: store i1 true
; CHECK: call preserve_mostcc void @__snapshot_record_1.pm(
  store i1 true, i1* %p
  ret void
}
define void @w_i16(i16* %p) {
; CHECK-LABEL: @w_i16(
; CHECK: store i16
; CHECK: call preserve_mostcc void @__snapshot_record_2.pm(
  store i16 3, i16* %p
  ret void
}
define void @w_i24(i24* %p) {
; CHECK-LABEL: @w_i24(
; CHECK: store i24
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 3)
  store i24 3, i24* %p
  ret void
}
define void @w_i32(i32* %p) {
; CHECK-LABEL: @w_i32(
; CHECK: store i32
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store i32 3, i32* %p
  ret void
}
define void @w_i64(i64* %p) {
; CHECK-LABEL: @w_i64(
; CHECK: store i64
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  store i64 3, i64* %p
  ret void
}
define void @w_i128(i128* %p) {
; CHECK-LABEL: @w_i128(
; CHECK: store i128
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
  store i128 3, i128* %p
  ret void
}
define void @w_half(half* %p) {
; CHECK-LABEL: @w_half(
; CHECK: store half
; CHECK: call preserve_mostcc void @__snapshot_record_2.pm(
  store half 1.0, half* %p
  ret void
}
define void @w_float(float* %p) {
; CHECK-LABEL: @w_float(
; CHECK: store float
; CHECK: call preserve_mostcc void @__snapshot_record_4.pm(
  store float 1.0, float* %p
  ret void
}
define void @w_double(double* %p) {
; CHECK-LABEL: @w_double(
; CHECK: store double
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  store double 1.0, double* %p
  ret void
}
define void @w_fp80(x86_fp80* %p) {
; CHECK-LABEL: @w_fp80(
; CHECK: store x86_fp80
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 10)
  store x86_fp80 0xK3FFF8000000000000000, x86_fp80* %p
  ret void
}
define void @w_fp128(fp128* %p) {
; CHECK-LABEL: @w_fp128(
; CHECK: store fp128
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
  store fp128 0xL00000000000000003FFF000000000000, fp128* %p
  ret void
}
define void @w_ptr(i8** %p, i8* %v) {
; CHECK-LABEL: @w_ptr(
; CHECK: store i8* %v
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm(
  store i8* %v, i8** %p
  ret void
}
define void @w_v4f32(<4 x float>* %p) {
; CHECK-LABEL: @w_v4f32(
; CHECK: store <4 x float>
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
  store <4 x float> zeroinitializer, <4 x float>* %p
  ret void
}
define void @w_v3f32(<3 x float>* %p) {
; CHECK-LABEL: @w_v3f32(
; CHECK: store <3 x float>
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 12)
  store <3 x float> zeroinitializer, <3 x float>* %p
  ret void
}
define void @w_v8i32(<8 x i32>* %p) {
; CHECK-LABEL: @w_v8i32(
; CHECK: store <8 x i32>
; CHECK: call preserve_mostcc void @__snapshot_record_32.pm(
  store <8 x i32> zeroinitializer, <8 x i32>* %p
  ret void
}
define void @w_v16i32(<16 x i32>* %p) {
; CHECK-LABEL: @w_v16i32(
; CHECK: store <16 x i32>
; CHECK: call preserve_mostcc void @__snapshot_record_64.pm(
  store <16 x i32> zeroinitializer, <16 x i32>* %p
  ret void
}
define void @w_v32i32(<32 x i32>* %p) {
; CHECK-LABEL: @w_v32i32(
; CHECK: store <32 x i32>
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 128)
  store <32 x i32> zeroinitializer, <32 x i32>* %p
  ret void
}
define void @w_v8i1(<8 x i1>* %p) {
; CHECK-LABEL: @w_v8i1(
; CHECK: store <8 x i1>
; CHECK: call preserve_mostcc void @__snapshot_record_1.pm(
  store <8 x i1> zeroinitializer, <8 x i1>* %p
  ret void
}
; First-class aggregates (clang emits them at -O0 for some struct returns).
define void @w_struct(%pair* %p, %pair %v) {
; CHECK-LABEL: @w_struct(
; CHECK: store %pair %v
; CHECK: call preserve_mostcc void @__snapshot_record_16.pm(
  store %pair %v, %pair* %p
  ret void
}
define void @w_array([3 x i8]* %p, [3 x i8] %v) {
; CHECK-LABEL: @w_array(
; CHECK: store [3 x i8] %v
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 3)
  store [3 x i8] %v, [3 x i8]* %p
  ret void
}
; Scalable vectors: vscale x the minimum size, computed at run time.
define void @w_scalable(<vscale x 4 x i32>* %p) {
; CHECK-LABEL: @w_scalable(
; CHECK: store <vscale x 4 x i32>
; CHECK: [[VS:%.*]] = call i64 @llvm.vscale.i64()
; CHECK: [[LEN:%.*]] = mul i64 [[VS]], 16
; CHECK: call preserve_mostcc void @__snapshot_record.pm(i8* %{{.*}}, i64 [[LEN]])
  store <vscale x 4 x i32> zeroinitializer, <vscale x 4 x i32>* %p
  ret void
}
