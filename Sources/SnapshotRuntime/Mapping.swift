// mmap / munmap / mprotect of managed mappings.
import CSnapshotPmem
import CSnapshotShim
import SnapshotLog
#if canImport(Glibc)
import Glibc
#endif

private let mapFailed = snapshot_sys_map_failed()
private var lengthForTracking = 0   // under the global lock

private func failMap(_ code: Int32, _ line: String) -> UnsafeMutableRawPointer? {
    _ = fail(code, line)
    return mapFailed
}

@_cdecl("snapshot_rt_mmap")
public func snapshotMmap(_ addr: UnsafeMutableRawPointer?, _ len: Int, _ prot: Int32, _ flags: Int32,
                         _ fd: Int32, _ off: Int) -> UnsafeMutableRawPointer? {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    readEnvironmentOnce()
    let passThrough = { snapshot_sys_mmap(addr, len, prot, flags, fd, off) }
    if snapshot_state == SNAPSHOT_STATE_DISABLED { return passThrough() }
    guard let id = fileIdentity(fd), (id.mode & UInt32(S_IFMT)) == UInt32(S_IFREG) else {
        return passThrough()   // not a regular file (devices, DAX character devices, bad fd: kernel says)
    }
    let aliasReadOnly = prot & PROT_WRITE == 0 &&
        (runtimeInstance?.file(device: id.dev, inode: id.ino)?.isOwner ?? false)
    if prot & PROT_WRITE == 0 && !aliasReadOnly {
        lengthForTracking = len
        return readOnlyShared(id, fd, passThrough)
    }

    // A writable MAP_SHARED mapping of a regular file: managed from here on, unless excluded.
    let path = pathOf(fd: fd) ?? "fd \(fd)"
    if isExcluded(path: path, fd: fd) { return passThrough() }
    if len == 0 || off < 0 || off % pageSize != 0 {
        return failMap(EINVAL, "mmap of \(path): length 0 or offset not page aligned (EINVAL)")
    }
    if flags & (MAP_FIXED | 0x100000 /* MAP_FIXED_NOREPLACE */) != 0 {
        return failMap(ENOTSUP, "mmap of \(path): refused (ENOTSUP): MAP_FIXED is not supported for a managed (MAP_SHARED, PROT_WRITE) file mapping; the runtime chooses the address (pass the address as a hint, without MAP_FIXED, or exclude the file with SNAPSHOT_EXCLUDE=<dir> if it need not be crash-consistent)")
    }
    // A read-only mapping of a file this process already manages aliases the working copy, so the
    // program sees its own uncommitted writes through it (coherence within the process).
    let accmode = fcntl(fd, F_GETFL) & O_ACCMODE
    if accmode != O_RDWR && !aliasReadOnly {
        return failMap(EACCES, "mmap of \(path): MAP_SHARED with PROT_WRITE needs a descriptor opened O_RDWR (EACCES)")
    }
    let length = (len + pageSize - 1) & ~(pageSize - 1)
    let (extent, overflow) = off.addingReportingOverflow(length)
    if overflow { return failMap(EINVAL, "mmap of \(path): offset + length overflows (EINVAL)") }
    // An address hint (no MAP_FIXED): honoured when the space is free (see AddressSpace.swift).
    let hintAddress = Int(bitPattern: addr)
    let hint: PlacementHint? = hintAddress != 0 && hintAddress % pageSize == 0
        ? PlacementHint(address: hintAddress, offset: off, extent: extent, fileSize: id.size) : nil
    let fresh = runtimeInstance == nil
    guard let rt = activeRuntime(hint: hint) else {
        return failMap(ENOMEM, "mmap of \(path): cannot reserve the address space for managed mappings (ENOMEM); try SNAPSHOT_RESERVE_GIB=<smaller>")
    }

    var file: ManagedFile
    if let existing = rt.file(device: id.dev, inode: id.ino) {
        file = existing
        if !file.isOwner {
            return failMap(EPERM, "mmap of \(path): this process is a fork of the writer of this file; a forked child cannot map it for writing (EPERM)")
        }
        if extent > file.windowSize {
            if !file.mappings.isEmpty {
                return failMap(ENOMEM, "mmap of \(path): offset+length \(extent) exceeds the file's window of \(file.windowSize) bytes while other mappings of it exist (ENOMEM); munmap them first, then map the larger size")
            }
            // No live mapping: move the file to a larger window.
            let size = WindowAllocator.sizeFor(extent: max(extent, file.logicalSize))
            rt.windows.release(offset: file.windowOffset, size: file.windowSize)
            guard let w = rt.windows.allocate(size: size) else {
                _ = rt.windows.allocate(at: file.windowOffset, size: file.windowSize)
                return failMap(ENOMEM, "mmap of \(path): working range exhausted (ENOMEM); raise SNAPSHOT_RESERVE_GIB")
            }
            file.windowOffset = w
            file.windowSize = size
        }
    } else {
        let window = fresh ? rt.reservation.hintedWindow : hint.flatMap { hintedWindow(rt, $0) }
        guard let f = openManaged(rt, id, fd, path, extent, window: window) else { return mapFailed }
        file = f
    }

    file.lock()
    defer { file.unlock() }
    // Map the window pages no existing mapping covers: working copy (private, copy-on-write,
    // lazily populated from the file) and persistent copy (shared) at the same offsets.
    let pieces = file.unmappedPieces(off, extent)
    var done: [(Int, Int)] = []
    for (lo, hi) in pieces {
        let code = mapWindowPages(rt, file, lo, hi, prot: prot, populate: flags & MAP_POPULATE)
        if code != 0 {
            for (a, b) in done {
                unreserve(rt.workingBase + file.windowOffset + a, b - a)
                unreserve(rt.persistentBase + file.windowOffset + a, b - a)
            }
            if file.mappings.isEmpty { closeManaged(rt, file) }
            return failMap(code, "mmap of \(path) at offset \(lo): \(errnoName(code))")
        }
        done.append((lo, hi))
    }
    let alreadyMapped = !(pieces.count == 1 && pieces[0] == (off, extent))
    if prot & PROT_WRITE != 0 && alreadyMapped {
        // Pages shared with an earlier (maybe read-only) mapping: make them as accessible as asked.
        _ = snapshot_sys_mprotect(UnsafeMutableRawPointer(bitPattern: rt.workingBase + file.windowOffset + off),
                                  extent - off, prot | PROT_READ)
    }
    if prot & PROT_WRITE == 0 || prot & PROT_READ == 0 { file.protectionChanged = true }
    file.adjust(off, extent, by: 1)
    file.mappings.append(UserMapping(offset: off, length: length))
    if file.slot >= 0 { snapshot_fd_set(fd, Int32(file.slot)) }
    rt.publishFileCount()
    return UnsafeMutableRawPointer(bitPattern: rt.workingBase + file.windowOffset + off)
}

/// First writable mapping of a file in this process: lock it, recover it, give it a window.
private func openManaged(_ rt: Runtime, _ id: (dev: UInt64, ino: UInt64, mode: UInt32, size: Int),
                         _ userFD: Int32, _ path: String, _ extent: Int,
                         window: (offset: Int, size: Int)?) -> ManagedFile? {
    // Our own open file description: independent of the program's offset and of its close().
    var fd = open("/proc/self/fd/\(userFD)", O_RDWR | O_CLOEXEC)
    if fd < 0 { fd = fcntl(userFD, F_DUPFD_CLOEXEC, 0) }   // no /proc: share the program's
    if fd < 0 {
        let code = snapshot_get_errno()
        _ = fail(code, "mmap of \(path): cannot reopen the file (\(errnoName(code)))")
        return nil
    }
    fd = snapshot_fd_protect(fd)   // the program cannot close it (protected_fds.c)
    let log: PersistentFile
    do {
        log = try PersistentFile(dataPath: path, dataFD: fd)
    } catch {
        let (code, text) = describe(error)
        snapshot_fd_unprotect(fd)
        close(fd)
        _ = fail(code, "mmap of \(path) refused: \(text) (\(errnoName(code)))")   // EBUSY's text names the writer
        return nil
    }
    if log.recoveredLines > 0 {
        // PersistentFile.init replayed the log (it recovers while holding the lock).
        snapshot_stats_add(0, 0, 0, 0, 0, 1, 0)
        warn("recovered \(path): replayed \(log.recoveredLines) line(s) of commits a crash had kept out of the file; the file is at its last committed state")
    }
    // Recovery may have changed the size (the size is part of each commit and replay restores
    // it): the file's size is what it is now, not what the caller saw before opening the log.
    var now = stat()
    let fileSize = fstat(fd, &now) == 0 ? Int(now.st_size) : id.size
    var w: Int? = nil
    var size = WindowAllocator.sizeFor(extent: max(extent, fileSize))
    if let h = window, h.size >= extent, rt.windows.allocate(at: h.offset, size: h.size) {
        w = h.offset
        size = h.size
    } else {
        w = rt.windows.allocate(size: size)
    }
    guard let w = w else {
        log.close()
        snapshot_fd_unprotect(fd)
        close(fd)
        _ = fail(ENOMEM, "mmap of \(path): working range exhausted (ENOMEM); raise SNAPSHOT_RESERVE_GIB")
        return nil
    }
    let f = ManagedFile(device: id.dev, inode: id.ino, path: path, fd: fd, log: log,
                        windowOffset: w, windowSize: size, size: fileSize)
    rt.files.append(f)
    // Descriptors of the file (the one being mapped and any other already open) now do their I/O
    // through the working copy (IO.swift); the runtime's own is left out.
    f.slot = Int(snapshot_slot_add(id.dev, id.ino, Int64(fileSize)))
    if f.slot >= 0 { snapshot_fd_scan(id.dev, id.ino, Int32(f.slot), fd) }
    return f
}

/// The last mapping of a file went away (its pages are unreserved): release the lock (owner
/// only), the window and the fd.
func closeManaged(_ rt: Runtime, _ f: ManagedFile) {
    for (lo, hi) in f.releaseInternal() {
        _ = snapshot_discard(UInt(f.windowOffset + lo), UInt(hi - lo))
        unreserve(rt.workingBase + f.windowOffset + lo, hi - lo)
        unreserve(rt.persistentBase + f.windowOffset + lo, hi - lo)
    }
    if f.isOwner { f.log?.close() }
    f.log = nil
    if f.isOwner { removeOrphanedLog(f) }
    snapshot_fd_unprotect(f.fd)
    close(f.fd)
    if f.slot >= 0 { snapshot_slot_remove(Int32(f.slot)) }   // its descriptors are plain again
    rt.windows.release(offset: f.windowOffset, size: f.windowSize)
    rt.files.removeAll { $0 === f }
    rt.publishFileCount()
}

/// The file was deleted, or renamed away, while managed: its log (named after the path it had)
/// can serve nobody, so it goes instead of piling up beside other files. Called after the
/// PersistentFile closed it, so nothing is pending in it (every ending commits or drops first).
private func removeOrphanedLog(_ f: ManagedFile) {
    var st = stat()
    let deleted = linkCount(f.fd) == 0
    let renamedAway = stat(f.path, &st) != 0 && snapshot_get_errno() == ENOENT
    if deleted || renamedAway { _ = unlink(PersistentFile.logPath(for: f.path)) }
}

/// A read-only MAP_SHARED mapping: the reader must see the committed state, so an interrupted
/// commit is brought up to date first (unless this process is the writer: then the file is already
/// consistent and the lock is ours).
private func readOnlyShared(_ id: (dev: UInt64, ino: UInt64, mode: UInt32, size: Int), _ fd: Int32,
                            _ mapIt: () -> UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    // Remembered, so that mprotect(PROT_WRITE) cannot turn it into a non-atomic writable mapping.
    func passThrough() -> UnsafeMutableRawPointer? {
        let r = mapIt()
        if r != mapFailed { snapshot_ro_add(r, lengthForTracking) }
        return r
    }
    if let rt = runtimeInstance, rt.file(device: id.dev, inode: id.ino) != nil { return passThrough() }
    guard let path = pathOf(fd: fd) else { return passThrough() }
    if !PersistentFile.mayNeedRecovery(fd: fd, path: path) { return passThrough() }   // nothing pending
    do {
        if try PersistentFile.recoverIfNeeded(dataPath: path) {
            snapshot_stats_add(0, 0, 0, 0, 0, 1, 0)
            warn("recovered \(path): replayed the commits a crash had kept out of the file; it is at its last committed state")
        }
    } catch {
        let (code, text) = describe(error)
        return failMap(code, "read-only mmap of \(path) refused: its undo log cannot be recovered: \(text) (\(errnoName(code)))")
    }
    return passThrough()
}

@_cdecl("snapshot_rt_munmap")
public func snapshotMunmap(_ addr: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return snapshot_sys_munmap(addr, len) }
    let a = Int(bitPattern: addr)
    if a % pageSize != 0 || len == 0 { snapshot_set_errno(EINVAL); return -1 }
    let length = (len + pageSize - 1) & ~(pageSize - 1)
    let wb = rt.workingBase, size = rt.reservation.size
    if a < wb || a + length > wb + size {
        return fail(EINVAL, "munmap(\(hex(a)), \(len)) refused (EINVAL): the range overlaps memory the runtime reserved for managed mappings")
    }
    guard let f = rt.file(containing: a) else { return 0 }   // nothing mapped there: like the kernel
    let off = a - wb - f.windowOffset
    guard let i = f.mappings.firstIndex(of: UserMapping(offset: off, length: length)) else {
        let pieces = f.unmappedPieces(off, off + length)
        let untouched = off + length <= f.windowSize && pieces.count == 1 &&
            pieces[0].0 == off && pieces[0].1 == off + length
        if !untouched {
            return fail(EINVAL, "munmap(\(hex(a)), \(len)) of \(f.path) refused (EINVAL): a managed mapping can only be unmapped whole (same address and length as returned by mmap)")
        }
        return 0   // only unmapped window pages: nothing to do
    }
    // A forked child never takes the mutex of an inherited file: another thread of the parent may
    // have held it at the fork. The child does not commit, so there is nothing to exclude.
    let owner = f.isOwner
    if owner { f.lock() }
    defer { if owner { f.unlock() } }
    let last = f.mappings.count == 1
    // A clean munmap is a clean ending: what POSIX write-back would eventually have written is
    // committed, atomically, before the pages go (the whole file, as every commit). The last
    // mapping commits any pending change (size too); an earlier one only if lines it takes away
    // are dirty. SNAPSHOT_STRICT_FAMS=1 keeps the strict contract: they are dropped.
    var failed = false
    if owner && !strictFams && (last ? f.hasPending : f.dirtyLines(off, off + length) > 0) {
        failed = commit(rt, f, "munmap") != 0
    }
    f.mappings.remove(at: i)
    var gone = f.adjust(off, off + length, by: -1)
    if last { gone += f.releaseInternal() }
    var dropped = 0
    for (lo, hi) in gone {
        dropped += Int(snapshot_discard(UInt(f.windowOffset + lo), UInt(hi - lo)))
        unreserve(wb + f.windowOffset + lo, hi - lo)
        unreserve(rt.persistentBase + f.windowOffset + lo, hi - lo)
    }
    if owner && (dropped > 0 || (last && f.logicalSize != f.committedSize)) {
        let why = failed ? "munmap: the commit failed (see above)" : "munmap without msync (SNAPSHOT_STRICT_FAMS=1)"
        let size = last && f.logicalSize != f.committedSize ? " and the size change to \(f.logicalSize) bytes" : ""
        warn("\(why): dropped \(dropped) uncommitted dirty line(s)\(size) of \(f.path) (offsets \(off)..<\(off + length)); the file keeps its last committed state")
    }
    if f.mappings.isEmpty { closeManaged(rt, f) } else { rt.publishFileCount() }
    return 0
}
