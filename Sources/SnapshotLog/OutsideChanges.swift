import CSnapshotPmem
import Glibc

/// Changes that reach a data file without a commit: stdio's `fwrite` (glibc writes through an
/// internal `write` no interposer sees), another process that is not a Snapshot program, a
/// `truncate` from elsewhere. Committing over them silently would lose them, so the engine looks
/// for them and fails the commit that would have overwritten them, saying what changed.
///
/// What is compared, and when (the commit takes no system call on persistent memory, and no fstat
/// per commit on any medium is the rule the engine keeps elsewhere; this is its one exception, on
/// the page cache only, where a commit already costs an fdatasync):
/// - page cache: size and mtime, at every commit, against one fstat taken right after the
///   engine's own last change (its stores into the file update mtime themselves);
/// - persistent memory: the size only, when a lap ends and at close (DAX write faults of the
///   engine's own stores move mtime at times it cannot see, so only the size is trustworthy).
/// After reporting a change the engine takes the file as it now is for the next comparison, so a
/// retried commit goes ahead (and overwrites only the lines it commits).
struct OutsideChangeWatch {
    private var stamp = snapshot_file_stamp()
    private var valid = false

    /// The engine has just changed the file itself: remember what it looks like now.
    mutating func refresh(_ fd: Int32) {
        valid = snapshot_file_stamp(fd, &stamp) == 0
    }

    /// What changed since `refresh`, or nil. `expectedSize`: the size the last commit left.
    /// Either way the current state is the new reference.
    mutating func check(_ fd: Int32, expectedSize: Int, sizeOnly: Bool) -> String? {
        var now = snapshot_file_stamp()
        guard snapshot_file_stamp(fd, &now) == 0 else { return nil }
        defer { stamp = now; valid = true }
        if now.size != Int64(expectedSize) {
            return "its size is \(now.size) bytes, but the last commit left \(expectedSize)"
        }
        guard valid, !sizeOnly else { return nil }
        // mtime, not ctime: ctime also moves for changes that leave the contents alone and that
        // programs make to a mapped file as a matter of course (rename, link, unlink, chmod).
        if now.mtime_sec != stamp.mtime_sec || now.mtime_nsec != stamp.mtime_nsec {
            let ns = String(now.mtime_nsec)
            let stamp = "\(now.mtime_sec)." + String(repeating: "0", count: max(0, 9 - ns.count)) + ns
            return "it was modified at \(stamp) (seconds since the epoch), after the last commit"
        }
        return nil
    }

    static func error(dataPath: String, _ what: String) -> SnapshotError {
        SnapshotError(code: ESTALE, description:
            "snapshot: commit of \(dataPath) refused (ESTALE): the file was changed outside Snapshot since its last commit (\(what)) - by another process, or by a write this process made that Snapshot could not see (stdio fwrite, a raw system call); nothing of this commit was applied. A retried commit writes its lines over the file as it now is")
    }
}
