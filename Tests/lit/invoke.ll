; A library call made with invoke (C++ code in a try block): the record goes on the normal edge,
; in a block of its own so it runs only when the call returned.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i64 @read(i32, i8*, i64)
declare i32 @__gxx_personality_v0(...)

define i64 @f(i32 %fd, i8* %buf) personality i32 (...)* @__gxx_personality_v0 {
; CHECK-LABEL: @f(
; CHECK:       [[R:%.*]] = invoke i64 @read(i32 %fd, i8* %buf, i64 64)
; CHECK-NEXT:  to label %[[EDGE:.*]] unwind label %lpad
; CHECK:       [[EDGE]]:
; CHECK:       call preserve_mostcc void @__snapshot_record.pm(i8* %buf,
; CHECK:       br label %ok
; CHECK:       ok:
; CHECK-NEXT:  ret i64 [[R]]
; CHECK:       lpad:
; CHECK-NOT:   __snapshot
; CHECK:       ret i64 -1
entry:
  %r = invoke i64 @read(i32 %fd, i8* %buf, i64 64) to label %ok unwind label %lpad
ok:
  ret i64 %r
lpad:
  %lp = landingpad { i8*, i32 } cleanup
  ret i64 -1
}
