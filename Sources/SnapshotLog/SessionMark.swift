import CSnapshotPmem
import Glibc

/// The session mark: an extended attribute (`user.snapshot.log`) on the data file's inode that
/// names, by absolute path, the log whose records may not all be in the file yet.
///
/// Why: the log is found by a name (`.<name>.snapshot-log` beside the file), but a file has as many
/// names as it has hard links, and a rename gives it a new one. Opened by a name other than the one
/// its writer used, an interrupted commit would be invisible and the file torn. The mark travels
/// with the inode, so every name leads to the same log (and to the same single-writer lock).
///
/// Protocol (PersistentFile):
/// - a writer sets the mark when it opens the file, and makes it durable (fsync of the data file:
///   fdatasync does not cover extended attributes) before its first record: so any record that
///   recovery could need has a durable mark pointing at it;
/// - it removes the mark (durably) only after the lap is retired at close, when the log holds
///   nothing the file lacks;
/// - whoever opens the file follows the mark: a log there that is locked is a live writer (EBUSY
///   for a second writer, whatever name it uses); one with records is replayed first; a missing one
///   means the commits that could complete the file are gone, so the file is refused
///   (ENOTRECOVERABLE) until a person decides (`snapshot recover --accept-as-is`).
/// Filesystems without user extended attributes keep only the name-based lookup; there a file
/// with more than one hard link is refused as a writer (see PersistentFile.open).
enum SessionMark {
    enum State: Equatable {
        /// No session left a mark: nothing can be pending in a log this version wrote.
        case absent
        /// The filesystem stores no user extended attributes.
        case unsupported
        case log(String)
    }

    static func read(_ fd: Int32) -> State {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = snapshot_mark_get(fd, &buf, Int(PATH_MAX))
        if n > 0 {
            buf[Int(n)] = 0
            return .log(String(cString: buf))
        }
        if n == -Int(ENOTSUP) || n == -Int(EOPNOTSUPP) { return .unsupported }
        return .absent   // ENODATA, or an unreadable mark (then the name-based log still works)
    }

    /// 0, or errno (ENOTSUP: the filesystem cannot keep it).
    static func set(_ fd: Int32, logPath: String) -> Int32 {
        let bytes = Array(logPath.utf8)
        return bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { snapshot_mark_set(fd, $0, b.count) }
        }
    }

    /// 0, or errno.
    static func remove(_ fd: Int32) -> Int32 { snapshot_mark_remove(fd) }

    /// The data file a log path is named after (`dir/.name.snapshot-log` -> `dir/name`).
    static func dataPath(ofLog logPath: String) -> String? {
        let (dir, name) = LogFile.split(logPath)
        let prefix = ".", suffix = ".snapshot-log"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        return dir + String(name.dropFirst(prefix.count).dropLast(suffix.count))
    }

    static func refusal(dataPath: String, logPath: String) -> SnapshotError {
        SnapshotError(code: ENOTRECOVERABLE, description:
            "snapshot: \(dataPath) was being committed through the log \(logPath), which no longer exists (deleted, or not copied with the file): a commit may be half applied and nothing can finish it; the data was not touched - restore the file from a backup, or accept it as it is with `snapshot recover --accept-as-is \(dataPath)`")
    }
}

extension PersistentFile {
    /// Cheap test before recovering on open/mmap: could a log hold commits the file at `path`
    /// (open as `fd`) lacks? True when its session mark names a log, or a log is beside it.
    public static func mayNeedRecovery(fd: Int32, path: String) -> Bool {
        if case .log = SessionMark.read(fd) { return true }
        var st = stat()
        return stat(LogFile.logPath(for: path), &st) == 0
    }
}
