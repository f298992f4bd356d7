import CSnapshotPmem
import Glibc

/// The log file beside a data file: naming, creation, the single-writer lock, the mapping, and
/// growth. Knows nothing about commits.
final class LogFile {
    let path: String
    let dataPath: String
    private(set) var fd: Int32
    private(set) var base: UnsafeMutableRawPointer? = nil
    /// Bytes mapped == file size once mapped.
    private(set) var capacity = 0

    /// `.<basename>.snapshot-log` in the data file's directory.
    static func logPath(for dataPath: String) -> String {
        let (dir, name) = split(dataPath)
        return dir + "." + name + ".snapshot-log"
    }

    /// ("dir/", "name"); dir is "" for a bare name.
    static func split(_ path: String) -> (String, String) {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        return (String(decoding: bytes[...slash], as: UTF8.self), String(decoding: bytes[(slash + 1)...], as: UTF8.self))
    }

    private init(path: String, dataPath: String, fd: Int32) {
        self.path = path
        self.dataPath = dataPath
        self.fd = fd
    }

    enum OpenResult {
        case opened(LogFile, created: Bool)
        case missing
        /// Another open file description (another process, or another open in this one) holds it.
        case busy
    }

    /// Opens (creating if `create`) and locks the log of `dataPath` (the one beside it, or `explicitPath`:
    /// the one its session mark names). The lock is an exclusive flock on the log: released by the
    /// kernel when the holder dies, so a crash never leaves it stuck.
    static func open(dataPath: String, at explicitPath: String? = nil, create: Bool, mode: mode_t) throws -> OpenResult {
        let path = explicitPath ?? logPath(for: dataPath)
        // A closing writer may unlink... we never unlink a log, but a user may: after taking the lock,
        // check that the path still names the locked inode, and retry if not.
        for _ in 0..<16 {
            var created = false
            var fd: Int32 = -1
            if create {
                fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
                if fd >= 0 {
                    created = true
                } else if errno != EEXIST {
                    throw SnapshotError.errno("cannot create the log \(path) for \(dataPath) (the directory must be writable)")
                }
            }
            if fd < 0 {
                fd = Glibc.open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
                if fd < 0 {
                    if errno == ELOOP {
                        throw SnapshotError(code: ELOOP, description: "snapshot: \(path) (the log of \(dataPath)) is a symbolic link; Snapshot never follows one there - remove it")
                    }
                    if errno == ENOENT {
                        if create { continue }  // raced with a removal; try creating again
                        return .missing
                    }
                    throw SnapshotError.errno("cannot open the log \(path) of \(dataPath)")
                }
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                Glibc.close(fd)
                if e == EWOULDBLOCK { return .busy }
                throw SnapshotError.errno("cannot lock the log \(path)", code: e)
            }
            var a = stat(), b = stat()
            if fstat(fd, &a) != 0 {
                let e = errno
                Glibc.close(fd)
                throw SnapshotError.errno("cannot stat the log \(path)", code: e)
            }
            if a.st_nlink == 0 || stat(path, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev {
                Glibc.close(fd)
                continue
            }
            guard (a.st_mode & S_IFMT) == S_IFREG else {
                Glibc.close(fd)
                throw SnapshotError(code: EINVAL, description: "snapshot: \(path) (the log of \(dataPath)) is not a regular file; remove it")
            }
            // A number the program cannot close or reuse (protected_fds.c); the flock travels with
            // the open file description, so the moved descriptor keeps the lock.
            return .opened(LogFile(path: path, dataPath: dataPath, fd: snapshot_fd_protect(fd)), created: created)
        }
        throw SnapshotError(code: EAGAIN, description: "snapshot: the log \(path) keeps being replaced while opening it")
    }

    /// Throws EBUSY naming the file and the fix.
    static func busyError(dataPath: String, logPath: String? = nil) -> SnapshotError {
        SnapshotError(code: EBUSY, description:
            "snapshot: \(dataPath) is already open for writing by another process (it holds the lock on \(logPath ?? LogFile.logPath(for: dataPath))); Snapshot allows one writer process per file: stop that process, or map the file read-only")
    }

    /// Current size of the log file.
    func fileSize() throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SnapshotError.errno("cannot stat the log \(path)") }
        return Int(st.st_size)
    }

    /// Maps the whole file (raw mmap: never seen by libsnapshot's interposers).
    func map() throws {
        let size = try fileSize()
        if let b = base { _ = snapshot_sys_munmap(b, capacity); base = nil }
        capacity = size
        guard size > 0 else { return }
        guard let p = mapped(snapshot_sys_mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) else {
            throw SnapshotError.errno("cannot map the log \(path)")
        }
        base = p
    }

    /// Makes the log at least `need` bytes long, with the space allocated (posix_fallocate), so that
    /// running out of space surfaces here, before the log is written or marked valid. The new size
    /// is made durable (fdatasync) before it is used.
    func ensureCapacity(_ need: Int, ops: PersistenceOps) throws {
        if need <= capacity && base != nil { return }
        let chunk = 16 * 1024
        let newSize = (need + chunk - 1) / chunk * chunk   // how much to grow is the caller's policy
        let err = posix_fallocate(fd, 0, off_t(newSize))
        if err != 0 {
            let what = err == ENOSPC ? "no space left for the log" : "cannot grow the log"
            throw SnapshotError(code: err, description:
                "snapshot: \(what) \(path) (\(newSize) bytes needed) while committing \(dataPath): \(errorText(err)); the file keeps its previous committed contents")
        }
        // fallocate leaves "unwritten" extents; their conversion at the first store is filesystem
        // metadata, which pmem_drain never makes durable (DAX) and which costs a journal commit at
        // the first fdatasync (page cache). Writing zeros once here, then fdatasync, turns them into
        // ordinary blocks: every later log write is a pure overwrite. (Whatever medium the log is
        // used with later: the first growth happens at open, before the medium is known.)
        try zeroFill(from: capacity, to: newSize)
        ops.sizeChanged(.log, newSize)
        let oldBase = base, oldCapacity = capacity
        if let b = oldBase {
            guard let p = mapped(snapshot_sys_mremap_maymove(b, oldCapacity, newSize)) else {
                throw SnapshotError.errno("cannot remap the log \(path) to \(newSize) bytes")
            }
            base = p
        } else {
            guard let p = mapped(snapshot_sys_mmap(nil, newSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) else {
                throw SnapshotError.errno("cannot map the log \(path)")
            }
            base = p
        }
        capacity = newSize
        ops.setLog(base: base, fd: fd, path: path)
        try ops.syncFile(.log)
        ops.event("log-grow")
    }

    private func zeroFill(from: Int, to: Int) throws {
        let zeros = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 4096)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: 64 * 1024)
        var pos = from
        while pos < to {
            let n = pwrite(fd, zeros, min(64 * 1024, to - pos), off_t(pos))
            if n < 0 {
                if errno == EINTR { continue }
                throw SnapshotError(code: errno, description:
                    "snapshot: cannot write the log \(path) while committing \(dataPath): \(errorText(errno)); the file keeps its previous committed contents")
            }
            pos += n
        }
    }

    /// Makes the log's directory entry durable (after creating it): without this a power failure
    /// could lose the log's name while the data it protects is half-written.
    func syncDirectory() throws {
        let (dir, _) = LogFile.split(path)
        let dfd = Glibc.open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw SnapshotError.errno("cannot open the directory of \(path)") }
        defer { Glibc.close(dfd) }
        while snapshot_sys_fsync(dfd) != 0 {
            if errno == EINTR { continue }
            // Some filesystems cannot fsync directories; their metadata is then ordered anyway.
            if errno == EINVAL || errno == EROFS { return }
            throw SnapshotError.errno("fsync of the directory of \(path) failed")
        }
    }

    /// Empties the log (size 0, durable): used to rewrite a version-1 log in the current format.
    func reset(ops: PersistenceOps) throws {
        if let b = base { _ = snapshot_sys_munmap(b, capacity); base = nil }
        capacity = 0
        guard ftruncate(fd, 0) == 0 else { throw SnapshotError.errno("cannot empty the old-format log \(path)") }
        ops.sizeChanged(.log, 0)
        try ops.syncFile(.log)
    }

    /// Gives back space held by a log that a large commit grew beyond the size it reaches by
    /// itself (only called when the lap is empty, i.e. the log holds nothing needed).
    func shrink(ops: PersistenceOps) {
        guard capacity > LogFormat.autoGrowLimit else { return }
        if let b = base { _ = snapshot_sys_munmap(b, capacity); base = nil }
        if ftruncate(fd, off_t(LogFormat.initialCapacity)) == 0 {
            ops.sizeChanged(.log, LogFormat.initialCapacity)
            capacity = LogFormat.initialCapacity
            _ = try? ops.syncFile(.log)
        }
    }

    /// Unmaps, releases the lock and closes.
    func close() {
        if let b = base { _ = snapshot_sys_munmap(b, capacity); base = nil }
        if fd >= 0 {
            snapshot_fd_unprotect(fd)
            Glibc.close(fd)  // drops the flock
            fd = -1
        }
    }

    deinit { close() }
}
