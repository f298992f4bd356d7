import CSnapshotPmem
import Glibc

/// One data file under Snapshot: its redo log, the single-writer lock, failure-atomic commits, and
/// recovery of the file when it is opened. The format is in LogFormat.swift.
///
/// Commit protocol: ONE ordering point per commit, plus two per lap.
///
///   commit N:  append record N (salt, epoch N, new size, descriptors, new contents, checksums)
///              at the log head; fence                 -- commit N is durable: acknowledge it
///              set the size, copy the runs working -> data file, no fence
///   lap start (when the next record does not fit, and on close/after recovery):
///              fence the data                         -- every applied commit is in the file
///              write the other header copy: new salt, base epoch = last commit; fence
///              -- every record of the old lap is dead; the next record goes to the start
///
/// Invariants (each one is what some crash state relies on):
///  I1. Data is applied only after the record describing it is durable. So the data file only
///      ever holds acknowledged or in-flight-and-durable commits, plus runs of the newest one
///      partly applied - which replay redoes.
///  I2. The log is the lap: the records after the current header's start, each with its salt,
///      consecutive epochs from base + 1, and valid checksums. Recovery replays exactly those, in
///      order (redo is idempotent, so replaying a record whose data is already there is harmless).
///      A record is written in one fence interval; a torn one fails its checksum and ends the lap,
///      and it was never acknowledged.
///  I3. A lap ends only after the data fence: when the new salt makes the old records dead, every
///      commit they held is in the file. The header copy written is never the current one, so a
///      torn header write leaves the previous header, and the old lap, valid.
///  I4. Salts differ between laps, so a stale record left in the log from an earlier lap (at any
///      position, with any epoch) can never join the current one.
///  I5. Page-cache records are 4096-aligned: rewriting a page never touches a record still needed.
///
/// Why redo and not an undo log: an undo log must make the undo image durable before touching the
/// data, and the data durable before the log is reused, which is at least two ordering points per
/// commit. Redo needs only the record's, and makes the data's amortised over a lap (thousands of
/// commits; see docs/runtime.md for the measurements). Reads never see the log: the program reads
/// its DRAM working copy, which already holds the new contents.
public final class PersistentFile {
    public let dataPath: String
    public let dataFD: Int32
    /// Lines replayed when the file was opened (0 when there was nothing to recover).
    public private(set) var recoveredLines = 0

    private var log: LogFile?
    let ops: PersistenceOps
    private let env = SnapshotEnvironment.shared
    /// Read once: the commit path tests plain booleans, not the environment object.
    private let tracing = SnapshotEnvironment.shared.tracing
    private let faults = SnapshotEnvironment.shared.faults
    /// SNAPSHOT_TEST_FAULT=eio-record-fence / eio-data-fence: one injected failure each, pending.
    private var injectRecordEIO = SnapshotEnvironment.shared.faults.contains(.eioRecordFence) { didSet { noteUnusual() } }
    private var injectDataEIO = SnapshotEnvironment.shared.faults.contains(.eioDataFence)
    private var identity: FileIdentity
    private var medium: Medium?
    /// The current header copy (its salt and base) and which slot holds it.
    private var header = LogHeader()
    private var headerSlot = 0
    /// Last durable commit; the next record's epoch is lastEpoch + 1.
    private var lastEpoch: UInt64 = 0
    /// Log offset of the next record.
    private var head = LogFormat.recordsStart
    private var recordsInLap = 0
    /// Size of the data file as the last commit left it.
    private var dataSize = 0
    /// A data ordering point failed: the kernel may have dropped the dirty pages (fsyncgate), so
    /// the lap is re-applied from the log before the next data fence is trusted.
    private var dataSuspect = false
    /// A record's fence failed: the record may or may not be durable, so the next commit starts a
    /// new lap (making it dead either way) instead of appending after it.
    private var recordUncertain = false { didSet { noteUnusual() } }
    /// The data file's size changed since the lap started (pmem: needs an fdatasync at lap end).
    private var sizeChangedInLap = false
    // Reused across commits: no allocation per commit.
    /// commit(runs:)'s pages and their descriptors (SNAPSHOT_DESC_MAX bytes per page, and a line
    /// of slack: the record copy reads whole lines).
    private var runPages = UnsafeMutablePointer<snapshot_dirty_page>.allocate(capacity: 256)
    private var runDesc = UnsafeMutablePointer<UInt8>.allocate(capacity: 256 * Int(SNAPSHOT_DESC_MAX) + 64)
    private var runPagesCapacity = 256
    private let scratchHeader = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
    private var traceBuffer: UnsafeMutableRawBufferPointer?
    /// The process that opened the file. A forked child shares the parent's lock (flock belongs to
    /// the open file description), so it must neither commit nor shrink the log behind its back.
    private let ownerPid = currentProcessID()
    private let ownerGeneration = snapshot_fork_generation()
    /// Writes and truncations that reach the file without a commit (OutsideChanges.swift).
    private var watch = OutsideChangeWatch()
    /// The log used instead of the one beside the file (see init).
    private let explicitLog: String?
    /// This object set the session mark (SessionMark.swift) and must remove it at a clean close.
    private var markSet = false
    /// The mark is set but not durable yet: the first record waits for an fsync of the data file.
    private var markNeedsSync = false { didSet { noteUnusual() } }
    /// Something on the commit path wants more than the plain protocol: a trace, a test fault, an
    /// uncertain record, a mark to sync. One stored flag, so that the usual commit tests it alone.
    private var unusual = false
    private func noteUnusual() { unusual = tracing || !faults.isEmpty || injectRecordEIO || recordUncertain || markNeedsSync }

    /// Opens/creates the log beside the data file, takes the single-writer lock (EBUSY naming the
    /// file if another process holds it), checks identity (foreign/corrupt log => error, data
    /// untouched), and replays the lap if the last session did not close the file.
    /// `logPath`: use that log (the one a session mark names) instead of the one beside the file,
    /// and follow no mark.
    public init(dataPath: String, dataFD: Int32, adopt: Bool = false, logPath: String? = nil) throws {
        self.dataPath = dataPath
        self.dataFD = dataFD
        ops = PersistenceOps(dataPath: dataPath)
        identity = FileIdentity()
        explicitLog = logPath
        noteUnusual()
        do {
            try open(adopt: adopt)
        } catch {
            log?.close()
            log = nil
            throw error
        }
    }

    deinit {
        close()
        runPages.deallocate()
        runDesc.deallocate()
        scratchHeader.deallocate()
        traceBuffer?.deallocate()
    }

    private func open(adopt: Bool) throws {
        var c = snapshot_file_identity()
        guard snapshot_file_identity(dataFD, &c) == 0 else {
            throw SnapshotError.errno("cannot stat \(dataPath)")
        }
        guard c.is_regular != 0 else {
            throw SnapshotError(code: EINVAL, description: "snapshot: \(dataPath) is not a regular file")
        }
        identity = FileIdentity(c)
        dataSize = Int(c.size)
        let mode = mode_t(c.mode & 0o666) | 0o600
        let mark = explicitLog == nil ? SessionMark.read(dataFD) : .absent
        if case .log(let marked) = mark {
            if marked != LogFile.logPath(for: dataPath) {
                try finishThroughMark(marked)
            } else if access(marked, F_OK) != 0 && errno == ENOENT {
                // Our own name's log, gone while the mark says a session may have commits in it:
                // creating a fresh one would accept a possibly torn file without a word.
                throw SessionMark.refusal(dataPath: dataPath, logPath: marked)
            }
        }
        let log: LogFile
        let created: Bool
        switch try LogFile.open(dataPath: dataPath, at: explicitLog, create: true, mode: mode) {
        case .opened(let l, let cr): log = l; created = cr
        case .busy: throw LogFile.busyError(dataPath: dataPath, logPath: explicitLog)
        case .missing: throw SnapshotError(code: ENOENT, description: "snapshot: the log of \(dataPath) vanished while opening it")
        }
        self.log = log
        try log.map()
        ops.setLog(base: log.base, fd: log.fd, path: log.path)
        let state = try Recovery.readHeader(log: log.base, size: log.capacity, logPath: log.path, dataPath: dataPath)
        let r = try PersistentFile.recoverOpenLog(log, dataFD: dataFD, identity: identity, dataSize: dataSize, adopt: adopt, ops: ops)
        recoveredLines = r.lines
        dataSize = r.size
        lastEpoch = r.epoch
        switch state {
        case .current(let h, let slot):
            header = h
            headerSlot = slot
            // A lap that was not retired (the writer died), a log bound to another file that
            // holds nothing, or a lap of format 2 (the previous release): start a new lap under a
            // new salt, bound to this file, in this format.
            if r.records > 0 || !h.identity.matches(identity) || h.version != LogFormat.version {
                try startLap(need: 0, afterRecovery: true)
            }
        case .empty:
            try startLap(need: 0, afterRecovery: true)
        case .legacyV1:
            // Rolled back (or clean) and durable: rewrite the log in this version from nothing. A crash
            // in between leaves an empty log, which holds nothing, which is true.
            try log.reset(ops: ops)
            try startLap(need: 0, afterRecovery: true)
        }
        if created { try log.syncDirectory() }
        try setMark(log.path, unsupported: mark == .unsupported, links: c.nlink)
        watch.refresh(dataFD)
    }

    /// An outside change found: report it, and take the file's size as it is now (the next commit
    /// sets the size it commits).
    @inline(never)
    private func outsideChange(_ what: String) -> SnapshotError {
        var now = snapshot_file_stamp()
        if snapshot_file_stamp(dataFD, &now) == 0 { dataSize = Int(now.size) }
        return OutsideChangeWatch.error(dataPath: dataPath, what)
    }

    /// The file was last written through another name's log (its session mark says so): that
    /// writer may still run (EBUSY), or have died with commits there, which are replayed now; a
    /// missing log cannot finish what it started (refused).
    private func finishThroughMark(_ other: String) throws {
        switch try LogFile.open(dataPath: dataPath, at: other, create: false, mode: 0o600) {
        case .busy: throw LogFile.busyError(dataPath: dataPath, logPath: other)
        case .missing: throw SessionMark.refusal(dataPath: dataPath, logPath: other)
        case .opened(let l, _):
            let pending = try PersistentFile.holdsCommits(l, of: identity)
            l.close()
            guard pending else { return }
            let earlier = try PersistentFile(dataPath: dataPath, dataFD: dataFD, logPath: other)
            recoveredLines += earlier.recoveredLines
            earlier.close()
            PersistentFile.removeIfOrphaned(log: other, dataFD: dataFD)
        }
    }

    /// Does `log` (locked, not mapped) hold records of the file `identity` not retired yet? Records
    /// of another file are refused (ESTALE), as recovery would refuse them.
    static func holdsCommits(_ log: LogFile, of identity: FileIdentity) throws -> Bool {
        try log.map()
        guard case .current(let h, _) = try Recovery.readHeader(log: log.base, size: log.capacity, logPath: log.path, dataPath: log.dataPath) else {
            return false   // empty, or a version-1 log (those predate marks)
        }
        let lap = Recovery.scanLap(h, log: log.base!, size: log.capacity)
        if lap.records.isEmpty && lap.problem == nil { return false }
        if !h.identity.matches(identity) {
            throw SnapshotError(code: ESTALE, description:
                "snapshot: \(log.dataPath) names the log \(log.path) as holding its commits, but that log holds commits of another file (log: \(h.identity.summary); file: \(identity.summary)); the data was not touched - if the two were copied or restored together run `snapshot recover --adopt \(log.dataPath)`")
        }
        return true
    }

    /// A log reached through a mark whose own name no longer leads to this file (renamed away,
    /// deleted): nobody else can use it, so it does not stay behind.
    static func removeIfOrphaned(log: String, dataFD: Int32) {
        guard let named = SessionMark.dataPath(ofLog: log) else { return }
        var a = stat(), b = stat()
        guard fstat(dataFD, &a) == 0 else { return }
        if stat(named, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev { _ = unlink(log) }
    }

    /// Marks the file with its log (SessionMark.swift). Where the filesystem keeps no mark, a
    /// file with several names could expose an interrupted commit through one of the others, so
    /// it is refused as a writer; a file with one name keeps the name-based lookup.
    private func setMark(_ logPath: String, unsupported: Bool, links: UInt64) throws {
        let code = unsupported ? ENOTSUP : SessionMark.set(dataFD, logPath: logPath)
        if code == 0 { markSet = true; markNeedsSync = true; return }
        if code == ENOTSUP || code == EOPNOTSUPP {
            if links > 1 {
                throw SnapshotError(code: EMLINK, description:
                    "snapshot: \(dataPath) has \(links) hard links and its filesystem stores no extended attributes, so a crash could leave a half-applied commit visible through another name; Snapshot refuses to write it: remove the other links, keep the file on a filesystem with user xattrs (ext4, xfs, btrfs, tmpfs), or exclude it with SNAPSHOT_EXCLUDE")
            }
            return
        }
        throw SnapshotError(code: code, description:
            "snapshot: cannot mark \(dataPath) with the location of its log (setxattr user.snapshot.log: \(errorText(code))); the data was not touched")
    }

    /// Before the first record of a session: the mark must be durable before anything needs it.
    @inline(never)
    private func syncMark() throws {
        while snapshot_sys_fsync(dataFD) != 0 {
            if errno == EINTR { continue }
            throw SnapshotError(code: errno, description:
                "snapshot: commit of \(dataPath): fsync of the file (to make its log mark durable) failed: \(errorText(errno)); nothing of this commit was applied")
        }
        ops.countOrderingPoint()
        markNeedsSync = false
    }

    /// What bringing a file up to date did.
    struct Recovered {
        /// Last commit now in the data file.
        var epoch: UInt64
        /// The data file's size after it.
        var size: Int
        var lines = 0
        /// Records replayed (versions 2 and 3) or 1 for a rolled-back version-1 commit.
        var records = 0
    }

    /// Brings the data file up to date with the log `log` (locked by the caller): rolls back a
    /// version-1 log, or replays a version-2 lap.
    /// lines replayed). The replayed data is durable; the lap is not retired here: the caller starts
    /// a new one.
    static func recoverOpenLog(_ log: LogFile, dataFD: Int32, identity: FileIdentity, dataSize: Int, adopt: Bool,
                               ops: PersistenceOps) throws -> Recovered {
        let keep = "the data was not touched"
        switch try Recovery.readHeader(log: log.base, size: log.capacity, logPath: log.path, dataPath: log.dataPath) {
        case .empty:
            return Recovered(epoch: 0, size: dataSize)
        case .legacyV1:
            switch try LegacyRecoveryV1.classify(log.base!, size: log.capacity, logPath: log.path, dataPath: log.dataPath) {
            case nil: return Recovered(epoch: 0, size: dataSize)
            case .clean(let e): return Recovered(epoch: e, size: dataSize)
            case .pending(let h):
                if let e = LegacyRecoveryV1.validate(h, log: log.base!, logSize: log.capacity, logPath: log.path, dataPath: log.dataPath,
                                                    identity: identity, dataSize: dataSize, adopt: adopt) { throw e }
                let lines = try withDataMapped(dataFD, size: dataSize, path: log.dataPath, ops: ops) {
                    try LegacyRecoveryV1.rollBack(h, log: log.base!, logSize: log.capacity, ops: ops)
                }
                return Recovered(epoch: h.epoch > 0 ? h.epoch - 1 : 0, size: dataSize, lines: lines, records: 1)
            }
        case .current(let h, _):
            let lap = Recovery.scanLap(h, log: log.base!, size: log.capacity,
                                       acceptTornBodies: SnapshotEnvironment.shared.faults.contains(.acceptTornRecords))
            if let p = lap.problem {
                throw SnapshotError(code: EBADMSG, description:
                    "snapshot: the log \(log.path) of \(log.dataPath) is damaged: \(p); \(keep) - restore \(log.dataPath) from a backup or remove the log to accept the file as it is")
            }
            if lap.records.isEmpty { return Recovered(epoch: h.baseEpoch, size: dataSize) }
            if !adopt && !h.identity.matches(identity) {
                throw SnapshotError(code: ESTALE, description:
                    "snapshot: the log \(log.path) holds commits of another file (log: \(h.identity.summary); \(log.dataPath): \(identity.summary)); \(keep) - if the file and its log were copied or restored together run `snapshot recover --adopt \(log.dataPath)`, otherwise remove the stale log")
            }
            let mapSize = Recovery.largestSize(lap, currentSize: dataSize)
            let lines = try withDataMapped(dataFD, size: mapSize, path: log.dataPath, ops: ops) { () -> Int in
                let n = try Recovery.replay(lap, log: log.base!, currentSize: dataSize, ops: ops)
                try ops.fence(.data)
                ops.event("replay-persisted")
                return n
            }
            return Recovered(epoch: lap.lastEpoch, size: Int(lap.lastSize ?? UInt64(dataSize)), lines: lines, records: lap.records.count)
        }
    }

    /// Runs `body` with the data file mapped (raw mmap, `size` bytes, page-cache ordering).
    private static func withDataMapped<T>(_ fd: Int32, size: Int, path: String, ops: PersistenceOps, _ body: () throws -> T) throws -> T {
        var data: UnsafeMutableRawPointer? = nil
        if size > 0 {
            data = mapped(snapshot_sys_mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
            guard data != nil else { throw SnapshotError.errno("cannot map \(path) to recover it") }
        }
        defer { if let d = data { _ = snapshot_sys_munmap(d, size) } }
        ops.setMedium(.pageCache)  // our own plain mapping: fdatasync is the ordering point
        ops.setData(base: data, fd: fd)
        return try body()
    }

    /// Ends the current lap: makes every applied commit durable in the data file (I3), grows the
    /// log if `need` bytes of records (or a longer lap) call for it, and writes the other header
    /// copy with a new salt and base = the last commit. The next record goes to the start.
    /// `afterRecovery`: the data is durable already (the replay fenced it), skip the data fence.
    /// `full`: the lap ended because it ran out of room (not at close): a log below its growth
    /// limit doubles, so that busy files take fewer lap ends.
    private func startLap(need: Int, afterRecovery: Bool = false, full: Bool = false) throws {
        guard let log = log else { return }
        if !afterRecovery {
            if ops.medium == .pmem, let what = watch.check(dataFD, expectedSize: dataSize, sizeOnly: true) {
                throw outsideChange(what)
            }
            if dataSuspect { try reapplyLap() }
            if !faults.contains(.noCheckpointFence) {
                if _slowPath(injectDataEIO) { injectDataEIO = false; ops.testFailNextFence = .data }
                do {
                    try ops.fence(.data)
                    // pmem_drain does not make a size change durable; fdatasync does.
                    if sizeChangedInLap && ops.medium == .pmem { try ops.syncFile(.data) }
                } catch {
                    dataSuspect = true
                    throw error
                }
            }
            ops.event("checkpoint-data-persisted")
        }
        sizeChangedInLap = false
        let limit = env.logLimit ?? LogFormat.autoGrowLimit
        let initial = min(LogFormat.initialCapacity, limit)
        var capacity = max(log.capacity, initial)
        if full && capacity < limit { capacity = min(2 * capacity, limit) }
        let records = LogFormat.recordsStart + need
        while capacity < records && capacity < limit { capacity *= 2 }
        // A commit bigger than the limit gets exactly the room it needs (whole MiB), not double.
        if capacity < records { capacity = LogFormat.align(records, 1 << 20) }
        try log.ensureCapacity(capacity, ops: ops)
        ops.setLog(base: log.base, fd: log.fd, path: log.path)
        var h = header
        h.version = LogFormat.version
        h.seq = header.seq &+ 1
        var salt = mix64(PersistentFile.nowNs() ^ (UInt64(UInt32(bitPattern: ownerPid)) << 32) ^ h.seq)
        if salt == header.salt { salt &+= 1 }
        h.salt = salt
        h.baseEpoch = lastEpoch
        h.baseSize = UInt64(dataSize)
        h.identity = identity
        h.timeNs = PersistentFile.nowNs()
        h.pid = UInt64(UInt32(bitPattern: ownerPid))
        h.medium = (medium ?? .pageCache).rawValue
        h.store(scratchHeader)
        // Never overwrite the current copy (I3); the very first one goes to slot 0.
        let slot = header.seq == 0 ? 0 : 1 - headerSlot
        ops.storeLog(at: LogFormat.headerCopyOffsets[slot], from: scratchHeader, count: LogFormat.headerCopySize)
        ops.event("checkpoint-header-written")
        try ops.fence(.log)
        ops.event("checkpoint-header-persisted")
        header = h
        headerSlot = slot
        head = LogFormat.recordsStart
        recordsInLap = 0
        recordUncertain = false
    }

    /// After a failed data fence: copy every record of the lap to the data file again, since the
    /// kernel may have thrown the dirty pages away while reporting the error only once.
    private func reapplyLap() throws {
        guard let log = log else { return }
        let lap = Recovery.scanLap(header, log: log.base!, size: log.capacity)
        let medium = ops.medium, base = ops.dataBase
        defer { ops.setMedium(medium); ops.setData(base: base, fd: dataFD) }
        try PersistentFile.withDataMapped(dataFD, size: Recovery.largestSize(lap, currentSize: dataSize), path: dataPath, ops: ops) {
            _ = try Recovery.replay(lap, log: log.base!, currentSize: dataSize, ops: ops)
            try ops.syncFile(.data)
        }
        watch.refresh(dataFD)
        dataSuspect = false
    }

    /// commit(pages:) of byte runs (sorted, disjoint, 64-byte aligned inside the file; the last may
    /// end at the file's end), for callers that do not collect pages. Invalid runs are refused
    /// (EINVAL) before anything is written.
    public func commit(runs: UnsafeBufferPointer<DirtyRun>, working: UnsafeRawPointer,
                       persistent: UnsafeMutableRawPointer, fileLength: Int) throws -> CommitStats {
        let n = try pagesOf(runs, fileLength: fileLength)
        var lines = 0
        let descBytes = snapshot_desc_encode(runPages, n, runDesc, &lines)   // ascending by construction
        precondition(descBytes >= 0, "snapshot: commit(runs:) built pages out of order")
        return try commit(pages: UnsafeBufferPointer(start: runPages, count: n), descriptors: runDesc, descBytes: descBytes,
                          lines: lines, working: working, persistent: persistent, fileLength: fileLength)
    }

    /// Failure-atomic commit of the dirty lines `pages` (page index ascending, no page twice, no
    /// line wholly past the end of the file) and of the size `fileLength` (see the type's comment).
    /// `descriptors`: their `descBytes` descriptor bytes as snapshot_desc_put / _encode wrote them
    /// (readable up to the next multiple of 64: the record copy moves them in whole lines),
    /// naming `lines` lines. `working`/`persistent` point at file offset 0 of the working copy and
    /// of a MAP_SHARED mapping of the file that covers `fileLength`. On error the file is at its
    /// previous committed state and nothing of this commit is applied.
    public func commit(pages: UnsafeBufferPointer<snapshot_dirty_page>, descriptors: UnsafeRawPointer?, descBytes: Int,
                       lines: Int, working: UnsafeRawPointer, persistent: UnsafeMutableRawPointer,
                       fileLength: Int) throws -> CommitStats {
        guard self.log != nil else {
            throw SnapshotError(code: EBADF, description: "snapshot: commit of \(dataPath) after its PersistentFile was closed")
        }
        guard snapshot_fork_generation_since_registered() == ownerGeneration else {
            throw SnapshotError(code: EPERM, description:
                "snapshot: commit of \(dataPath) from a forked child: the parent process (pid \(ownerPid)) is its writer; only one process may commit a file")
        }
        // One protocol, compiled twice: for a persistent-memory file that nothing watches (the
        // usual commit, each test below for a trace, a fault or the page cache folded away) and
        // for everything else. The crash harness runs the second copy, which is the same source.
        if _fastPath(!unusual && medium == .pmem && ops.plainPmem) {
            return try commit(pages, descriptors, descBytes, lines, working, persistent, fileLength, known: .plainPmem)
        }
        return try commit(pages, descriptors, descBytes, lines, working, persistent, fileLength, known: .nothing)
    }

    @inline(__always)
    private func commit(_ pages: UnsafeBufferPointer<snapshot_dirty_page>, _ descriptors: UnsafeRawPointer?, _ descBytes: Int,
                        _ lines: Int, _ working: UnsafeRawPointer, _ persistent: UnsafeMutableRawPointer,
                        _ fileLength: Int, known: PersistenceOps.Known) throws -> CommitStats {
        unowned(unsafe) let log = self.log!   // checked by the caller; held by self for the whole commit: no retain
        let plain = known == .plainPmem   // a constant in each copy
        let tracing = !plain && self.tracing
        let traceEpoch = _slowPath(tracing) ? TraceEpochs.next(dataPath) : 0
        if _slowPath(tracing), let ct = env.commitTrace {
            ct.line("begin", epoch: traceEpoch, digest: ImageDigest.wouldBe(fd: dataFD, size: fileLength, oldSize: dataSize, pages: pages,
                                                                           working: working, buffer: scratch()),
                    size: fileLength, path: dataPath)
        }
        // Nothing new: the last commit is durable already (its record was fenced).
        if hasNothingNew(runs: pages.count, size: fileLength) {
            finishTrace(traceEpoch, fileLength, known)
            return CommitStats()
        }
        ops.setData(base: persistent, fd: dataFD)
        let fencesBefore = ops.orderingPoints
        if !plain && medium == nil && !pages.isEmpty {
            let at = Int(pages[0].page) * 4096
            medium = PersistentFile.detectMedium(persistent + at, min(4096, fileLength - at))
        }
        let medium = plain ? .pmem : self.medium ?? .pageCache
        if !plain { ops.setMedium(medium) }
        if medium == .pageCache, let what = watch.check(dataFD, expectedSize: dataSize, sizeOnly: false) {
            throw outsideChange(what)
        }
        let dataBytes = try measure(pages, lines: lines, fileLength: fileLength)
        let slots = lines &* 64
        // Wrapping arithmetic on sizes bounded by the log's capacity: checked forms trap-test each.
        let payloadStart = LogFormat.recordHeaderSize &+ ((descBytes &+ 63) & ~63)
        let length = LogFormat.align(payloadStart &+ slots, LogFormat.recordGrain(medium))
        if (!plain && recordUncertain) || head &+ length > log.capacity {
            try startLap(need: length, full: head &+ length > log.capacity)
        }
        if !plain && _slowPath(markNeedsSync) { try syncMark() }
        let epoch = lastEpoch &+ 1
        let applyFirst = !plain && _slowPath(faults.contains(.applyBeforeLog))
        if applyFirst { apply(pages, working, fileLength, known) }

        // The record: descriptors and new contents (checksummed as they are copied), header last.
        ops.beginRecord(at: head, headerSize: LogFormat.recordHeaderSize, known)
        let crc = ops.appendBody(desc: descriptors, descBytes: descBytes, slotsStart: payloadStart &- LogFormat.recordHeaderSize,
                                 slotBytes: slots, pages: pages, working: working, known)
        var rh = RecordHeader()
        rh.medium = medium.rawValue
        rh.salt = header.salt
        rh.epoch = epoch
        rh.length = UInt64(length)
        rh.fileSize = UInt64(fileLength)
        rh.descriptorCount = UInt32(truncatingIfNeeded: pages.count)
        rh.descBytes = UInt32(truncatingIfNeeded: descBytes)
        rh.timeNs = PersistentFile.coarseNowNs()
        rh.bodyCRC = crc
        rh.store(scratchHeader)
        ops.finishRecord(header: scratchHeader, count: LogFormat.recordHeaderSize, known)
        ops.event("record-written", known)
        if !plain && _slowPath(injectRecordEIO) { injectRecordEIO = false; ops.testFailNextFence = .log }
        do {
            try ops.fence(.log, known)
        } catch {
            recordUncertain = true
            throw error
        }
        ops.event("record-persisted", known)
        // Durable: from here on the commit is acknowledged, whatever happens to the apply.
        head &+= length
        recordsInLap &+= 1
        lastEpoch = epoch
        if _fastPath(!applyFirst) { apply(pages, working, fileLength, known) }
        if fileLength < dataSize { resize(fileLength) }
        if medium == .pageCache { watch.refresh(dataFD) }
        finishTrace(traceEpoch, fileLength, known)
        // Bytes written to the log: the record without its alignment padding (never written).
        return CommitStats(lines: lines, logBytes: payloadStart &+ slots, dataBytes: dataBytes,
                           orderingPoints: ops.orderingPoints &- fencesBefore)
    }

    /// Copies the runs working -> data file (I1: only after their record is durable). A size
    /// increase comes first so that the new pages exist; a decrease is applied by the caller.
    @inline(__always)
    private func apply(_ pages: UnsafeBufferPointer<snapshot_dirty_page>, _ working: UnsafeRawPointer, _ fileLength: Int,
                       _ known: PersistenceOps.Known) {
        if fileLength > dataSize { resize(fileLength) }
        ops.storePages(pages, from: working, fileLength: fileLength, each: "data-run", known)
    }

    /// Sets the data file's size after its record is durable. A failure cannot fail the commit
    /// (it is acknowledged by its record): the lap is re-applied, size included, before it ends.
    private func resize(_ size: Int) {
        do { try ops.setDataSize(size) } catch {
            dataSuspect = true
            writeStderr("\(error); it is repaired from the log before the log is reused")
        }
        dataSize = size
        sizeChangedInLap = true
    }

    @inline(__always)
    private func finishTrace(_ traceEpoch: UInt64, _ fileLength: Int, _ known: PersistenceOps.Known) {
        if known == .plainPmem || _fastPath(!tracing) { return }
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

    /// The program set the file's times itself (utimensat, futimes...): the new mtime is not a
    /// change made behind the commit, so the outside-change watch takes the file as it now is.
    public func timesSetByProgram() { watch.refresh(dataFD) }

    /// Would a commit of no runs and of `size` do nothing at all (the last commit is durable, the
    /// size is the committed one, and no trace wants to see the commit)?
    @inline(__always)
    public func commitsNothing(size: Int) -> Bool { !tracing && log != nil && hasNothingNew(runs: 0, size: size) }

    /// No dirty run and the committed size: the last commit, durable already, is this one too.
    @inline(__always)
    private func hasNothingNew(runs: Int, size: Int) -> Bool { runs == 0 && size == dataSize }

    /// The bytes of file data the pages hold, after checking that their last line holds some
    /// (page indexes ascend, which their producers guarantee: the last page is the highest).
    @inline(__always)
    private func measure(_ pages: UnsafeBufferPointer<snapshot_dirty_page>, lines: Int, fileLength: Int) throws -> Int {
        guard let first = pages.baseAddress, pages.count > 0 else { return 0 }
        let last = first + (pages.count &- 1)
        // The usual commit: its last page ends inside the file, so every line is data (a page
        // names at least one line: checked in full below otherwise). A negative size clamps to 0,
        // so that it reaches the full check and is refused.
        if _fastPath(last.pointee.page < UInt64(truncatingIfNeeded: max(fileLength, 0) >> 12) && last.pointee.bits != 0) {
            return lines &* 64
        }
        let lastEnd = Int(truncatingIfNeeded: last.pointee.page &* 4096) &+ (64 &- last.pointee.bits.leadingZeroBitCount) &* 64
        if _slowPath(last.pointee.page >= UInt64(1) << 40 || last.pointee.bits == 0 || lastEnd &- 64 >= fileLength) {
            throw SnapshotError(code: EINVAL, description:
                "snapshot: commit of \(dataPath): dirty lines past the end of the \(fileLength)-byte file (page \(last.pointee.page))")
        }
        return lines &* 64 &- max(0, lastEnd &- fileLength)
    }

    /// Checks `runs` as commit(runs:) requires and turns them into pages in `runPages`; the count.
    private func pagesOf(_ runs: UnsafeBufferPointer<DirtyRun>, fileLength: Int) throws -> Int {
        let fileEnd = LogFormat.align64(fileLength)
        var nextLine = 0, n = 0
        for (k, r) in runs.enumerated() {
            let offset = r.offset, length = r.length
            let end = offset &+ length
            let misaligned = (offset | (end < fileLength ? length : 0)) & 63 != 0
            let outside = UInt(bitPattern: offset) >= UInt(bitPattern: fileLength) ||
                UInt(bitPattern: length &- 1) >= UInt(bitPattern: fileEnd &- offset)
            if misaligned || outside || offset >> 6 < nextLine {
                throw badRun(runs, k, fileLength: fileLength, nextLine: nextLine)
            }
            var line = offset >> 6
            let endLine = (end + 63) >> 6
            while line < endLine {
                let page = UInt64(line >> 6)
                if n == 0 || runPages[n - 1].page != page {
                    if n == runPagesCapacity {
                        let bigger = UnsafeMutablePointer<snapshot_dirty_page>.allocate(capacity: 2 * runPagesCapacity)
                        bigger.update(from: runPages, count: n)
                        runPages.deallocate()
                        runPages = bigger
                        runPagesCapacity *= 2
                        runDesc.deallocate()
                        runDesc = .allocate(capacity: runPagesCapacity * Int(SNAPSHOT_DESC_MAX) + 64)
                    }
                    runPages[n] = snapshot_dirty_page(page: page, bits: 0)
                    n += 1
                }
                // The lines of this run in this page, at once.
                let first = line & 63, count = min(endLine - line, 64 - first)
                let mask: UInt64 = count == 64 ? ~0 : ((1 << UInt64(count)) - 1) << UInt64(first)
                runPages[n - 1].bits |= mask
                line += count
            }
            nextLine = endLine
        }
        return n
    }

    @inline(never)
    private func badRun(_ runs: UnsafeBufferPointer<DirtyRun>, _ k: Int, fileLength: Int, nextLine: Int) -> SnapshotError {
        let r = runs[k]
        if r.offset >> 6 < nextLine && r.offset & 63 == 0 && r.length > 0 {
            return SnapshotError(code: EINVAL, description:
                "snapshot: commit of \(dataPath): dirty runs are not sorted and disjoint (run \(k) at offset \(r.offset))")
        }
        return SnapshotError(code: EINVAL, description:
            "snapshot: commit of \(dataPath): dirty run \(k) (offset \(r.offset), length \(r.length)) is not 64-byte aligned inside the \(fileLength)-byte file")
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

    /// A record's time stamp: only `snapshot status` shows it, and the coarse clock (one tick,
    /// a few ms) costs a fraction of the precise one on every commit.
    static func coarseNowNs() -> UInt64 { snapshot_coarse_now_ns() }

    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Retires the lap (data fence + new header, so the next open has nothing to replay), then
    /// releases the lock and the log's mapping and descriptor. A log grown by a large commit is
    /// shrunk back. If retiring fails the lap stays and the next open replays it.
    public func close() {
        guard let log = log else { return }
        if snapshot_fork_generation() == ownerGeneration {
            if recordsInLap > 0 || recordUncertain || dataSuspect {
                do { try startLap(need: 0) } catch {
                    writeStderr("snapshot: closing \(dataPath): \(error); the log keeps the commits and the next open replays them")
                }
            }
            if recordsInLap == 0 && !recordUncertain && !dataSuspect {
                log.shrink(ops: ops)
                if markSet { removeMark() }
            }
        }
        log.close()
        self.log = nil
    }

    /// The lap is retired: nothing in the log is missing from the file, so no name needs to find
    /// it. Durably, because a log may be removed right after (an orphan) and a mark left naming a
    /// missing log would refuse the file.
    private func removeMark() {
        if SessionMark.remove(dataFD) == 0 { _ = snapshot_sys_fsync(dataFD) }
        markSet = false
    }

    /// The runtime changed the real file itself outside a commit (it allocated blocks for the
    /// program's fallocate, which moves mtime): not an outside change.
    public func fileChangedByRuntime() { watch.refresh(dataFD) }

    /// The log's path for a data file (`.<name>.snapshot-log` beside it): the one definition.
    public static func logPath(for dataPath: String) -> String { LogFile.logPath(for: dataPath) }

    /// The last durable commit of the file.
    public var lastCommittedEpoch: UInt64 { lastEpoch }

    /// For read-only mappers and the CLI: brings the file at `dataPath` up to date if no writer
    /// holds the lock (a writer did that when it opened the file). Returns true if it replayed
    /// something.
    public static func recoverIfNeeded(dataPath: String) throws -> Bool {
        if case .recovered = try recover(dataPath: dataPath, adopt: false) { return true }
        return false
    }
}

/// splitmix64 finaliser: spreads a counter into a salt (uniqueness matters, secrecy does not).
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
