// Commit: msync / fsync / fdatasync / snapshot_sync of a managed file.
//
// Collect the dirty pages of the file's window from the bitmap (taking them atomically), clip them
// to the mapped pages and to the file size, optionally verify (SNAPSHOT_VERIFY), and hand them to
// the engine (PersistentFile.commit: redo record, fence, apply), which writes them to the log as
// its descriptors. On failure the taken bits are given back, so the lines stay dirty and the file
// stays at its previous committed state. A sub-range msync commits the whole file: committing part of it would break
// the atomicity of the program's update.
import CSnapshotShim
import CSnapshotPmem
import SnapshotLog
#if canImport(Glibc)
import Glibc
#endif

/// Commits `f`. Called with the global lock held, which it releases (holding the file's mutex
/// instead) so that commits of different files do not serialise; returns without it.
@inline(__always)
private func commitReleasingGlobal(_ rt: Runtime, _ f: ManagedFile, _ what: String) -> Int32 {
    withFileReleasingGlobal(f, what) { commitOwned(rt, f, what) }
}

/// `body` with the file's mutex held instead of the global lock (which the caller holds and which
/// is released), or the refusal of a forked child. Inlined: the closure allocates nothing.
@inline(__always)
private func withFileReleasingGlobal(_ f: ManagedFile, _ what: String, _ body: () -> Int32) -> Int32 {
    // Checked before taking the file's mutex: in a forked child it may have been inherited locked.
    if !f.isOwner {
        // Refused before the global lock goes: the caller holds no reference to f, and without
        // the lock another thread of this child may unmap the file and free it.
        let r = refuseForkedCommit(f, what)
        snapshot_global_unlock()
        return r
    }
    f.lock()
    snapshot_global_unlock()
    defer { f.unlock() }
    return body()
}

private func refuseForkedCommit(_ f: ManagedFile, _ what: String) -> Int32 {
    return fail(EPERM, "\(what) of \(f.path) refused (EPERM): this process is a fork of the writer; only the process that mapped the file may commit it (the child's changes stay private)")
}

func commit(_ rt: Runtime, _ f: ManagedFile, _ what: String) -> Int32 {
    if !f.isOwner { return refuseForkedCommit(f, what) }
    return commitOwned(rt, f, what)
}

/// commit, the caller having checked that this process is the file's writer.
@inline(__always)
private func commitOwned(_ rt: Runtime, _ f: ManagedFile, _ what: String) -> Int32 {
    guard let log = f.log.map({ Unmanaged.passUnretained($0) }) else {
        return fail(EBADF, "\(what) of \(f.path): file is closed (EBADF)")
    }
    // The file's lock is held, so its engine stays: used without a retain.
    return log._withUnsafeGuaranteedRef { commitOwned(rt, f, $0, what) }
}

@inline(__always)
private func commitOwned(_ rt: Runtime, _ f: ManagedFile, _ log: PersistentFile, _ what: String) -> Int32 {
    // The size is part of the commit: the program's logical size (FileSize.swift), not the real
    // file's. The engine sets the real size inside the commit (grown before the data is applied,
    // shrunk after), and replay restores it after a crash.
    let fileLength = f.logicalSize
    // Only the mapped part of the window can hold lines to commit (clipping drops the rest).
    let spans = f.spanBounds, nspans = f.spanCount
    let scanLo = nspans > 0 ? spans[0] : 0, scanHi = nspans > 0 ? spans[2 &* nspans &- 1] : 0
    // No size to commit and nothing to check (SNAPSHOT_VERIFY checks clean lines): a commit with
    // no dirty line does nothing (a program that syncs after every read). Asked only once the
    // window turns out clean: a commit with dirty lines, the usual one, never needs the answer.
    // The scan is the test: with nothing dirty it reads only the window's level-2 summary words
    // (a few loads), the same ones a separate test before it would read again.
    @inline(__always) func cleanIsNoOp() -> Bool { snapshot_verify == 0 && log.commitsNothing(size: fileLength) }
    let timeWeight = snapshot_commit_time_weight()   // 0: this commit is not timed (snapshot_shim.h)
    let start = timeWeight != 0 ? snapshot_commit_clock() : 0
    @inline(__always) func elapsed() -> UInt64 { timeWeight != 0 ? (snapshot_commit_clock() &- start) &* timeWeight : 0 }
    // Bit patterns: offsets inside the reservation are never negative (no trap test per conversion).
    if snapshot_collect_part(f.collector, UInt(bitPattern: f.windowOffset), UInt(bitPattern: scanLo), UInt(bitPattern: scanHi)) != 0 {
        return fail(ENOMEM, "\(what) of \(f.path): out of memory collecting dirty lines (ENOMEM); nothing committed")
    }
    // Nothing dirty: done before the clipping and the engine. Any commit of this file that took
    // its lines is over: its lock is held.
    if f.collector.pointee.npages == 0 && cleanIsNoOp() {
        snapshot_stats_add(1, 0, 0, 0, elapsed(), 0, 0)
        return 0
    }
    // Lines wholly beyond EOF cannot reach the file (the kernel does not write back stores past
    // EOF in the last page either).
    let n = snapshot_clip_pages(f.collector, f.spanBounds.baseAddress, f.spanCount, (fileLength &+ 63) & ~63)
    let pages = UnsafeBufferPointer(start: f.collector.pointee.pages, count: n)
    // Verify only where the real file has bytes to compare with (beyond, every line is new).
    if snapshot_verify != 0 { verify(rt, f, DirtyRun.runs(of: pages), fileLength: min(fileLength, f.committedSize)) }
    // Wrapping: addresses inside the reservation, far from Int's limits (a trap test each otherwise).
    let base = UnsafeRawPointer(bitPattern: rt.workingBase &+ f.windowOffset)!
    let pbase = UnsafeMutableRawPointer(bitPattern: rt.persistentBase &+ f.windowOffset)!
    do {
        let c = f.collector.pointee
        let stats = try log.commit(pages: pages, descriptors: c.desc, descBytes: c.desc_bytes, lines: c.lines,
                                   working: base, persistent: pbase, fileLength: fileLength)
        f.didCommit(size: fileLength)
        snapshot_stats_add(1, UInt64(truncatingIfNeeded: stats.lines), UInt64(truncatingIfNeeded: stats.logBytes),
                           UInt64(truncatingIfNeeded: stats.dataBytes), elapsed(), 0,
                           UInt64(truncatingIfNeeded: stats.orderingPoints))
        return 0
    } catch {
        snapshot_collect_restore(f.collector)
        let (code, text) = describe(error)
        return fail(code, "\(what) of \(f.path) failed: \(text) (\(errnoName(code))); the file keeps its previous committed state and the changes stay pending")
    }
}

/// SNAPSHOT_VERIFY=1: every clean line of the mapped pages must equal the persistent copy; a
/// difference is a write the instrumentation did not record. Report it and abort.
private func verify(_ rt: Runtime, _ f: ManagedFile, _ runs: [DirtyRun], fileLength: Int) {
    let w = UnsafeRawPointer(bitPattern: rt.workingBase + f.windowOffset)!
    let p = UnsafeRawPointer(bitPattern: rt.persistentBase + f.windowOffset)!
    var ri = 0
    var problems = 0
    func check(_ lo: Int, _ hi: Int) {
        if lo >= hi || memcmp(w + lo, p + lo, hi - lo) == 0 { return }
        var i = lo
        while i < hi {
            if w.load(fromByteOffset: i, as: UInt8.self) == p.load(fromByteOffset: i, as: UInt8.self) { i += 1; continue }
            var j = i
            while j < hi && w.load(fromByteOffset: j, as: UInt8.self) != p.load(fromByteOffset: j, as: UInt8.self) { j += 1 }
            report("SNAPSHOT_VERIFY: \(f.path): offset \(i) length \(j - i) changed without being recorded (a write the instrumentation missed)")
            problems += 1
            i = j
        }
    }
    // Only working pages the process has copied-on-write can differ: an untouched page of the
    // private mapping *is* the file's page-cache page, like the persistent copy's. pagemap tells
    // which pages are private copies, so verifying a huge sparse mapping stays cheap.
    let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
    defer { if pagemap >= 0 { close(pagemap) } }
    var entries = [UInt64](repeating: 0, count: 512)
    let wbase = rt.workingBase + f.windowOffset
    func privatePages(_ lo: Int, _ hi: Int, _ body: (Int, Int) -> Void) {
        if pagemap < 0 { body(lo, hi); return }
        var page = lo / pageSize
        let endPage = (hi + pageSize - 1) / pageSize
        while page < endPage {
            let n = min(entries.count, endPage - page)
            let got = entries.withUnsafeMutableBytes {
                pread(pagemap, $0.baseAddress, n * 8, off_t((wbase / pageSize + page) * 8))
            }
            if got != n * 8 { body(max(lo, page * pageSize), hi); return }
            var i = 0
            while i < n {
                let e = entries[i]
                // present and not file-backed (bit 61 clear), or swapped: a private copy.
                let copied = (e >> 63) & 1 == 1 && (e >> 61) & 1 == 0 || (e >> 62) & 1 == 1
                if copied {
                    var j = i + 1
                    while j < n, (entries[j] >> 63) & 1 == 1 && (entries[j] >> 61) & 1 == 0 || (entries[j] >> 62) & 1 == 1 { j += 1 }
                    body(max(lo, (page + i) * pageSize), min(hi, (page + j) * pageSize))
                    i = j
                } else {
                    i += 1
                }
            }
            page += n
        }
    }
    for s in f.spans {
        let hiLimit = min(s.end, fileLength)
        var cursor = s.start
        while ri < runs.count && runs[ri].offset + runs[ri].length <= cursor { ri += 1 }
        var k = ri
        while cursor < hiLimit {
            if k < runs.count && runs[k].offset < hiLimit {
                let r = runs[k]
                privatePages(cursor, min(max(r.offset, cursor), hiLimit), check)
                cursor = max(cursor, r.offset + r.length)
                k += 1
            } else {
                privatePages(cursor, hiLimit, check)
                cursor = hiLimit
            }
        }
    }
    if problems > 0 {
        report("SNAPSHOT_VERIFY: aborting (\(problems) unrecorded change(s) in \(f.path))")
        abort()
    }
}

@_cdecl("snapshot_rt_msync")
public func snapshotMsync(_ addr: UnsafeMutableRawPointer?, _ len: Int, _ flags: Int32) -> Int32 {
    let a = Int(bitPattern: addr)
    // The kernel's EINVAL cases, as one test of or-ed bits (three branches otherwise): an
    // unaligned address, an unknown flag, or MS_ASYNC with MS_SYNC.
    let both = MS_ASYNC | MS_SYNC
    if (a & (pageSize &- 1)) | Int(flags & ~(both | MS_INVALIDATE)) | Int((flags & both) == both ? 1 : 0) != 0 {
        snapshot_set_errno(EINVAL)
        return -1
    }
    snapshot_global_lock()
    guard let rt = runtimeUnretained else { snapshot_global_unlock(); snapshot_set_errno(ENOMEM); return -1 }
    // No reference counting on this path (a commit per operation pays every retain): the runtime
    // lives as long as the process, and a file stays in rt.files, alive, while the global lock or
    // its commit lock is held (unmapping takes both).
    // A local function forced inline, not a closure literal: the optimizer outlines a closure
    // this big into a function of its own (a frame, spills and an indirect result per commit).
    let end = a &+ max(len, 1)
    @inline(__always) func locked(_ r: Runtime) -> Int32 { msyncLocked(r, a, end) }
    return rt._withUnsafeGuaranteedRef(locked)
}

/// msync of [a, end) with the global lock held; returns without it.
@inline(__always)
private func msyncLocked(_ rt: Runtime, _ a: Int, _ end: Int) -> Int32 {
    // Every file with a mapping in [addr, addr+len) is committed, each whole. The common case,
    // one file, allocates nothing.
    var first: Unmanaged<ManagedFile>? = nil
    var found = 0
    var i = 0
    while i < rt.fileCount {
        if rt.fileTable[i]._withUnsafeGuaranteedRef({ mapsPart(rt, $0, a, end) }) {
            found &+= 1
            if first == nil { first = rt.fileTable[i] }
        }
        i &+= 1
    }
    guard let one = first else {
        snapshot_global_unlock()
        snapshot_set_errno(ENOMEM)   // what the kernel says for an unmapped range
        return -1
    }
    if found == 1 { return one._withUnsafeGuaranteedRef { commitReleasingGlobal(rt, $0, "msync") } }
    let all = rt.files.filter { mapsPart(rt, $0, a, end) }
    snapshot_global_unlock()
    for f in all {
        snapshot_global_lock()
        if commitReleasingGlobal(rt, f, "msync") != 0 { return -1 }
    }
    return 0
}

/// Does any mapping of `f` overlap [a, end)?
@inline(__always)
private func mapsPart(_ rt: Runtime, _ f: ManagedFile, _ a: Int, _ end: Int) -> Bool {
    // Wrapping arithmetic: addresses and window sizes are far from Int's limits, and the checked
    // forms' traps cost instructions on every msync.
    let ws = rt.workingBase &+ f.windowOffset
    let lo = max(a, ws) &- ws, hi = min(end, ws &+ f.windowSize) &- ws
    if lo >= hi { return false }
    let spans = f.spanBounds
    var i = 0
    while i < f.spanCount {
        if spans[2 &* i] < hi && lo < spans[2 &* i &+ 1] { return true }
        i &+= 1
    }
    return false
}

/// fsync / fdatasync of a managed file, called like commitReleasingGlobal. The commit makes the
/// file's contents and size durable: its record carries both, and recovery restores both. What a
/// real call adds is metadata no record carries (modes, owners, times, extended attributes).
/// `fdatasync` promises none of that, so it takes no real call. `fsync` takes one only if a call
/// that changes metadata (metadata.c) ran in this process since the file's last real fsync, so
/// that Kyoto Cabinet's `msync` + `fsync` costs one device flush, not two. The real call counts
/// as an ordering point of the commit it ends.
private func syncReleasingGlobal(_ rt: Runtime, _ f: ManagedFile, _ fd: Int32, datasync: Bool) -> Int32 {
    let what = datasync ? "fdatasync" : "fsync"
    return withFileReleasingGlobal(f, what) {
        let r = commitOwned(rt, f, what)
        if r != 0 || datasync { return r }
        let epoch = snapshot_metadata_epoch_now()
        if f.metadataSyncedEpoch == epoch { return 0 }
        let s = snapshot_sys_fsync(fd)
        if s != 0 { return s }
        f.metadataSyncedEpoch = epoch
        snapshot_stats_add(0, 0, 0, 0, 0, 0, 1)
        return 0
    }
}

/// The program set the times of file (dev, ino) (metadata.c): if it is managed, its new mtime is
/// not an outside write, and the outside-change watch takes the file as it now is.
@_cdecl("snapshot_rt_times_set")
public func snapshotTimesSet(_ dev: UInt64, _ ino: UInt64) {
    snapshot_global_lock()
    guard let rt = runtimeInstance, let f = rt.file(device: dev, inode: ino), f.isOwner, let log = f.log else {
        snapshot_global_unlock()
        return
    }
    f.lock()
    snapshot_global_unlock()
    log.timesSetByProgram()
    f.unlock()
}

@_cdecl("snapshot_rt_fsync")
public func snapshotFsync(_ fd: Int32, _ datasync: Int32) -> Int32 {
    snapshot_global_lock()
    var target: ManagedFile? = nil
    if let rt = runtimeInstance, let id = fileIdentity(fd) {
        target = rt.file(device: id.dev, inode: id.ino)
        if let f = target, !f.mappings.isEmpty { return syncReleasingGlobal(rt, f, fd, datasync: datasync != 0) }
    }
    snapshot_global_unlock()
    return datasync != 0 ? snapshot_sys_fdatasync(fd) : snapshot_sys_fsync(fd)
}

@_cdecl("snapshot_rt_sync")
public func snapshotSync(_ addr: UnsafeMutableRawPointer?) -> Int32 {
    snapshot_global_lock()
    let a = Int(bitPattern: addr)
    guard let rt = runtimeInstance, let f = rt.file(containing: a),
          f.isMapped((a - rt.workingBase - f.windowOffset) & ~(pageSize - 1),
                     ((a - rt.workingBase - f.windowOffset) & ~(pageSize - 1)) + pageSize) else {
        snapshot_global_unlock()
        snapshot_set_errno(EINVAL)
        return -1
    }
    return commitReleasingGlobal(rt, f, "snapshot_sync")
}
