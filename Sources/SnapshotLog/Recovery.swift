import CSnapshotPmem
import Glibc

/// Reading a log: which header copy is current, which records form the lap, and replaying them.
/// Used at open (PersistentFile), by `snapshot recover|status|verify`, and by read-only mappers.
enum Recovery {
    /// What the header area says.
    enum HeaderState {
        /// Zero-length, or no header copy ever completed: nothing can have been committed.
        case empty
        /// The previous release's undo log (LegacyLogV1.swift).
        case legacyV1
        /// `slot` is the index of the current copy.
        case current(LogHeader, slot: Int)
    }

    /// Throws for logs that are not Snapshot logs at all, of an unknown version, or whose header
    /// copies are both damaged: those are never touched.
    static func readHeader(log: UnsafeRawPointer?, size: Int, logPath: String, dataPath: String) throws -> HeaderState {
        guard let log = log, size > 0 else { return .empty }
        let keep = "the data of \(dataPath) was not touched"
        if size >= LogFormatV1.headerSize && loadU64(log, 0) == LogFormatV1.magic { return .legacyV1 }
        var best: (LogHeader, Int)?
        var damaged = 0, zero = 0
        for (k, off) in LogFormat.headerCopyOffsets.enumerated() {
            guard off + LogFormat.headerCopySize <= size else {
                // A log shorter than its header area: only an interrupted creation leaves that.
                // (Found by the recovery fuzzer: a log shorter than the second copy's offset.)
                if off >= size || (off..<size).allSatisfy({ log.load(fromByteOffset: $0, as: UInt8.self) == 0 }) { zero += 1; continue }
                throw SnapshotError(code: EBADMSG, description:
                    "snapshot: \(logPath) (the log of \(dataPath)) is truncated (\(size) bytes); \(keep) - if no Snapshot program was committing \(dataPath), remove the log")
            }
            switch LogHeader.read(log + off) {
            case .zero: zero += 1
            case .damaged: damaged += 1
            case .valid(let h): if best == nil || h.seq > best!.0.seq { best = (h, k) }
            case .otherVersion(let v):
                throw SnapshotError(code: EPROTO, description:
                    "snapshot: \(logPath) has log format version \(v), this Snapshot reads versions 1 to \(LogFormat.version); use the Snapshot release that wrote it to recover \(dataPath)")
            case .foreign:
                throw SnapshotError(code: EBADMSG, description:
                    "snapshot: \(logPath) is not a Snapshot log (bad magic); \(keep) - move that file away")
            }
        }
        // A damaged copy is a torn header write only if nothing was written under it: records
        // are written only after their header is durable (I3). Under the surviving (older) copy,
        // every record of an earlier lap has an epoch <= its base; a record at the start of the
        // lap under another salt with a later epoch was written under the damaged copy.
        let first = size >= LogFormat.recordsStart + LogFormat.recordHeaderSize ? RecordHeader.load(log + LogFormat.recordsStart, version: nil) : nil
        if damaged > 0, let f = first, best == nil || (f.salt != best!.0.salt && f.epoch > best!.0.baseEpoch) {
            throw SnapshotError(code: EBADMSG, description:
                "snapshot: the current header copy of \(logPath) (the log of \(dataPath)) fails its checksum while commits were written under it; \(keep) - the log is damaged, restore \(dataPath) from a backup or remove the log to accept the file as it is")
        }
        if let (h, k) = best { return .current(h, slot: k) }
        // Nothing valid. The very first header write being torn (the other copy never written)
        // is an interrupted creation; anything else is damage.
        if zero == LogFormat.headerCopyOffsets.count || (damaged == 1 && zero == 1) { return .empty }
        throw SnapshotError(code: EBADMSG, description:
            "snapshot: both header copies of \(logPath) (the log of \(dataPath)) fail their checksum; \(keep) - the log is damaged, restore \(dataPath) from a backup or remove the log to accept the file as it is")
    }

    /// One record of the lap.
    struct Record {
        var offset: Int
        var header: RecordHeader
    }

    /// The records of the current lap, in epoch order.
    struct Lap {
        var records: [Record] = []
        /// Epoch of the last record (the header's base epoch when there is none).
        var lastEpoch: UInt64 = 0
        /// Data file size after the last record (nil when there is none).
        var lastSize: UInt64?
        var lines = 0
        var runs = 0
        /// Damage that is not a crash artefact (the lap must not be replayed); nil when sound.
        var problem: String?
    }

    /// Walks the records from the start of the record area while each carries the header's salt,
    /// the next epoch and valid checksums. The first that does not is an interrupted commit, unless
    /// a valid successor follows it: then it is damage, reported in `problem`.
    static func scanLap(_ h: LogHeader, log: UnsafeRawPointer, size: Int, acceptTornBodies: Bool = false) -> Lap {
        var lap = Lap()
        lap.lastEpoch = h.baseEpoch
        var at = LogFormat.recordsStart
        while at + LogFormat.recordHeaderSize <= size {
            guard let r = RecordHeader.load(log + at, version: h.version), r.salt == h.salt, r.epoch == lap.lastEpoch &+ 1 else { break }
            guard r.length >= UInt64(LogFormat.recordHeaderSize), r.length % 64 == 0, r.length <= UInt64(size - at),
                  UInt64(r.payloadStart) <= r.length else {
                lap.problem = "record \(r.epoch) at log offset \(at) has an impossible length \(r.length)"
                break
            }
            var lines = 0, runs = 0
            var crc = chainSegment(0, snapshot_segment_crc(log + at + LogFormat.recordHeaderSize, Int(r.descBytes)))
            let malformed = forEachRun(r, log + at, fileSize: Int(clamping: r.fileSize), segment: { slot, bytes in
                crc = chainSegment(crc, snapshot_segment_crc(log + at + slot, bytes))
            }) { run in
                lines += (run.length + 63) / 64
                runs += 1
            }
            if crc != r.bodyCRC && !acceptTornBodies {
                if let next = nextValid(after: at, r, h, log: log, size: size) {
                    lap.problem = "record \(r.epoch) at log offset \(at) fails its checksum but record \(next) follows it"
                }
                break
            }
            if let m = malformed {
                lap.problem = "record \(r.epoch) at log offset \(at) is malformed (\(m))"
                break
            }
            lap.records.append(Record(offset: at, header: r))
            lap.lastEpoch = r.epoch
            lap.lastSize = r.fileSize
            lap.lines += lines
            lap.runs += runs
            at += Int(r.length)
        }
        return lap
    }

    /// The epoch of a valid record header right after a record whose body failed its checksum.
    private static func nextValid(after at: Int, _ r: RecordHeader, _ h: LogHeader, log: UnsafeRawPointer, size: Int) -> UInt64? {
        guard r.length >= 64, r.length % 64 == 0, r.length <= UInt64(size - at) else { return nil }
        let next = at + Int(r.length)
        guard next + LogFormat.recordHeaderSize <= size, let n = RecordHeader.load(log + next, version: h.version),
              n.salt == h.salt, n.epoch == r.epoch + 1 else { return nil }
        return n.epoch
    }

    /// Applies every record of the lap to the data file in order: size first when it grows, the
    /// runs, size last when it shrinks. Redo is idempotent: a crash in here means doing it again.
    /// `data` (ops' data mapping) must cover the largest size. Not made durable here.
    static func replay(_ lap: Lap, log: UnsafeRawPointer, currentSize: Int, ops: PersistenceOps) throws -> Int {
        var size = currentSize
        var lines = 0
        for rec in lap.records {
            let r = rec.header
            let newSize = Int(r.fileSize)
            if newSize > size { try ops.setDataSize(newSize) }
            let base = log + rec.offset
            _ = forEachRun(r, base, fileSize: newSize, segment: { _, _ in }) { run in
                ops.storeData(at: run.offset, from: base + run.slot, count: run.length)
                lines += (run.length + 63) / 64
                ops.event("replay-run")
            }
            if newSize < size { try ops.setDataSize(newSize) }
            size = newSize
        }
        return lines
    }

    /// Decodes the descriptors of the record `r` at `base`, whichever format: calls `segment` with
    /// each checksummed segment of its slots (slot offset and bytes, relative to the record; the
    /// descriptor block is the caller's) and `run` with each run of file data (clipped to
    /// `fileSize`), in order. Returns an explanation when the descriptors are malformed.
    static func forEachRun(_ r: RecordHeader, _ base: UnsafeRawPointer, fileSize: Int, segment: (Int, Int) -> Void,
                           _ run: (Descriptors.Run) throws -> Void) rethrows -> String? {
        let desc = base + LogFormat.recordHeaderSize
        if r.runsFormat {
            return try Descriptors.forEach(desc.assumingMemoryBound(to: UInt8.self), descBytes: Int(r.descBytes),
                                           runCount: Int(r.descriptorCount), fileSize: fileSize,
                                           slotStart: r.payloadStart, slotLimit: Int(r.length)) { one in
                segment(one.slot, one.length)
                try run(one)
            }
        }
        return try PageDescriptors.forEach(desc, descBytes: Int(r.descBytes), count: Int(r.descriptorCount), fileSize: fileSize,
                                           slotStart: r.payloadStart, slotLimit: Int(r.length)) { page in
            segment(page.slot, page.lineCount * 64)
            try PageDescriptors.forEachRun(page, fileSize: fileSize, run)
        }
    }

    /// The largest data size any record of the lap needs mapped.
    static func largestSize(_ lap: Lap, currentSize: Int) -> Int {
        lap.records.reduce(currentSize) { max($0, Int(clamping: $1.header.fileSize)) }
    }
}
