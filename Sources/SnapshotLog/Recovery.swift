import CSnapshotPmem
import Glibc

/// What a log says, before anything is done about it.
enum LogState {
    /// Zero-length or all-zero header: the log's creation was interrupted; nothing is pending.
    case empty
    /// No commit in flight; the tag's epoch is the last completed commit.
    case clean(LogHeader)
    /// A commit was interrupted: its undo images must be copied back.
    case pending(LogHeader)
}

enum Recovery {
    /// Reads the header of a mapped log. Throws for logs that are not Snapshot logs at all (bad
    /// magic, unknown version, impossible tag): those are never touched.
    static func classify(log: UnsafeRawPointer?, size: Int, logPath: String, dataPath: String) throws -> LogState {
        guard let log = log, size >= LogFormat.headerSize else {
            if size == 0 { return .empty }
            // Shorter than a header: only an interrupted creation can leave that; check it is zero.
            if let p = log, (0..<size).allSatisfy({ p.load(fromByteOffset: $0, as: UInt8.self) == 0 }) { return .empty }
            throw SnapshotError(code: EBADMSG, description:
                "snapshot: \(logPath) (the undo log of \(dataPath)) is truncated (\(size) bytes); the data was not touched - if no Snapshot program was committing \(dataPath), remove the log")
        }
        if LogHeader.isAllZero(log) { return .empty }
        let h = LogHeader.load(log)
        guard h.magic == LogFormat.magic else {
            throw SnapshotError(code: EBADMSG, description:
                "snapshot: \(logPath) is not a Snapshot undo log (bad magic); the data of \(dataPath) was not touched - move that file away")
        }
        guard h.version == LogFormat.version else {
            throw SnapshotError(code: EPROTO, description:
                "snapshot: \(logPath) has log format version \(h.version), this Snapshot reads version \(LogFormat.version); use the Snapshot release that wrote it to recover \(dataPath)")
        }
        switch h.tagState {
        case LogFormat.State.clean.rawValue, 0: return .clean(h)
        case LogFormat.State.pending.rawValue: return .pending(h)
        default:
            throw SnapshotError(code: EBADMSG, description:
                "snapshot: \(logPath) (the undo log of \(dataPath)) has a corrupt state word 0x\(String(h.tag, radix: 16)); the data was not touched")
        }
    }

    /// Checks that a pending log is intact and belongs to the data file. nil = safe to roll back.
    /// `adopt` accepts a log whose identity differs (the file and its log were copied together),
    /// provided everything else (size, checksums) matches.
    static func validatePending(_ h: LogHeader, log: UnsafeRawPointer, logSize: Int, logPath: String,
                                dataPath: String, identity: FileIdentity, dataSize: Int, adopt: Bool) -> SnapshotError? {
        let keep = "the data was not touched"
        guard LogHeader.computeCRC(log) == h.headerCRC else {
            return SnapshotError(code: EBADMSG, description:
                "snapshot: the undo log \(logPath) holds an interrupted commit of \(dataPath) but its header fails its checksum; \(keep) - the log is damaged, restore \(dataPath) from a backup or remove the log to accept the file as it is")
        }
        guard h.tagEpoch == h.epoch else {
            return SnapshotError(code: EBADMSG, description:
                "snapshot: the undo log \(logPath) is inconsistent (state epoch \(h.tagEpoch), header epoch \(h.epoch)); \(keep)")
        }
        if !adopt && !h.identity.matches(identity) {
            return SnapshotError(code: ESTALE, description:
                "snapshot: the undo log \(logPath) holds an interrupted commit of another file (log: \(h.identity.summary); \(dataPath): \(identity.summary)); \(keep) - if the file and its log were copied or restored together run `snapshot recover --adopt \(dataPath)`, otherwise remove the stale log")
        }
        guard h.fileSize == UInt64(dataSize) else {
            return SnapshotError(code: ESTALE, description:
                "snapshot: the undo log \(logPath) describes a \(h.fileSize)-byte file but \(dataPath) has \(dataSize) bytes; \(keep) - the log does not belong to this file")
        }
        if let problem = Descriptors.forEach(header: h, log: log, logSize: logSize, { _, _ in }) {
            return SnapshotError(code: EBADMSG, description: "snapshot: the undo log \(logPath) is malformed (\(problem)); \(keep)")
        }
        guard entriesCRC(h, log: log, logSize: logSize) == h.entriesCRC else {
            return SnapshotError(code: EBADMSG, description:
                "snapshot: the undo entries in \(logPath) fail their checksum; \(keep) - the log is damaged, restore \(dataPath) from a backup or remove the log to accept the file as it is")
        }
        return nil
    }

    /// Entries checksum: segment checksums of the descriptor block and of the used bytes of every
    /// undo image, chained (see chainSegment). Descriptors must be valid.
    static func entriesCRC(_ h: LogHeader, log: UnsafeRawPointer, logSize: Int) -> UInt32 {
        var crc = chainSegment(0, snapshot_segment_crc(log + LogFormat.descriptorOffset, Int(h.descBytes)))
        _ = Descriptors.forEach(header: h, log: log, logSize: logSize) { run, _ in
            crc = chainSegment(crc, snapshot_segment_crc(log + run.slot, run.length))
        }
        return crc
    }

    /// Copies every undo image back to the data, makes it durable, then marks the log clean.
    /// Idempotent: until the clean tag is durable the log stays pending and a crash anywhere in here
    /// just means doing it again. Returns the number of lines restored.
    @discardableResult
    static func rollBack(_ h: LogHeader, log: UnsafeRawPointer, logSize: Int, ops: PersistenceOps) throws -> Int {
        var restored = 0
        let problem = Descriptors.forEach(header: h, log: log, logSize: logSize) { run, _ in
            ops.store(.data, at: run.offset, from: log + run.slot, count: run.length)
            restored += (run.length + 63) / 64
            ops.event("recover-run")
        }
        if let problem = problem {
            throw SnapshotError(code: EBADMSG, description: "snapshot: the undo log of \(h.identity.summary) is malformed (\(problem))")
        }
        try ops.fence(.data)
        ops.event("recover-persisted")
        ops.storeWord(.log, at: LogFormat.Offset.tag, LogFormat.tag(.clean, epoch: h.epoch > 0 ? h.epoch - 1 : 0))
        ops.event("recover-invalidated")
        try ops.fence(.log)
        ops.event("recover-invalidated-persisted")
        return restored
    }
}
