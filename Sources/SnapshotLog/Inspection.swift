import CSnapshotPmem
import Glibc

/// A read-only look at a file's undo log for `snapshot status` / `snapshot verify`. Takes no lock
/// and writes nothing.
public struct LogReport {
    public enum State: Equatable {
        /// No log beside the file (never opened by a Snapshot writer, or removed).
        case absent
        /// The log exists but its creation was interrupted: nothing pending.
        case empty
        /// No commit in flight.
        case clean
        /// An interrupted commit must be rolled back (`snapshot recover`, or any writer's open).
        case recoveryPending
        /// Not a usable log (bad magic/version/state word); see `problems`.
        case unreadable
    }

    public var dataPath: String
    public var logPath: String
    public var state: State = .absent
    public var logSize = 0
    /// A writer process holds the lock right now.
    public var lockedByWriter = false
    /// Last completed commit epoch (clean) or the interrupted one (recoveryPending).
    public var epoch: UInt64 = 0
    /// Start time (ns since the Unix epoch) of `epoch`'s commit, when the header records it.
    public var commitTimeNs: UInt64?
    /// Medium of that commit: "persistent memory" or "page cache (msync)".
    public var medium: String?
    /// Pid of the process that wrote the header.
    public var writerPid: UInt64?
    /// Pending commits: size of the undo set.
    public var pendingRuns: UInt64 = 0
    public var pendingLines: UInt64 = 0
    /// The log is bound to this file (nil when the header body cannot tell).
    public var belongsToFile: Bool?
    /// Every check that failed; empty means the log is well-formed and belongs to the file.
    public var problems: [String] = []
    /// Remarks that are not problems.
    public var notes: [String] = []

    public var isHealthy: Bool { problems.isEmpty }
}

extension PersistentFile {
    /// Examines the log of `dataPath` without modifying anything.
    public static func inspect(dataPath: String) -> LogReport {
        var r = LogReport(dataPath: dataPath, logPath: LogFile.logPath(for: dataPath))
        var dataIdentity: FileIdentity?
        var dataSize = 0
        let dfd = open(dataPath, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            var c = snapshot_file_identity()
            if snapshot_file_identity(dfd, &c) == 0 { dataIdentity = FileIdentity(c); dataSize = Int(c.size) }
            Glibc.close(dfd)
        } else {
            r.problems.append("cannot open \(dataPath): \(errorText(errno))")
        }
        let lfd = open(r.logPath, O_RDONLY | O_CLOEXEC)
        guard lfd >= 0 else {
            if errno != ENOENT { r.state = .unreadable; r.problems.append("cannot open \(r.logPath): \(errorText(errno))") }
            return r
        }
        defer { Glibc.close(lfd) }
        // Probe the writer lock with a shared lock on our own descriptor (released at close).
        if flock(lfd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK { r.lockedByWriter = true }
        var st = stat()
        fstat(lfd, &st)
        r.logSize = Int(st.st_size)
        var map: UnsafeMutableRawPointer? = nil
        if r.logSize > 0 {
            map = snapshot_sys_mmap(nil, r.logSize, PROT_READ, MAP_SHARED, lfd, 0)
            if map == nil { r.state = .unreadable; r.problems.append("cannot map \(r.logPath): \(errorText(errno))"); return r }
        }
        defer { if let m = map { _ = snapshot_sys_munmap(m, r.logSize) } }

        let state: LogState
        do {
            state = try Recovery.classify(log: map, size: r.logSize, logPath: r.logPath, dataPath: dataPath)
        } catch {
            r.state = .unreadable
            r.problems.append("\(error)")
            return r
        }
        switch state {
        case .empty:
            r.state = .empty
            r.notes.append("the log's creation was interrupted; it holds nothing")
        case .clean(let h):
            r.state = .clean
            r.epoch = h.tagEpoch
            let bodyOK = LogHeader.computeCRC(map!) == h.headerCRC
            if bodyOK && h.epoch == h.tagEpoch {
                if h.epoch > 0 {
                    r.commitTimeNs = h.timeNs
                    r.medium = h.medium == Medium.pmem.rawValue ? "persistent memory" : "page cache (msync)"
                }
                r.writerPid = h.pid
            } else if h.epoch == h.tagEpoch + 1 || !bodyOK {
                r.notes.append("an attempt at commit \(h.tagEpoch + 1) stopped before changing the file (harmless)")
            }
            if bodyOK, let id = dataIdentity {
                r.belongsToFile = h.identity.matches(id)
                if r.belongsToFile == false {
                    r.problems.append("the log is bound to another file (\(h.identity.summary); \(dataPath): \(id.summary)); it holds nothing pending and is rebound at the next open")
                }
            }
        case .pending(let h):
            r.state = .recoveryPending
            r.epoch = h.epoch
            r.commitTimeNs = h.timeNs
            r.medium = h.medium == Medium.pmem.rawValue ? "persistent memory" : "page cache (msync)"
            r.writerPid = h.pid
            r.pendingRuns = h.runCount
            r.pendingLines = h.lineCount
            if let id = dataIdentity {
                r.belongsToFile = h.identity.matches(id)
                if let e = Recovery.validatePending(h, log: map!, logSize: r.logSize, logPath: r.logPath, dataPath: dataPath,
                                                    identity: id, dataSize: dataSize, adopt: false) {
                    r.problems.append(e.description)
                }
            }
        }
        return r
    }
}
