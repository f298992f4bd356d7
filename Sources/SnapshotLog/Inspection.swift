import CSnapshotPmem
import Glibc

/// A read-only look at a file's log for `snapshot status` / `snapshot verify`. Takes no lock
/// and writes nothing.
public struct LogReport {
    public enum State: Equatable {
        /// No log beside the file (never opened by a Snapshot writer, or removed).
        case absent
        /// The log exists but its creation was interrupted: nothing pending.
        case empty
        /// Nothing in the log that the data file might lack (the writer closed the file).
        case clean
        /// The log holds commits that a crash may have kept out of the data file: they are
        /// replayed by `snapshot recover` or any writer's open (while a writer is running, this is
        /// its normal state).
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
    /// Last durable commit.
    public var epoch: UInt64 = 0
    /// Time (ns since the Unix epoch) of `epoch`'s commit, or of the log's last checkpoint.
    public var commitTimeNs: UInt64?
    /// Medium of that commit: "persistent memory" or "page cache (msync)".
    public var medium: String?
    /// Pid of the process that wrote the header.
    public var writerPid: UInt64?
    /// Commits to replay: records, runs and lines.
    public var pendingRecords = 0
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
            // A session mark names the log the file was last committed through, under any name.
            if case .log(let p) = SessionMark.read(dfd), p != r.logPath {
                r.notes.append("the file's session mark names the log \(p) (it was written through another name)")
                r.logPath = p
            }
            Glibc.close(dfd)
        } else {
            r.problems.append("cannot open \(dataPath): \(errorText(errno))")
        }
        let lfd = open(r.logPath, O_RDONLY | O_CLOEXEC)
        guard lfd >= 0 else {
            if errno != ENOENT { r.state = .unreadable; r.problems.append("cannot open \(r.logPath): \(errorText(errno))") }
            else if r.logPath != LogFile.logPath(for: dataPath) {
                r.state = .unreadable
                r.problems.append(SessionMark.refusal(dataPath: dataPath, logPath: r.logPath).description)
            }
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
            map = mapped(snapshot_sys_mmap(nil, r.logSize, PROT_READ, MAP_SHARED, lfd, 0))
            if map == nil { r.state = .unreadable; r.problems.append("cannot map \(r.logPath): \(errorText(errno))"); return r }
        }
        defer { if let m = map { _ = snapshot_sys_munmap(m, r.logSize) } }

        do {
            switch try Recovery.readHeader(log: map, size: r.logSize, logPath: r.logPath, dataPath: dataPath) {
            case .empty:
                r.state = .empty
                r.notes.append("the log's creation was interrupted; it holds nothing")
            case .legacyV1:
                switch try LegacyRecoveryV1.classify(map!, size: r.logSize, logPath: r.logPath, dataPath: dataPath) {
                case .clean(let e):
                    r.state = .clean
                    r.epoch = e
                    r.notes.append("version-1 undo log (previous release); the next open rewrites it in version \(LogFormat.version)")
                case .pending(let h):
                    r.state = .recoveryPending
                    r.epoch = h.epoch
                    r.commitTimeNs = h.timeNs
                    r.pendingRuns = h.runCount
                    r.pendingLines = h.lineCount
                    r.notes.append("version-1 undo log (previous release) with an interrupted commit to roll back")
                    if let id = dataIdentity {
                        r.belongsToFile = h.identity.matches(id)
                        if let e = LegacyRecoveryV1.validate(h, log: map!, logSize: r.logSize, logPath: r.logPath, dataPath: dataPath,
                                                             identity: id, dataSize: dataSize, adopt: false) {
                            r.problems.append(e.description)
                        }
                    }
                case nil: break
                }
            case .current(let h, _):
                let lap = Recovery.scanLap(h, log: map!, size: r.logSize)
                r.epoch = lap.lastEpoch
                r.writerPid = h.pid
                r.medium = h.medium == Medium.pmem.rawValue ? "persistent memory" : "page cache (fdatasync)"
                if let last = lap.records.last {
                    r.state = .recoveryPending
                    r.commitTimeNs = last.header.timeNs
                    r.medium = last.header.medium == Medium.pmem.rawValue ? "persistent memory" : "page cache (fdatasync)"
                    r.pendingRecords = lap.records.count
                    r.pendingRuns = UInt64(lap.runs)
                    r.pendingLines = UInt64(lap.lines)
                } else {
                    r.state = .clean
                    if h.baseEpoch > 0 { r.commitTimeNs = h.timeNs }
                }
                if let p = lap.problem { r.problems.append("the log is damaged: \(p)") }
                if let id = dataIdentity {
                    r.belongsToFile = h.identity.matches(id)
                    if r.belongsToFile == false {
                        if lap.records.isEmpty {
                            r.notes.append("the log is bound to another file (\(h.identity.summary); \(dataPath): \(id.summary)); it holds nothing and is rebound at the next open")
                        } else {
                            r.problems.append("the log holds commits of another file (log: \(h.identity.summary); \(dataPath): \(id.summary)); if the file and its log were copied together run `snapshot recover --adopt \(dataPath)`")
                        }
                    }
                }
            }
        } catch {
            r.state = .unreadable
            r.problems.append("\(error)")
        }
        return r
    }
}
