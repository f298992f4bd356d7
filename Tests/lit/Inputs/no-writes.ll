; A module without any write a working copy could receive (input of abi-stamp.ll).
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"
@g = global i32 0
define i32 @f(i32* %p) {
  %a = alloca i32
  store i32 1, i32* %a
  store i32 2, i32* @g
  %v = load i32, i32* %p
  ret i32 %v
}
