// Recovery when a file is opened, not only when it is mapped.
//
// Programs look at a file between open() and mmap(): Kyoto Cabinet checks its header's record of
// the file size against fstat(), and any program may read() it first. If a crash left commits in
// the log, the file is not at its committed state (contents and size) until they are replayed, so
// the first open by a Snapshot program replays them, as the first mapping always did. The C side
// (io.c) calls in only when the file carries a session mark, or (filesystems without extended
// attributes) has a log beside it: one fgetxattr per open otherwise.
import CSnapshotShim
import SnapshotLog
#if canImport(Glibc)
import Glibc
#endif

/// 0: go on with the descriptor; -1 + errno: the open is refused (the file cannot be brought to a
/// committed state: its log is damaged, belongs to another file, or is gone).
@_cdecl("snapshot_rt_opened")
public func snapshotOpened(_ fd: Int32) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    readEnvironmentOnce()
    if snapshot_state == SNAPSHOT_STATE_DISABLED { return 0 }
    guard let id = fileIdentity(fd), (id.mode & UInt32(S_IFMT)) == UInt32(S_IFREG) else { return 0 }
    if runtimeInstance?.file(device: id.dev, inode: id.ino) != nil { return 0 }   // ours: consistent
    guard let path = pathOf(fd: fd), !isExcluded(path: path, fd: fd),
          PersistentFile.mayNeedRecovery(fd: fd, path: path) else { return 0 }
    do {
        if case .recovered(_, let lines) = try PersistentFile.recover(dataPath: path, adopt: false), lines > 0 {
            snapshot_stats_add(0, 0, 0, 0, 0, 1, 0)
            warn("recovered \(path): replayed \(lines) line(s) of commits a crash had kept out of the file; the file is at its last committed state")
        }
    } catch {
        let (code, text) = describe(error)
        return fail(code, "open of \(path) refused: \(text) (\(errnoName(code)))")
    }
    return 0
}

/// After the fallocate interposer allocated blocks in a managed file (interpose.c): the engine's
/// outside-change watch takes the file's new mtime as its own doing.
@_cdecl("snapshot_rt_allocated")
public func snapshotAllocated(_ fd: Int32) {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let id = fileIdentity(fd), let f = runtimeInstance?.file(device: id.dev, inode: id.ino), f.isOwner else { return }
    f.lock()
    f.log?.fileChangedByRuntime()
    f.unlock()
}
