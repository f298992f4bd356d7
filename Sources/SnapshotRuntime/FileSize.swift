// ftruncate / truncate of a managed file: the size is part of the atomic state.
//
// The program sees the new size at once (mappings, and fstat/lseek through the interposers); the
// real file keeps its committed size until the next commit, which passes the logical size to the
// engine as `fileLength` (the engine sizes the file inside the commit, and recovery restores it).
// So a crash leaves the size and the contents of the last commit, together.
//
// The working copy follows the logical size (WindowPages.swift): pages beyond it fault with
// SIGBUS, a partial last page reads zero past the end, and bytes that come back by growing read
// zero. Those bytes may still hold old data in the real file (a shrink not committed yet), so
// their lines are marked dirty: the commit writes the zeros, in the same atomic step.
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

/// 1: not a managed file, let the kernel do it; 0: done; -1: failed (errno set).
@_cdecl("snapshot_rt_truncate")
public func snapshotTruncate(_ fd: Int32, _ path: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return 1 }
    var st = stat()
    let ok = path != nil ? stat(path!, &st) : fstat(fd, &st)
    if ok != 0 { return 1 }                                 // let the kernel report it
    guard let f = rt.file(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)), !f.mappings.isEmpty,
          f.isOwner else { return 1 }
    // The checks the kernel would make before changing anything.
    if length < 0 { snapshot_set_errno(EINVAL); return -1 }
    if let p = path {
        if access(p, W_OK) != 0 { return -1 }              // access set errno (EACCES, EROFS...)
    } else if fcntl(fd, F_GETFL) & O_ACCMODE == O_RDONLY {
        snapshot_set_errno(EINVAL)                          // what Linux says for a read-only fd
        return -1
    }
    f.lock()
    defer { f.unlock() }
    let code = f.resize(rt, to: length)
    if code != 0 {
        return fail(code, "truncate of \(f.path) to \(length) bytes failed (\(errnoName(code))): \(resizeFailure(code)); the size stays \(f.logicalSize)")
    }
    return 0
}

private func resizeFailure(_ code: Int32) -> String {
    code == EFBIG
        ? "growing back over bytes removed by an uncommitted shrink reaches beyond the file's window; commit (msync/fsync) after the shrink"
        : "cannot map the pages that must read as zero"
}

extension ManagedFile {
    /// Sets the logical size. 0 or errno (nothing changed then).
    func resize(_ rt: Runtime, to length: Int) -> Int32 {
        let old = logicalSize
        defer { publishSize() }
        if length < old { shrink(rt, to: length) }
        if length > old { return grow(rt, to: length) }
        return 0
    }

    private func shrink(_ rt: Runtime, to length: Int) {
        let old = logicalSize
        logicalSize = length
        fileBackedEnd = min(fileBackedEnd, length)
        // Whole pages past the new end: SIGBUS from now on (mapWorking puts the empty memfd there),
        // and whatever was written there is gone, dirty or not.
        let from = min(pageUp(length), windowSize), to = min(pageUp(old), windowSize)
        if from < to {
            _ = snapshot_discard(UInt(windowOffset + from), UInt(to - from))
            for s in spans where s.end > from && s.start < to {
                _ = mapWorking(rt, self, max(s.start, from), min(s.end, to), prot: PROT_READ | PROT_WRITE)
            }
        }
        // The rest of the last page reads zero (and a later growth gives zeros, not old bytes).
        let tailEnd = min(pageUp(length), old)
        if length < tailEnd && isMapped(pageDown(length), pageDown(length) + pageSize) {
            zeroWorking(rt, self, length, tailEnd)
        }
    }

    private func grow(_ rt: Runtime, to length: Int) -> Int32 {
        let old = logicalSize
        // Bytes [old, stale) are still in the real file, with old contents: they must become zeros
        // in the next commit, so they need working pages and dirty lines even where nothing maps them.
        let stale = min(length, committedSize)
        if stale > old {
            if pageUp(stale) > windowSize { return EFBIG }
            let code = holdInternal(rt, pageDown(old), pageUp(stale))
            if code != 0 { return code }
        }
        logicalSize = length
        // Mapped pages that were beyond the end become zero memory (they were SIGBUS pages).
        let from = min(pageUp(old), windowSize), to = min(pageUp(length), windowSize)
        if from < to {
            for s in spans where s.end > from && s.start < to {
                let code = mapWorking(rt, self, max(s.start, from), min(s.end, to), prot: PROT_READ | PROT_WRITE)
                if code != 0 { logicalSize = old; return code }
            }
        }
        if stale > old {
            // Lines are 64-byte aligned in the window; the partial line at `old` holds live bytes
            // below it, which the commit writes unchanged.
            let base = rt.workingBase + windowOffset
            __snapshot_record(UnsafeMutableRawPointer(bitPattern: base + old), stale - old)
        }
        return 0
    }
}
