; -snapshot-debug prints every write-site decision (the release-LLVM stand-in for
; -debug-only=snapshot-instrument, which only assertion-enabled LLVM builds have).
; RUN: %opt -passes=snapshot-instrument -snapshot-debug -disable-output %s 2>&1 | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@g = global i32 0
define void @f(i32* %p) {
  %a = alloca i32
  store i32 1, i32* %a
  store i32 2, i32* @g
  store i32 3, i32* %p
  store i32 4, i32* %p
  call void asm sideeffect "", "~{memory}"()
  ret void
}
; CHECK: snapshot-instrument: f: inline asm may write memory (not instrumentable)
; CHECK: snapshot-instrument: f: store -> skip-stack size=4 :  store i32 1, i32* %a
; CHECK: snapshot-instrument: f: store -> skip-global size=4 :  store i32 2, i32* @g
; Site merging keeps the last write of a group (its record follows every write it covers): the
; earlier store to %p is merged into the later one.
; CHECK: snapshot-instrument: f: store -> merged size=4 :  store i32 3, i32* %p
; CHECK: snapshot-instrument: f: store -> instrument size=4 group=[0,4) :  store i32 4, i32* %p

; A keeper above the other write: the group reaches below it.
define void @fields(i32* %p) {
  %q = getelementptr inbounds i32, i32* %p, i64 1
  store i32 5, i32* %p
  store i32 6, i32* %q
  ret void
}
; CHECK: snapshot-instrument: fields: store -> merged size=4 :  store i32 5, i32* %p
; CHECK: snapshot-instrument: fields: store -> instrument size=4 group=[-4,4) :  store i32 6, i32* %q
