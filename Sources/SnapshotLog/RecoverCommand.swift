import CSnapshotPmem
import Glibc

/// Outcome of an on-demand recovery (CLI and read-only mappers).
public enum RecoveryOutcome {
    /// No log beside the file.
    case noLog
    /// A writer holds the file (it recovered the file when it opened it).
    case busy
    /// Nothing to replay; `epoch` is the last commit.
    case clean(epoch: UInt64)
    /// The log's commits up to `epoch` were (re)applied: `lines` lines written.
    case recovered(epoch: UInt64, lines: Int)
}

extension PersistentFile {
    /// Recovers the file at `dataPath` unless a writer holds it: replays the log's commits (or
    /// rolls back a version-1 log) and retires them. `adopt` accepts a log whose recorded identity
    /// differs from the file (file and log copied or restored together).
    /// The log is the one the file's session mark names, if it has one (whatever name the file was
    /// written by), else the one beside it.
    public static func recover(dataPath: String, adopt: Bool) throws -> RecoveryOutcome {
        let markedLog = try sessionLog(of: dataPath)
        let log: LogFile
        switch try LogFile.open(dataPath: dataPath, at: markedLog, create: false, mode: 0o600) {
        case .missing:
            if let m = markedLog { throw SessionMark.refusal(dataPath: dataPath, logPath: m) }
            return .noLog
        case .busy: return .busy
        case .opened(let l, _): log = l
        }
        defer { log.close() }
        try log.map()
        // Read-only first: a clean log needs no write access to the data file.
        switch try Recovery.readHeader(log: log.base, size: log.capacity, logPath: log.path, dataPath: dataPath) {
        case .empty: return .clean(epoch: 0)
        case .legacyV1:
            if case .clean(let e)? = try LegacyRecoveryV1.classify(log.base!, size: log.capacity, logPath: log.path, dataPath: dataPath) {
                return .clean(epoch: e)
            }
        case .current(let h, _):
            let lap = Recovery.scanLap(h, log: log.base!, size: log.capacity)
            if lap.records.isEmpty && lap.problem == nil { return .clean(epoch: h.baseEpoch) }
        }
        let fd = Glibc.open(dataPath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw SnapshotError.errno("\(dataPath) has commits in its log to apply, which needs write access; cannot open it for writing")
        }
        defer { Glibc.close(fd) }
        // The engine object does the rest: replay under the lock we hold, then a new lap.
        log.close()
        let p: PersistentFile
        do {
            p = try PersistentFile(dataPath: dataPath, dataFD: fd, adopt: adopt, logPath: markedLog)
        } catch let e as SnapshotError where e.code == EBUSY {
            return .busy
        }
        let epoch = p.lastCommittedEpoch
        let lines = p.recoveredLines
        p.close()
        if let m = markedLog, m != LogFile.logPath(for: dataPath) { removeIfOrphaned(log: m, dataFD: fd) }
        return .recovered(epoch: epoch, lines: lines)
    }

    /// The log named by the file's session mark (nil: none, or the filesystem keeps none).
    static func sessionLog(of dataPath: String) throws -> String? {
        let fd = Glibc.open(dataPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SnapshotError.errno("cannot recover \(dataPath)") }
        defer { Glibc.close(fd) }
        if case .log(let p) = SessionMark.read(fd) { return p }
        return nil
    }

    /// `snapshot recover --accept-as-is`: the person accepts the file's contents although the log a
    /// session was committing through is gone. Removes the session mark; refuses while that log
    /// exists (then plain recovery is the answer).
    public static func acceptAsIs(dataPath: String) throws -> String {
        guard let m = try sessionLog(of: dataPath) else { return "\(dataPath): no session mark, nothing to accept" }
        var st = stat()
        if stat(m, &st) == 0 {
            throw SnapshotError(code: EEXIST, description:
                "snapshot: the log \(m) of \(dataPath) exists; run `snapshot recover \(dataPath)` instead, which finishes its commits")
        }
        let fd = Glibc.open(dataPath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw SnapshotError.errno("cannot open \(dataPath) for writing to remove its session mark") }
        defer { Glibc.close(fd) }
        let code = SessionMark.remove(fd)
        guard code == 0, snapshot_sys_fsync(fd) == 0 else {
            throw SnapshotError(code: code != 0 ? code : errno, description: "snapshot: cannot remove the session mark of \(dataPath)")
        }
        return "\(dataPath): accepted as it is; it no longer refers to the missing log \(m)"
    }
}
