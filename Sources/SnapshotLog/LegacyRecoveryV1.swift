import CSnapshotPmem
import Glibc

/// Recovery of a version-1 undo log (see LegacyLogV1.swift): the previous release's protocol made
/// a commit valid by a `pending` tag and rolled it back from undo images. Opening a file whose log
/// is version 1 rolls an interrupted commit back, with the same checks that release made (header
/// and entries checksums, identity, size), then rewrites the log in the current version.
enum LegacyRecoveryV1 {
    enum State {
        case clean(epoch: UInt64)
        case pending(LogHeaderV1)
    }

    /// nil when `log` does not start with the version-1 magic.
    static func classify(_ log: UnsafeRawPointer, size: Int, logPath: String, dataPath: String) throws -> State? {
        guard size >= LogFormatV1.headerSize else { return nil }
        let h = LogHeaderV1.load(log)
        guard h.magic == LogFormatV1.magic else { return nil }
        guard h.version == LogFormatV1.version else {
            throw SnapshotError(code: EPROTO, description:
                "snapshot: \(logPath) says log format 1 but version \(h.version); the data of \(dataPath) was not touched - move the log away")
        }
        switch h.tagState {
        case LogFormatV1.State.clean.rawValue, 0: return .clean(epoch: h.tagEpoch)
        case LogFormatV1.State.pending.rawValue: return .pending(h)
        default:
            throw SnapshotError(code: EBADMSG, description:
                "snapshot: \(logPath) (a version-1 undo log of \(dataPath)) has a corrupt state word 0x\(String(h.tag, radix: 16)); the data was not touched")
        }
    }

    /// Checks that a pending v1 log is intact and belongs to the data file. nil = safe to roll back.
    static func validate(_ h: LogHeaderV1, log: UnsafeRawPointer, logSize: Int, logPath: String, dataPath: String,
                         identity: FileIdentity, dataSize: Int, adopt: Bool) -> SnapshotError? {
        let keep = "the data was not touched"
        guard LogHeaderV1.computeCRC(log) == h.headerCRC, h.tagEpoch == h.epoch else {
            return SnapshotError(code: EBADMSG, description:
                "snapshot: the version-1 undo log \(logPath) holds an interrupted commit of \(dataPath) but its header fails its checksum; \(keep) - restore \(dataPath) from a backup or remove the log to accept the file as it is")
        }
        if !adopt && !h.identity.matches(identity) {
            return SnapshotError(code: ESTALE, description:
                "snapshot: the version-1 undo log \(logPath) holds an interrupted commit of another file (log: \(h.identity.summary); \(dataPath): \(identity.summary)); \(keep) - if the file and its log were copied together run `snapshot recover --adopt \(dataPath)`, otherwise remove the stale log")
        }
        guard h.fileSize == UInt64(dataSize) else {
            return SnapshotError(code: ESTALE, description:
                "snapshot: the version-1 undo log \(logPath) describes a \(h.fileSize)-byte file but \(dataPath) has \(dataSize) bytes; \(keep)")
        }
        var crc = chainSegment(0, snapshot_segment_crc(log + LogFormatV1.descriptorOffset, Int(clamping: h.descBytes)))
        if let problem = forEachRun(h, log: log, logSize: logSize, { run in
            crc = chainSegment(crc, snapshot_segment_crc(log + run.slot, run.length))
        }) {
            return SnapshotError(code: EBADMSG, description: "snapshot: the version-1 undo log \(logPath) is malformed (\(problem)); \(keep)")
        }
        guard crc == h.entriesCRC else {
            return SnapshotError(code: EBADMSG, description:
                "snapshot: the undo entries in the version-1 log \(logPath) fail their checksum; \(keep)")
        }
        return nil
    }

    static func forEachRun(_ h: LogHeaderV1, log: UnsafeRawPointer, logSize: Int, _ body: (Descriptors.Run) throws -> Void) rethrows -> String? {
        let descEnd = LogFormatV1.descriptorOffset + Int(clamping: h.descBytes)
        guard h.descBytes <= UInt64(logSize), descEnd <= logSize else { return "descriptors run past the end of the log" }
        guard h.undoOffset >= UInt64(descEnd), h.undoOffset % 64 == 0, h.undoOffset <= UInt64(logSize),
              h.lineCount <= UInt64(logSize) / 64, Int(h.undoOffset) + Int(h.lineCount) * 64 <= logSize else {
            return "undo images lie outside the log"
        }
        guard h.runCount <= h.lineCount else { return "more runs than lines" }
        var lines = 0
        let limit = Int(h.undoOffset) + Int(h.lineCount) * 64
        if let p = try Descriptors.forEach((log + LogFormatV1.descriptorOffset).assumingMemoryBound(to: UInt8.self),
                                           descBytes: Int(h.descBytes), runCount: Int(h.runCount), fileSize: Int(clamping: h.fileSize),
                                           slotStart: Int(h.undoOffset), slotLimit: limit, { run in
            lines += (run.length + 63) / 64
            try body(run)
        }) { return p }
        return lines == Int(h.lineCount) ? nil : "descriptors describe \(lines) lines, the header \(h.lineCount)"
    }

    /// Copies the undo images back and makes them durable. Returns the lines restored.
    static func rollBack(_ h: LogHeaderV1, log: UnsafeRawPointer, logSize: Int, ops: PersistenceOps) throws -> Int {
        var restored = 0
        if let problem = forEachRun(h, log: log, logSize: logSize, { run in
            ops.storeData(at: run.offset, from: log + run.slot, count: run.length)
            restored += (run.length + 63) / 64
            ops.event("replay-run")
        }) {
            throw SnapshotError(code: EBADMSG, description: "snapshot: the version-1 undo log is malformed (\(problem))")
        }
        try ops.fence(.data)
        return restored
    }
}
