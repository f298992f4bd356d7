// write/pwrite/writev/... and read/pread/readv/... on descriptors of a managed file (io.c routes
// them here). With FAMS semantics the mapping and write(2) share one state, held back until the
// commit: a write lands in the working copy and marks its lines dirty through the same bitmap as
// instrumented stores, so it is part of the next commit (a write followed by fsync is atomic); a
// read sees the working contents (read-your-writes), mapped or not. Window pages the program has
// not mapped are mapped by the runtime for the purpose (ManagedFile.holdInternal).
//
// Offsets are the kernel's: the file offset of the open file description is read and set with
// lseek, so dup'd descriptors and forks share it exactly as POSIX says; O_APPEND writes at the
// logical end. A file merely opened and written, never mapped, is not managed and never gets here.
import CSnapshotShim
import CSnapshotPmem
#if canImport(Glibc)
import Glibc
#endif

/// The managed file behind `fd` if it really is the one its table slot names (a descriptor closed
/// behind the table's back, by libc internally, may have been reused for another file).
private func managedFile(_ rt: Runtime?, _ slot: Int32, _ fd: Int32) -> ManagedFile? {
    guard let rt = rt, let f = rt.files.first(where: { $0.slot == Int(slot) }), !f.mappings.isEmpty,
          let id = fileIdentity(fd), id.dev == f.device, id.ino == f.inode else {
        snapshot_fd_set(fd, -1)
        return nil
    }
    return f
}

private func iovTotal(_ iov: UnsafePointer<iovec>?, _ n: Int32) -> Int? {
    if n < 0 || n > 1024 /* IOV_MAX */ || (n > 0 && iov == nil) { return nil }
    var total = 0
    for i in 0..<Int(n) {
        let (t, o) = total.addingReportingOverflow(iov![i].iov_len)
        if o || t > Int(Int32.max) << 31 { return nil }
        total = t
    }
    return total
}

/// The position an I/O call starts at (nil: errno set).
private func startPosition(_ fd: Int32, _ off: off_t) -> Int? {
    if off >= 0 { return Int(off) }
    let cur = snapshot_sys_lseek(fd, 0, SEEK_CUR)
    return cur < 0 ? nil : Int(cur)
}

@_cdecl("snapshot_rt_write")
public func snapshotWrite(_ slot: Int32, _ fd: Int32, _ iov: UnsafePointer<iovec>?, _ iovcnt: Int32,
                          _ off: off_t, _ append: Int32) -> Int {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let f = managedFile(runtimeInstance, slot, fd), let rt = runtimeInstance else {
        return snapshot_sys_pwritev2(fd, iov, iovcnt, off < 0 ? -1 : off, append != 0 ? 0x10 : 0)
    }
    let flags = fcntl(fd, F_GETFL)
    if flags < 0 { return -1 }
    if flags & O_ACCMODE == O_RDONLY { snapshot_set_errno(EBADF); return -1 }
    guard let total = iovTotal(iov, iovcnt) else { snapshot_set_errno(EINVAL); return -1 }
    let appending = flags & O_APPEND != 0 || append != 0
    guard let pos = appending ? f.logicalSize : startPosition(fd, off) else { return -1 }
    if total == 0 { return 0 }
    let (end, overflow) = pos.addingReportingOverflow(total)
    if overflow { snapshot_set_errno(EFBIG); return -1 }
    if end > f.windowSize {
        return Int(fail(EFBIG, "write of \(total) bytes at offset \(pos) of \(f.path) refused (EFBIG): it reaches beyond the \(f.windowSize)-byte window the runtime holds for the file, so it could not be part of the atomic state; munmap the file and map it again with a larger length to get a larger window"))
    }
    let owner = f.isOwner
    if owner { f.lock() }
    defer { if owner { f.unlock() } }
    if end > f.logicalSize {
        let code = f.resize(rt, to: end)
        if code != 0 { return Int(fail(code, "write of \(total) bytes at offset \(pos) of \(f.path) failed (\(errnoName(code))): cannot extend the working copy")) }
    }
    let code = f.holdInternal(rt, pageDown(pos), pageUp(end))
    if code != 0 {
        return Int(fail(code, "write of \(total) bytes at offset \(pos) of \(f.path) failed (\(errnoName(code))): cannot map the working pages"))
    }
    let base = UnsafeMutableRawPointer(bitPattern: rt.workingBase + f.windowOffset)!
    var at = pos
    for i in 0..<Int(iovcnt) {
        let v = iov![i]
        if v.iov_len == 0 { continue }
        // A read-only alias (or mprotect) may have left the pages unwritable to the program: write
        // them as a debugger does instead of faulting in the runtime.
        if f.protectionChanged {
            if snapshot_poke(base + at, v.iov_base, v.iov_len) != 0 {
                let e = snapshot_get_errno()
                return Int(fail(e, "write to \(f.path) failed (\(errnoName(e))): cannot write the working copy through /proc/self/mem"))
            }
        } else {
            memcpy(base + at, v.iov_base, v.iov_len)
        }
        at += v.iov_len
    }
    __snapshot_record(base + pos, total)
    // write/writev move the file offset (with O_APPEND, to the new end); pwrite never does (on
    // Linux, not even with O_APPEND).
    if off < 0 { _ = snapshot_sys_lseek(fd, off_t(end), SEEK_SET) }
    return total
}

@_cdecl("snapshot_rt_read")
public func snapshotRead(_ slot: Int32, _ fd: Int32, _ iov: UnsafePointer<iovec>?, _ iovcnt: Int32,
                         _ off: off_t) -> Int {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let f = managedFile(runtimeInstance, slot, fd), let rt = runtimeInstance else {
        return snapshot_sys_preadv2(fd, iov, iovcnt, off < 0 ? -1 : off, 0)
    }
    let flags = fcntl(fd, F_GETFL)
    if flags < 0 { return -1 }
    if flags & O_ACCMODE == O_WRONLY { snapshot_set_errno(EBADF); return -1 }
    guard let total = iovTotal(iov, iovcnt) else { snapshot_set_errno(EINVAL); return -1 }
    guard let pos = startPosition(fd, off) else { return -1 }
    let owner = f.isOwner
    if owner { f.lock() }
    defer { if owner { f.unlock() } }
    let avail = max(0, min(total, f.logicalSize - pos))
    var at = pos
    var left = avail
    for i in 0..<Int(iovcnt) where left > 0 {
        let v = iov![i]
        let n = min(v.iov_len, left)
        if n == 0 { continue }
        if !f.readWorking(rt, from: at, count: n, into: v.iov_base!) { return -1 }
        // The runtime's copy is not instrumented: a buffer inside a managed mapping is recorded here.
        __snapshot_record(v.iov_base, n)
        at += n
        left -= n
    }
    if off < 0 { _ = snapshot_sys_lseek(fd, off_t(pos + avail), SEEK_SET) }
    return avail
}

extension ManagedFile {
    /// Copies the logical contents of [from, from+count) (inside the logical size) to dst: the
    /// working copy where pages are mapped, the file where it still holds them, zeros beyond.
    func readWorking(_ rt: Runtime, from: Int, count: Int, into dst: UnsafeMutableRawPointer) -> Bool {
        let base = UnsafeMutableRawPointer(bitPattern: rt.workingBase + windowOffset)!
        var at = from
        let end = from + count
        while at < end {
            // The mapped run containing `at`, or the unmapped gap up to the next one.
            var mappedTo = at, gapTo = end
            for s in spans {
                if s.start <= at && at < s.end { mappedTo = min(s.end, end); break }
                if s.start > at { gapTo = min(gapTo, s.start); break }
            }
            let out = dst + (at - from)
            if mappedTo > at {
                if protectionChanged {
                    if snapshot_peek(out, base + at, mappedTo - at) != 0 { return false }
                } else {
                    memcpy(out, base + at, mappedTo - at)
                }
                at = mappedTo
                continue
            }
            let stop = min(gapTo, end)
            // Unmapped and not held: nothing was written there since the last commit (or the
            // runtime would hold the pages), so the file has the contents up to fileBackedEnd.
            let fromFile = max(0, min(stop, fileBackedEnd) - at)
            var done = 0
            while done < fromFile {
                let r = snapshot_sys_pread(fd, out + done, fromFile - done, off_t(at + done))
                if r < 0 { return false }
                if r == 0 { break }
                done += r
            }
            if done < stop - at { memset(out + done, 0, stop - at - done) }
            at = stop
        }
        return true
    }
}
