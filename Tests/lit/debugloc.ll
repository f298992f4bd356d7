; Inserted code, which follows the write it records (a store or a library call), carries that
; write's debug location, so profiles and debuggers attribute it to the right source line.
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i8* @strcpy(i8*, i8*)

define void @f(i64* %p, i8* %d, i8* %s) !dbg !6 {
; CHECK-LABEL: @f(
; CHECK: store i64 1, i64* %p, align 8, !dbg [[L10:![0-9]+]]
; CHECK-NEXT: load i64, {{.*}} @__snapshot_range, i32 0, i32 1), align 8, !dbg [[L10]]
; CHECK: icmp ne i64 {{.*}}, 0, !dbg [[L10]]
; CHECK: br i1 {{.*}}, !dbg [[L10]]
; CHECK: load i64, {{.*}} @__snapshot_range, i32 0, i32 0), align 8, !dbg [[L10]]
; CHECK: ptrtoint {{.*}}, !dbg [[L10]]
; CHECK: sub i64 {{.*}}, !dbg [[L10]]
; CHECK: icmp ult i64 {{.*}}, !dbg [[L10]]
; CHECK: br i1 {{.*}}, !dbg [[L10]]
; CHECK: call preserve_mostcc void @__snapshot_record_8.pm({{.*}}), !dbg [[L10]]
; CHECK: br label {{.*}}, !dbg [[L10]]
; CHECK: call i8* @strcpy(i8* %d, i8* %s), !dbg [[L11:![0-9]+]]
; CHECK: call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d), !dbg [[L11]]
  store i64 1, i64* %p, !dbg !10
  call i8* @strcpy(i8* %d, i8* %s), !dbg !11
  ret void, !dbg !12
}
; A strided loop range (a loop of per-chunk records after the loop, on its exit edge): the
; store's location.
define void @g(i64* %p, i64 %v) !dbg !20 {
; CHECK-LABEL: @g(
; CHECK: store i64 %v, i64* %q, align 8, !dbg [[L21:![0-9]+]]
; CHECK: {{^}}exit:
; CHECK-NEXT: load i64, {{.*}} @__snapshot_range, i32 0, i32 1), align 8, !dbg [[L21]]
; CHECK: snapshot.chunks:
; CHECK-NEXT: phi i64 {{.*}}, !dbg [[L21]]
; CHECK-NEXT: mul i64 {{.*}}, !dbg [[L21]]
; CHECK-NEXT: getelementptr {{.*}}, !dbg [[L21]]
; CHECK-NEXT: call preserve_mostcc void @__snapshot_record_8.pm({{.*}}), !dbg [[L21]]
; CHECK-NEXT: add i64 {{.*}}, !dbg [[L21]]
; CHECK-NEXT: icmp eq i64 {{.*}}, !dbg [[L21]]
; CHECK-NEXT: br i1 {{.*}}, !dbg [[L21]]
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %o = mul nuw nsw i64 %i, 512
  %q = getelementptr inbounds i64, i64* %p, i64 %o
  store i64 %v, i64* %q, !dbg !21
  %i1 = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i1, 100
  br i1 %done, label %exit, label %loop
exit:
  ret void, !dbg !22
}
; CHECK: [[L10]] = !DILocation(line: 10,
; CHECK: [[L11]] = !DILocation(line: 11,
; CHECK: [[L21]] = !DILocation(line: 21,

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_C99, file: !1, producer: "test", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "t.c", directory: "/tmp")
!3 = !{i32 7, !"Dwarf Version", i32 5}
!4 = !{i32 2, !"Debug Info Version", i32 3}
!6 = distinct !DISubprogram(name: "f", scope: !1, file: !1, line: 9, type: !7, scopeLine: 9, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!7 = !DISubroutineType(types: !8)
!8 = !{null}
!10 = !DILocation(line: 10, column: 3, scope: !6)
!11 = !DILocation(line: 11, column: 3, scope: !6)
!12 = !DILocation(line: 12, column: 1, scope: !6)
!20 = distinct !DISubprogram(name: "g", scope: !1, file: !1, line: 20, type: !7, scopeLine: 20, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!21 = !DILocation(line: 21, column: 5, scope: !20)
!22 = !DILocation(line: 22, column: 1, scope: !20)
