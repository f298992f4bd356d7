; Regression: versioning a loop nest whose inner loop exits straight out of the outer loop, with a
; value of the outer loop used there. The nest must be put in LCSSA form inner loops first, or
; the exit block keeps a use the clean copy's path does not define (verifier: "Instruction does
; not dominate all uses", seen on sqlite3.c at -O2).
; RUN: %opt -passes='snapshot-instrument,verify' -snapshot-function-versioning=false -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i1 @nest(i8* %buf, i8* %src, i32 %mode, i64 %n) {
; CHECK-LABEL: @nest(
; CHECK:     br i1 %snapshot.object, label %snapshot.checked, label %snapshot.checked.snapshot.clean
; CHECK:     [[M:%.*]] = phi i1 [ %is1, %inner ], [ %is1, %inner ], [ %is1.snapshot.clean, %inner.snapshot.clean ], [ %is1.snapshot.clean, %inner.snapshot.clean ]
; CHECK-NEXT: ret i1 [[M]]
entry:
  br label %ph
ph:
  br label %outer
outer:
  %i = phi i64 [ 0, %ph ], [ %i1, %outer.latch ]
  %is1 = icmp eq i32 %mode, 1
  br label %inner
inner:
  %j = phi i64 [ 0, %outer ], [ %j1, %inner.latch ]
  %sp = getelementptr inbounds i8, i8* %src, i64 %j
  %c = load i8, i8* %sp
  switch i8 %c, label %inner.latch [
    i8 0, label %out
    i8 35, label %out
  ]
inner.latch:
  %k = add i64 %i, %j
  %dp = getelementptr inbounds i8, i8* %buf, i64 %k
  store i8 %c, i8* %dp
  %dq = getelementptr inbounds i8, i8* %dp, i64 1
  %c2 = xor i8 %c, 1
  store i8 %c2, i8* %dq
  %j1 = add i64 %j, 1
  %jd = icmp eq i64 %j1, %n
  br i1 %jd, label %outer.latch, label %inner
outer.latch:
  %i1 = add i64 %i, 1
  %id = icmp eq i64 %i1, %n
  br i1 %id, label %done, label %outer
out:
  ret i1 %is1
done:
  ret i1 false
}
