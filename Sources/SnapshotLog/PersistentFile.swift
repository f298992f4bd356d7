import CSnapshotPmem
import Glibc

/// One data file under Snapshot: its undo log, the single-writer lock, failure-atomic commits, and
/// recovery of an interrupted commit when it is opened.
///
/// Commit protocol (four ordering points, each necessary):
///  1. store descriptors + undo images (committed contents, read from `persistent`) + header body,
///     fence                                   -- the log is complete but not yet valid
///  2. store tag = pending|epoch, fence        -- from here a crash rolls back
///  3. copy each run working -> persistent (NT stores on pmem), fence (drain / msync of the pages)
///  4. store tag = clean|epoch, fence          -- the commit is acknowledged only after this
/// Validity is the single 8-byte tag, so no torn write can fake a valid log (see LogFormat).
public final class PersistentFile {
    public let dataPath: String
    public let dataFD: Int32
    /// Lines rolled back when the file was opened (0 when there was nothing to recover).
    public private(set) var recoveredLines = 0

    private var log: LogFile?
    let ops: PersistenceOps
    private var identity: FileIdentity
    private var medium: Medium?
    private var lastEpoch: UInt64 = 0
    // Reused across commits: no allocation per commit.
    private var desc: UnsafeMutablePointer<UInt8>
    private var descCapacity = 4096
    private let header = UnsafeMutableRawPointer.allocate(byteCount: LogFormat.headerSize, alignment: 64)
    private var traceBuffer: UnsafeMutableRawBufferPointer?
    /// The process that opened the file. A forked child shares the parent's lock (flock belongs to
    /// the open file description), so it must neither commit nor shrink the log behind its back.
    private let ownerPid = currentProcessID()
    private let ownerGeneration = snapshot_fork_generation()

    /// Opens/creates the undo log beside the data file, takes the single-writer lock (EBUSY naming
    /// the file if another process holds it), checks identity (foreign/corrupt log => error, data
    /// untouched), and recovers an interrupted commit (mapping the file itself to do so).
    public init(dataPath: String, dataFD: Int32) throws {
        self.dataPath = dataPath
        self.dataFD = dataFD
        ops = PersistenceOps(dataPath: dataPath)
        desc = .allocate(capacity: descCapacity)
        identity = FileIdentity()
        do {
            try open()
        } catch {
            log?.close()
            log = nil
            throw error
        }
    }

    deinit {
        close()
        desc.deallocate()
        header.deallocate()
        traceBuffer?.deallocate()
    }

    private func open() throws {
        var c = snapshot_file_identity()
        guard snapshot_file_identity(dataFD, &c) == 0 else {
            throw SnapshotError.errno("cannot stat \(dataPath)")
        }
        guard c.is_regular != 0 else {
            throw SnapshotError(code: EINVAL, description: "snapshot: \(dataPath) is not a regular file")
        }
        identity = FileIdentity(c)
        let mode = mode_t(c.mode & 0o666) | 0o600
        let log: LogFile
        let created: Bool
        switch try LogFile.open(dataPath: dataPath, create: true, mode: mode) {
        case .opened(let l, let cr): log = l; created = cr
        case .busy: throw LogFile.busyError(dataPath: dataPath)
        case .missing: throw SnapshotError(code: ENOENT, description: "snapshot: the undo log of \(dataPath) vanished while opening it")
        }
        self.log = log
        try log.map()
        ops.setLog(base: log.base, fd: log.fd, path: log.path)

        switch try Recovery.classify(log: log.base, size: log.capacity, logPath: log.path, dataPath: dataPath) {
        case .empty:
            try writeFreshHeader(epoch: 0, tag: LogFormat.tag(.clean, epoch: 0))
            try log.syncDirectory()
        case .clean(let h):
            lastEpoch = h.tagEpoch
            if created { try log.syncDirectory() }
            // A stale log of a former file at this path, or a body torn by an interrupted attempt:
            // nothing is pending, so rebind the log to this file (keeps `snapshot verify` meaningful).
            if LogHeader.computeCRC(log.base!) != h.headerCRC || !h.identity.matches(identity) {
                try writeFreshHeader(epoch: lastEpoch, tag: h.tag)
            }
        case .pending(let h):
            if let e = Recovery.validatePending(h, log: log.base!, logSize: log.capacity, logPath: log.path,
                                                dataPath: dataPath, identity: identity, dataSize: Int(c.size), adopt: false) {
                throw e
            }
            recoveredLines = try PersistentFile.rollBackMapped(h, log: log, dataFD: dataFD, dataSize: Int(c.size), ops: ops)
            lastEpoch = h.epoch > 0 ? h.epoch - 1 : 0
        }
    }

    /// Rolls a validated pending log back onto the data file through a private raw mapping of it.
    static func rollBackMapped(_ h: LogHeader, log: LogFile, dataFD: Int32, dataSize: Int, ops: PersistenceOps) throws -> Int {
        var data: UnsafeMutableRawPointer? = nil
        if dataSize > 0 {
            data = snapshot_sys_mmap(nil, dataSize, PROT_READ | PROT_WRITE, MAP_SHARED, dataFD, 0)
            guard data != nil else { throw SnapshotError.errno("cannot map \(log.dataPath) to recover it") }
        }
        defer { if let d = data { _ = snapshot_sys_munmap(d, dataSize) } }
        ops.setMedium(.pageCache)  // our own plain mapping: msync is the ordering point
        ops.setData(base: data, fd: dataFD)
        ops.setLog(base: log.base, fd: log.fd, path: log.path)
        return try Recovery.rollBack(h, log: log.base!, logSize: log.capacity, ops: ops)
    }

    /// Header with no commit pending, bound to this file; made durable.
    private func writeFreshHeader(epoch: UInt64, tag: UInt64) throws {
        guard let log = log else { return }
        try log.ensureCapacity(LogFormat.initialCapacity, medium: .pageCache, ops: ops)
        var h = LogHeader()
        h.tag = tag
        h.identity = identity
        h.epoch = epoch
        h.undoOffset = UInt64(LogFormat.descriptorOffset)
        h.pid = UInt64(currentProcessID())
        h.store(header)
        ops.setLog(base: log.base, fd: log.fd, path: log.path)
        ops.store(.log, at: 0, from: header, count: LogFormat.headerSize)
        try ops.fence(.log)
    }

    /// Failure-atomic commit of `runs` (see the type's comment). `working`/`persistent` point at
    /// file offset 0 of the working copy and of a MAP_SHARED mapping of the file; only the ranges
    /// covered by runs are touched. On error the file is at its previous committed state (or, if
    /// even rolling back failed, the log stays pending and the next open restores it).
    public func commit(runs: UnsafeBufferPointer<DirtyRun>, working: UnsafeRawPointer,
                       persistent: UnsafeMutableRawPointer, fileLength: Int) throws -> CommitStats {
        guard let log = log else {
            throw SnapshotError(code: EBADF, description: "snapshot: commit of \(dataPath) after its PersistentFile was closed")
        }
        guard snapshot_fork_generation() == ownerGeneration else {
            throw SnapshotError(code: EBUSY, description:
                "snapshot: commit of \(dataPath) from a forked child: the parent process (pid \(ownerPid)) is its writer; only one process may commit a file")
        }
        let env = SnapshotEnvironment.shared
        let (descBytes, lines, dataBytes) = try encode(runs, fileLength: fileLength)
        ops.setData(base: persistent, fd: dataFD)
        let traceEpoch = env.tracing ? TraceEpochs.next(dataPath) : 0
        if let ct = env.commitTrace {
            ct.line("begin", epoch: traceEpoch, digest: ImageDigest.wouldBe(fd: dataFD, size: fileLength, runs: runs, working: working, buffer: scratch()),
                    size: fileLength, path: dataPath)
        }
        if runs.isEmpty {
            finishTrace(env, traceEpoch, fileLength)
            return CommitStats()
        }
        if medium == nil {
            let m = PersistentFile.detectMedium(persistent + runs[0].offset, min(runs[0].length, fileLength - runs[0].offset))
            medium = m
        }
        ops.setMedium(medium!)

        let skipUndo = env.fault == .skipUndo
        let loggedDesc = skipUndo ? 0 : descBytes
        let loggedLines = skipUndo ? 0 : lines
        let undoOffset = LogFormat.align64(LogFormat.descriptorOffset + loggedDesc)
        try log.ensureCapacity(undoOffset + loggedLines * 64, medium: medium!, ops: ops)
        ops.setLog(base: log.base, fd: log.fd, path: log.path)
        let epoch = lastEpoch + 1

        // 1. Undo images (committed contents), descriptors and header body; then persist.
        var crc = chainSegment(0, ops.storeChecksummed(.log, at: LogFormat.descriptorOffset, from: desc, count: loggedDesc))
        var undoBytes = 0
        if !skipUndo {
            var slot = undoOffset
            for r in runs {
                let len = min(r.offset + r.length, fileLength) - r.offset
                crc = chainSegment(crc, ops.storeChecksummed(.log, at: slot, from: persistent + r.offset, count: len))
                slot += (r.length + 63) & ~63
                undoBytes += len
            }
        }
        var h = LogHeader()
        h.tag = LogFormat.tag(.clean, epoch: lastEpoch)
        h.identity = identity
        h.fileSize = UInt64(fileLength)
        h.epoch = epoch
        h.timeNs = PersistentFile.nowNs()
        h.runCount = UInt64(skipUndo ? 0 : runs.count)
        h.lineCount = UInt64(loggedLines)
        h.descBytes = UInt64(loggedDesc)
        h.undoOffset = UInt64(undoOffset)
        h.entriesCRC = crc
        h.medium = medium!.rawValue
        h.pid = UInt64(currentProcessID())
        h.store(header)
        // The tag word (bytes 8..<16) is not rewritten: it stays clean until step 2. The reserved
        // tail of the header is zero on disk already (every full header write zeroes it).
        ops.store(.log, at: 16, from: header + 16, count: LogFormat.headerUsedEnd - 16)
        ops.event("undo-written")
        try ops.fence(.log)
        ops.event("undo-persisted")

        // 2. Mark the log valid.
        ops.storeWord(.log, at: LogFormat.Offset.tag, LogFormat.tag(.pending, epoch: epoch))
        ops.event("log-valid")
        do {
            try ops.fence(.log)
            ops.event("log-valid-persisted")
            if env.fault == .earlyInvalidate {
                try invalidate(epoch)
            }
            // 3. Copy the dirty runs into the file; persist.
            for r in runs {
                let len = min(r.offset + r.length, fileLength) - r.offset
                ops.store(.data, at: r.offset, from: working + r.offset, count: len)
                ops.event("data-run")
            }
            try ops.fence(.data)
            ops.event("data-persisted")
            // 4. Invalidate the log; the commit is durable once this is.
            try invalidate(epoch)
        } catch let e as SnapshotError {
            throw rollBackAfterFailure(h, e)
        }
        lastEpoch = epoch
        finishTrace(env, traceEpoch, fileLength)
        return CommitStats(lines: lines, logBytes: loggedDesc + undoBytes + (LogFormat.headerUsedEnd - 16) + 16, dataBytes: dataBytes)
    }

    private func invalidate(_ epoch: UInt64) throws {
        ops.storeWord(.log, at: LogFormat.Offset.tag, LogFormat.tag(.clean, epoch: epoch))
        ops.event("log-invalidated")
        try ops.fence(.log)
        ops.event("log-invalidated-persisted")
    }

    /// A write or fence failed after the log became valid: put the committed contents back now
    /// (instead of leaving it to the next open) so the caller sees the previous committed state.
    private func rollBackAfterFailure(_ h: LogHeader, _ e: SnapshotError) -> SnapshotError {
        guard let log = log else { return e }
        do {
            try Recovery.rollBack(h, log: log.base!, logSize: log.capacity, ops: ops)
            return SnapshotError(code: e.code, description: e.description + "; the commit was rolled back, \(dataPath) keeps its previous committed contents")
        } catch {
            return SnapshotError(code: e.code, description: e.description +
                "; rolling back failed too (\(error)): the undo log stays valid and the next open of \(dataPath) restores its previous committed contents")
        }
    }

    private func finishTrace(_ env: SnapshotEnvironment, _ traceEpoch: UInt64, _ fileLength: Int) {
        if let ct = env.commitTrace {
            ct.line("commit", epoch: traceEpoch, digest: ImageDigest.file(fd: dataFD, size: fileLength, buffer: scratch()),
                    size: fileLength, path: dataPath)
        }
        if env.pmTrace != nil { ops.commitDone(epoch: traceEpoch) }
    }

    private func scratch() -> UnsafeMutableRawBufferPointer {
        if let b = traceBuffer { return b }
        let b = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        traceBuffer = b
        return b
    }

    /// Validates the runs and encodes their descriptors into `desc`.
    /// Returns (descriptor bytes, lines, data bytes).
    private func encode(_ runs: UnsafeBufferPointer<DirtyRun>, fileLength: Int) throws -> (Int, Int, Int) {
        let need = runs.count * 20
        if need > descCapacity {
            desc.deallocate()
            descCapacity = max(need, 2 * descCapacity)
            desc = .allocate(capacity: descCapacity)
        }
        let fileEnd = LogFormat.align64(fileLength)
        var out = 0, lines = 0, bytes = 0
        var nextLine = 0
        for (k, r) in runs.enumerated() {
            let end = r.offset &+ r.length
            guard r.offset >= 0, r.offset & 63 == 0, r.length > 0, r.offset < fileLength, end <= fileEnd,
                  r.length & 63 == 0 || end >= fileLength else {
                throw SnapshotError(code: EINVAL, description:
                    "snapshot: commit of \(dataPath): dirty run \(k) (offset \(r.offset), length \(r.length)) is not 64-byte aligned inside the \(fileLength)-byte file")
            }
            let start = r.offset >> 6
            guard start >= nextLine else {
                throw SnapshotError(code: EINVAL, description:
                    "snapshot: commit of \(dataPath): dirty runs are not sorted and disjoint (run \(k) at offset \(r.offset))")
            }
            let count = (r.length + 63) >> 6
            out += Descriptors.put(UInt64(start - nextLine), desc + out)
            out += Descriptors.put(UInt64(count - 1), desc + out)
            nextLine = start + count
            lines += count
            bytes += min(end, fileLength) - r.offset
        }
        return (out, lines, bytes)
    }

    nonisolated(unsafe) private static var warnedNoPmem = false

    /// pmem_is_pmem on the first run (libpmem is loaded here, at the first commit, not before).
    private static func detectMedium(_ addr: UnsafeMutableRawPointer, _ len: Int) -> Medium {
        if snapshot_pmem_load() != 0 {
            if !warnedNoPmem && !SnapshotEnvironment.shared.quiet {
                warnedNoPmem = true
                writeStderr(String(cString: snapshot_pmem_error()))
            }
            return .pageCache
        }
        return snapshot_pmem_is_pmem(addr, len) != 0 ? .pmem : .pageCache
    }

    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Releases the lock and the log's mapping and descriptor. The log file stays, clean (and
    /// shrunk if a large commit grew it), so `snapshot status` can still report the last commit.
    public func close() {
        guard let log = log else { return }
        if snapshot_fork_generation() == ownerGeneration { log.shrink(ops: ops) }
        log.close()
        self.log = nil
    }

    /// For read-only mappers and the CLI: recovers an interrupted commit of the file at `dataPath`
    /// if no writer holds the lock (a writer recovered it when it opened the file). Returns true if
    /// it rolled something back.
    public static func recoverIfNeeded(dataPath: String) throws -> Bool {
        if case .rolledBack = try recover(dataPath: dataPath, adopt: false) { return true }
        return false
    }
}
