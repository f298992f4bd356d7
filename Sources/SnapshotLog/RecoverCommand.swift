import CSnapshotPmem
import Glibc

/// Outcome of an on-demand recovery (CLI and read-only mappers).
public enum RecoveryOutcome {
    /// No log beside the file.
    case noLog
    /// A writer holds the file (it recovered the file when it opened it).
    case busy
    /// Nothing pending; `epoch` is the last completed commit.
    case clean(epoch: UInt64)
    /// An interrupted commit (epoch) was rolled back: `lines` lines restored.
    case rolledBack(epoch: UInt64, lines: Int)
}

extension PersistentFile {
    /// Recovers the file at `dataPath` unless a writer holds it. `adopt` accepts a pending log whose
    /// recorded identity differs from the file (file and log copied or restored together), provided
    /// size and checksums match.
    public static func recover(dataPath: String, adopt: Bool) throws -> RecoveryOutcome {
        let log: LogFile
        switch try LogFile.open(dataPath: dataPath, create: false, mode: 0o600) {
        case .missing:
            var st = stat()
            guard stat(dataPath, &st) == 0 else { throw SnapshotError.errno("cannot recover \(dataPath)") }
            return .noLog
        case .busy: return .busy
        case .opened(let l, _): log = l
        }
        defer { log.close() }
        try log.map()
        let h: LogHeader
        switch try Recovery.classify(log: log.base, size: log.capacity, logPath: log.path, dataPath: dataPath) {
        case .empty: return .clean(epoch: 0)
        case .clean(let c): return .clean(epoch: c.tagEpoch)
        case .pending(let p): h = p
        }
        let fd = Glibc.open(dataPath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw SnapshotError.errno("\(dataPath) has an interrupted commit to roll back, which needs write access; cannot open it for writing")
        }
        defer { Glibc.close(fd) }
        var c = snapshot_file_identity()
        guard snapshot_file_identity(fd, &c) == 0 else { throw SnapshotError.errno("cannot stat \(dataPath)") }
        if let e = Recovery.validatePending(h, log: log.base!, logSize: log.capacity, logPath: log.path, dataPath: dataPath,
                                            identity: FileIdentity(c), dataSize: Int(c.size), adopt: adopt) {
            throw e
        }
        let ops = PersistenceOps(dataPath: dataPath)
        let lines = try rollBackMapped(h, log: log, dataFD: fd, dataSize: Int(c.size), ops: ops)
        return .rolledBack(epoch: h.epoch, lines: lines)
    }
}
