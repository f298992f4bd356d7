; C library calls that write through a pointer are recorded AFTER the call, with the exact range
; when the result tells it (read's return value, snprintf's clipped length, ...), through
; __snapshot_record_cstring when only the string tells it, or the whole buffer where the
; contents are indeterminate (fgets error).
; RUN: %opt -passes='snapshot-instrument,verify' -S %s | FileCheck %s
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

%FILE = type opaque
%va = type opaque

declare i64 @read(i32, i8*, i64)
declare i64 @pread(i32, i8*, i64, i64)
declare i64 @recv(i32, i8*, i64, i32)
declare i64 @recvfrom(i32, i8*, i64, i32, i8*, i32*)
declare i64 @fread(i8*, i64, i64, %FILE*)
declare i8* @fgets(i8*, i32, %FILE*)
declare i8* @strcpy(i8*, i8*)
declare i8* @stpcpy(i8*, i8*)
declare i8* @strncpy(i8*, i8*, i64)
declare i8* @strcat(i8*, i8*)
declare i8* @strncat(i8*, i8*, i64)
declare i32 @sprintf(i8*, i8*, ...)
declare i32 @snprintf(i8*, i64, i8*, ...)
declare i32 @vsprintf(i8*, i8*, %va*)
declare i32 @vsnprintf(i8*, i64, i8*, %va*)
declare i8* @memccpy(i8*, i8*, i32, i64)
declare void @bzero(i8*, i64)
declare void @explicit_bzero(i8*, i64)
declare void @qsort(i8*, i64, i64, i32 (i8*, i8*)*)
declare i8* @memcpy(i8*, i8*, i64)
declare i8* @memmove(i8*, i8*, i64)
declare i8* @memset(i8*, i32, i64)
declare i8* @strtok(i8*, i8*)
declare i64 @__read_chk(i32, i8*, i64, i64)
declare i8* @__memcpy_chk(i8*, i8*, i64, i64)
declare i32 @__sprintf_chk(i8*, i32, i64, i8*, ...)
declare void @__atomic_store_16(i8*, i128, i32)
declare void @__atomic_store(i64, i8*, i8*, i32)
declare i64 @unknown_writer(i8*, i64)

define void @t_read(i32 %fd, i8* %buf) {
; CHECK-LABEL: @t_read(
; CHECK:      [[R:%.*]] = call i64 @read(i32 %fd, i8* %buf, i64 100)
; CHECK:      [[POS:%.*]] = icmp sgt i64 [[R]], 0
; CHECK-NEXT: [[LEN:%.*]] = select i1 [[POS]], i64 [[R]], i64 0
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf, i64 [[LEN]])
  %r = call i64 @read(i32 %fd, i8* %buf, i64 100)
  ret void
}
define void @t_pread(i32 %fd, i8* %buf) {
; CHECK-LABEL: @t_pread(
; CHECK:      [[R:%.*]] = call i64 @pread(
; CHECK:      select i1 {{.*}}, i64 [[R]], i64 0
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf,
  %r = call i64 @pread(i32 %fd, i8* %buf, i64 100, i64 7)
  ret void
}
define void @t_recv(i32 %fd, i8* %buf) {
; CHECK-LABEL: @t_recv(
; CHECK:      [[R:%.*]] = call i64 @recv(
; CHECK:      select i1 {{.*}}, i64 [[R]], i64 0
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf,
  %r = call i64 @recv(i32 %fd, i8* %buf, i64 100, i32 0)
  ret void
}
define void @t_recvfrom(i32 %fd, i8* %buf, i8* %addr, i32* %alen) {
; CHECK-LABEL: @t_recvfrom(
; CHECK:      call i64 @recvfrom(
; CHECK:      [[HAVE:%.*]] = and i1
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf,
; CHECK:      br i1 [[HAVE]]
; CHECK-NEXT: {{^$}}
; CHECK-NEXT: {{^[0-9]+}}:
; CHECK-NEXT: [[L:%.*]] = load i32, i32* %alen
; CHECK:      [[L64:%.*]] = zext i32 [[L]] to i64
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %addr, i64 [[L64]])
; CHECK-NOT:  br i1 [[HAVE]]
; CHECK:      call preserve_mostcc void @__snapshot_record_4.pm(
  %r = call i64 @recvfrom(i32 %fd, i8* %buf, i64 100, i32 0, i8* %addr, i32* %alen)
  ret void
}
define void @t_fread(i8* %buf, %FILE* %f) {
; CHECK-LABEL: @t_fread(
; CHECK:      [[R:%.*]] = call i64 @fread(i8* %buf, i64 12, i64 %n, %FILE* %f)
; CHECK:      [[NEXT:%.*]] = add i64 [[R]], 1
; CHECK-NEXT: [[LT:%.*]] = icmp ult i64 [[NEXT]], %n
; CHECK-NEXT: [[ITEMS:%.*]] = select i1 [[LT]], i64 [[NEXT]], i64 %n
; CHECK-NEXT: [[LEN:%.*]] = mul i64 12, [[ITEMS]]
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf, i64 [[LEN]])
  %n = add i64 0, 9
  %r = call i64 @fread(i8* %buf, i64 12, i64 %n, %FILE* %f)
  ret void
}
define void @t_fgets(i8* %buf, %FILE* %f) {
; CHECK-LABEL: @t_fgets(
; CHECK:      [[R:%.*]] = call i8* @fgets(i8* %buf, i32 80, %FILE* %f)
; CHECK:      [[OK:%.*]] = icmp ne i8* [[R]], null
; CHECK:      br i1 [[OK]]
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %buf)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %buf, i64 80)
  %r = call i8* @fgets(i8* %buf, i32 80, %FILE* %f)
  ret void
}
define void @t_strings(i8* %d, i8* %s) {
; CHECK-LABEL: @t_strings(
; CHECK:      call i8* @strcpy(i8* %d, i8* %s)
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
; CHECK:      [[E:%.*]] = call i8* @stpcpy(i8* %d, i8* %s)
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
; CHECK:      call i8* @strncpy(i8* %d, i8* %s, i64 40)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 40)
; CHECK:      call i8* @strcat(i8* %d, i8* %s)
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
; CHECK:      call i8* @strncat(i8* %d, i8* %s, i64 5)
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
  call i8* @strcpy(i8* %d, i8* %s)
  call i8* @stpcpy(i8* %d, i8* %s)
  call i8* @strncpy(i8* %d, i8* %s, i64 40)
  call i8* @strcat(i8* %d, i8* %s)
  call i8* @strncat(i8* %d, i8* %s, i64 5)
  ret void
}
define void @t_sprintf(i8* %d, i8* %fmt, i32 %x) {
; CHECK-LABEL: @t_sprintf(
; CHECK:      [[R:%.*]] = call i32 (i8*, i8*, ...) @sprintf(
; CHECK:      [[R64:%.*]] = sext i32 [[R]] to i64
; CHECK-NEXT: [[OK:%.*]] = icmp sge i64 [[R64]], 0
; CHECK-NEXT: br i1 [[OK]]
; CHECK:      [[LEN:%.*]] = add i64 [[R64]], 1
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 [[LEN]])
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
  %r = call i32 (i8*, i8*, ...) @sprintf(i8* %d, i8* %fmt, i32 %x)
  ret void
}
define void @t_snprintf(i8* %d, i8* %fmt, i64 %n) {
; CHECK-LABEL: @t_snprintf(
; CHECK:      [[R:%.*]] = call i32 (i8*, i64, i8*, ...) @snprintf(i8* %d, i64 %n,
; CHECK:      [[R64:%.*]] = sext i32 [[R]] to i64
; CHECK-NEXT: [[NM1:%.*]] = sub i64 %n, 1
; CHECK-NEXT: [[LT:%.*]] = icmp ult i64 [[R64]], [[NM1]]
; CHECK-NEXT: [[MIN:%.*]] = select i1 [[LT]], i64 [[R64]], i64 [[NM1]]
; CHECK-NEXT: [[FIT:%.*]] = add i64 [[MIN]], 1
; CHECK-NEXT: [[NEG:%.*]] = icmp slt i64 [[R64]], 0
; CHECK-NEXT: [[L1:%.*]] = select i1 [[NEG]], i64 %n, i64 [[FIT]]
; CHECK-NEXT: [[ZERO:%.*]] = icmp eq i64 %n, 0
; CHECK-NEXT: [[LEN:%.*]] = select i1 [[ZERO]], i64 0, i64 [[L1]]
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 [[LEN]])
  %r = call i32 (i8*, i64, i8*, ...) @snprintf(i8* %d, i64 %n, i8* %fmt)
  ret void
}
define void @t_vprintf(i8* %d, i8* %fmt, %va* %ap) {
; CHECK-LABEL: @t_vprintf(
; CHECK:      call i32 @vsprintf(
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d,
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* %d)
; CHECK:      call i32 @vsnprintf(
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d,
  call i32 @vsprintf(i8* %d, i8* %fmt, %va* %ap)
  call i32 @vsnprintf(i8* %d, i64 16, i8* %fmt, %va* %ap)
  ret void
}
define void @t_memccpy(i8* %d, i8* %s) {
; CHECK-LABEL: @t_memccpy(
; CHECK:      [[R:%.*]] = call i8* @memccpy(i8* %d, i8* %s, i32 58, i64 64)
; CHECK:      [[RI:%.*]] = ptrtoint i8* [[R]] to i64
; CHECK-NEXT: [[DI:%.*]] = ptrtoint i8* %d to i64
; CHECK-NEXT: [[DIFF:%.*]] = sub i64 [[RI]], [[DI]]
; CHECK-NEXT: [[NULL:%.*]] = icmp eq i8* [[R]], null
; CHECK-NEXT: [[LEN:%.*]] = select i1 [[NULL]], i64 64, i64 [[DIFF]]
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 [[LEN]])
  %r = call i8* @memccpy(i8* %d, i8* %s, i32 58, i64 64)
  ret void
}
define void @t_zero_and_plain(i8* %d, i8* %s, i64 %n) {
; CHECK-LABEL: @t_zero_and_plain(
; CHECK:      call void @bzero(i8* %d, i64 %n)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
; CHECK:      call void @explicit_bzero(i8* %d, i64 33)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 33)
; CHECK:      call i8* @memcpy(i8* %d, i8* %s, i64 %n)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
; CHECK:      call i8* @memmove(i8* %d, i8* %s, i64 %n)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
; CHECK:      call i8* @memset(i8* %d, i32 0, i64 %n)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 %n)
  call void @bzero(i8* %d, i64 %n)
  call void @explicit_bzero(i8* %d, i64 33)
  call i8* @memcpy(i8* %d, i8* %s, i64 %n)
  call i8* @memmove(i8* %d, i8* %s, i64 %n)
  call i8* @memset(i8* %d, i32 0, i64 %n)
  ret void
}
define void @t_qsort(i8* %base, i64 %n, i32 (i8*, i8*)* %cmp) {
; CHECK-LABEL: @t_qsort(
; CHECK:      call void @qsort(i8* %base, i64 %n, i64 24, i32 (i8*, i8*)* %cmp)
; CHECK:      [[LEN:%.*]] = mul i64 %n, 24
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %base, i64 [[LEN]])
  call void @qsort(i8* %base, i64 %n, i64 24, i32 (i8*, i8*)* %cmp)
  ret void
}
define void @t_strtok(i8* %s, i8* %delim) {
; CHECK-LABEL: @t_strtok(
; CHECK:      [[T:%.*]] = call i8* @strtok(i8* %s, i8* %delim)
; CHECK:      icmp ne i8* [[T]], null
; CHECK:      call preserve_mostcc void @__snapshot_record_cstring.pm(i8* [[T]])
  %t = call i8* @strtok(i8* %s, i8* %delim)
  ret void
}
; glibc's _FORTIFY_SOURCE variants.
define void @t_fortify(i32 %fd, i8* %d, i8* %s, i8* %fmt) {
; CHECK-LABEL: @t_fortify(
; CHECK:      call i64 @__read_chk(i32 %fd, i8* %d, i64 50, i64 64)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d,
; CHECK:      call i8* @__memcpy_chk(i8* %d, i8* %s, i64 20, i64 64)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d, i64 20)
; CHECK:      call i32 (i8*, i32, i64, i8*, ...) @__sprintf_chk(
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %d,
  call i64 @__read_chk(i32 %fd, i8* %d, i64 50, i64 64)
  call i8* @__memcpy_chk(i8* %d, i8* %s, i64 20, i64 64)
  call i32 (i8*, i32, i64, i8*, ...) @__sprintf_chk(i8* %d, i32 1, i64 64, i8* %fmt)
  ret void
}
; libatomic, for atomics clang cannot inline.
define void @t_libatomic(i8* %p, i128 %v, i8* %val) {
; CHECK-LABEL: @t_libatomic(
; CHECK:      call void @__atomic_store_16(i8* %p, i128 %v, i32 5)
; CHECK:      call preserve_mostcc void @__snapshot_record_16.pm(i8* %p)
; CHECK:      call void @__atomic_store(i64 12, i8* %p, i8* %val, i32 5)
; CHECK:      call preserve_mostcc void @__snapshot_record.pm(i8* %p, i64 12)
  call void @__atomic_store_16(i8* %p, i128 %v, i32 5)
  call void @__atomic_store(i64 12, i8* %p, i8* %val, i32 5)
  ret void
}
; Opaque functions are not library calls the pass knows: nothing is recorded for them (the
; runtime's verify mode is the safety net; see README).
define void @t_unknown(i8* %p) {
; CHECK-LABEL: @t_unknown(
; CHECK-NOT:  __snapshot_record
; CHECK:      ret void
  call i64 @unknown_writer(i8* %p, i64 8)
  ret void
}
