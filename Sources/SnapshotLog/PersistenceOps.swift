import CSnapshotPmem
import Glibc

/// How writes become durable.
enum Medium: UInt32 {
    /// Ordinary file in the page cache (or anything else): ordering point = fdatasync. Always
    /// correct, also on DAX.
    case pageCache = 0
    /// Persistent memory (pmem_is_pmem): non-temporal stores / flushes, ordering point = pmem_drain.
    case pmem = 1
}

/// The persistence primitives, and nothing else: every write to the data file or the log, every
/// size change and every ordering point goes through here, so that SNAPSHOT_PMTRACE sees all of
/// them and the policy (PersistentFile) never touches a medium directly.
///
/// Per medium:
/// - pmem: log and data written with non-temporal stores; one pmem_drain per ordering point
///   (it orders every file of this thread).
/// - page cache, log: a record is assembled in a reused staging buffer and written with one
///   pwrite, then fdatasync. (On ext4, pwrite + fdatasync of a preallocated, zero-filled log is a
///   pure block overwrite: no journal commit.)
/// - page cache, data: memcpy into the shared mapping; ordering point = fdatasync of the data file,
///   which also makes a size change durable.
final class PersistenceOps {
    enum Target { case log, data }
    /// What the caller has already tested. `.plainPmem`: `plainPmem` held when its commit began
    /// (nothing can change it during one), so the primitives, inlined into a copy of the commit
    /// compiled for that case, drop their own tests of the medium, the trace and crash points.
    enum Known { case nothing, plainPmem }

    private struct Mapping {
        var base: UnsafeMutableRawPointer? = nil
        var fd: Int32 = -1
        var path: String = ""
        var traceIndex: UInt32 = 0
    }

    private(set) var medium: Medium = .pageCache { didSet { plainPmem = plainPmemNow } }
    /// Persistent memory, and nothing watches the ordering points or wants crash points: what
    /// `Known.plainPmem` stands for.
    private(set) var plainPmem = false
    private var plainPmemNow: Bool { medium == .pmem && !watched && !eventsActive }
    private var log = Mapping()
    private var data = Mapping()
    private let trace: PMTraceWriter?
    private let dataPath: String
    /// Page cache: data written since the last data ordering point (no fdatasync otherwise).
    private var dataDirty = false

    // Page-cache log writes: a record under assembly, destined for log offset `stageOffset`.
    private static let stageLimit = 8 << 20
    private var stage: UnsafeMutableRawPointer?
    private var stageCapacity = 0
    private var stageOffset = 0
    private var stageCount = 0
    // The record being written (both media): where it starts, where the next byte goes, and
    // whether its header placeholder is still in the staging buffer.
    private var recordOffset = 0
    private var cursor = 0
    private var headerStaged = false
    /// A deferred write error (pwrite), reported by the next fence.
    private var writeError: SnapshotError?
    /// Ordering points taken so far (drains and fdatasyncs).
    private(set) var orderingPoints = 0
    /// Tests only: the next fence of this target fails with EIO (exercises the error paths).
    var testFailNextFence: Target? { didSet { watched = watchedNow; plainPmem = plainPmemNow } }
    /// Something watches or perturbs the ordering points (the trace, a test fault, an injected
    /// failure): the fence's usual path tests this one flag, not each of them.
    private var watched = false
    private var watchedNow: Bool { trace != nil || borrowFence || testFailNextFence != nil }
    /// SNAPSHOT_TEST_FAULT=borrow-fence (negative control of the per-thread fence model).
    private let borrowFence = SnapshotEnvironment.shared.faults.contains(.borrowFence)
    private var fencesAtRecordStart: UInt64 = 0

    /// The broken shortcut: wait a little for another thread's drain, then take it as our own.
    @inline(never)
    private func borrowedFence() -> Bool {
        usleep(200)
        return UInt64(snapshot_test_fences()) != fencesAtRecordStart
    }

    init(dataPath: String) {
        self.dataPath = dataPath
        trace = SnapshotEnvironment.shared.pmTrace
        data.path = dataPath
        watched = watchedNow
        if let t = trace { data.traceIndex = t.index(of: dataPath) }
    }

    deinit { stage?.deallocate() }

    func setMedium(_ m: Medium) { if medium != m { medium = m } }

    func setLog(base: UnsafeMutableRawPointer?, fd: Int32, path: String) {
        log.base = base; log.fd = fd
        if log.path != path {
            log.path = path
            if let t = trace { log.traceIndex = t.index(of: path) }
        }
    }

    /// Where data stores go (the path is the file's own, set once: this runs on every commit).
    @inline(__always)
    func setData(base: UnsafeMutableRawPointer?, fd: Int32) {
        data.base = base; data.fd = fd
    }

    /// The data mapping stores go to (saved and restored around a temporary one).
    var dataBase: UnsafeMutableRawPointer? { data.base }

    /// SNAPSHOT_CRASH_AT / _LIST, read once: events cost one predictable branch otherwise.
    private let eventsActive = SnapshotEnvironment.shared.eventsActive
    /// The record-body copy routines for this CPU (streaming for pmem, plain for the stage), chosen
    /// once: called directly on every commit.
    private let copyBodyStreaming = snapshot_record_body_routine(1)!
    private let copyBodyPlain = snapshot_record_body_routine(0)!
    /// The data copy routines, chosen the same way.
    private let copyPagesStreaming = snapshot_copy_pages_routine(1)!
    private let copyPagesPlain = snapshot_copy_pages_routine(0)!

    @inline(__always)
    func event(_ name: StaticString, _ known: Known = .nothing) {
        if known != .plainPmem && _slowPath(eventsActive) { CrashPoints.happened(name, dataPath, SnapshotEnvironment.shared) }
    }

    // MARK: data

    /// Copies `count` bytes to `offset` of the data file; durable after the next `fence(.data)`
    /// (on pmem, after any later drain).
    @inline(__always)
    func storeData(at offset: Int, from src: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        let dst = data.base! + offset
        if medium == .pmem {
            snapshot_nt_copy(dst, src, count)
        } else {
            dst.copyMemory(from: src, byteCount: count)
            dataDirty = true
        }
        if let tr = trace { tr.store(data.traceIndex, offset: offset, dst, count) }
    }

    /// storeData of each page's dirty lines of `working`, clipped to `fileLength`, in one call;
    /// with crash points or the trace on, run by run, the event `each` after every run (a crash
    /// point between runs).
    @inline(__always)
    func storePages(_ pages: UnsafeBufferPointer<snapshot_dirty_page>, from working: UnsafeRawPointer, fileLength: Int,
                    each: StaticString, _ known: Known = .nothing) {
        if known == .plainPmem {
            copyPagesStreaming(data.base!, working, pages.baseAddress, pages.count, fileLength)
            return
        }
        if trace == nil && !eventsActive {
            (medium == .pmem ? copyPagesStreaming : copyPagesPlain)(data.base!, working, pages.baseAddress, pages.count, fileLength)
            if medium != .pmem { dataDirty = true }
            return
        }
        // Run by run (crash points and the trace see each): storeData uses the same copy routine.
        for p in pages {
            PageDescriptors.forEachRun(PageDescriptors.Page(offset: Int(p.page) &* 4096, bits: p.bits, slot: 0),
                                       fileSize: fileLength) { r in
                storeData(at: r.offset, from: working + r.offset, count: r.length)
                event(each)
            }
        }
    }

    /// Sets the data file's size (durable at the next `fence(.data)`).
    func setDataSize(_ size: Int) throws {
        while ftruncate(data.fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw SnapshotError.errno("cannot set the size of \(dataPath) to \(size) bytes")
        }
        dataDirty = true
        if let tr = trace { tr.size(data.traceIndex, size) }
    }

    // MARK: log

    /// Copies `count` bytes to `offset` of the log, outside any record (header copies).
    func storeLog(at offset: Int, from src: UnsafeRawPointer, count: Int) {
        if medium == .pmem {
            snapshot_pmem_memcpy_nt(log.base! + offset, src, count)
            if let tr = trace { tr.store(log.traceIndex, offset: offset, src, count) }
        } else {
            flushStage()
            writeLog(src, count, offset)
        }
    }

    /// Starts a record at log offset `offset`: the first `headerSize` bytes are reserved for
    /// `finishRecord`, the body follows through `appendRecord`.
    @inline(__always)
    func beginRecord(at offset: Int, headerSize: Int, _ known: Known = .nothing) {
        if known != .plainPmem && _slowPath(borrowFence) { fencesAtRecordStart = UInt64(snapshot_test_fences()) }
        recordOffset = offset
        cursor = offset &+ headerSize
        if known != .plainPmem && medium != .pmem {
            flushStage()
            stageOffset = offset
            stageCount = headerSize
            ensureStage(headerSize)
            headerStaged = true
        }
    }

    /// Appends `count` bytes to the record and returns their segment checksum
    /// (snapshot_segment_crc), reading the source once.
    @inline(__always)
    func appendRecord(from src: UnsafeRawPointer, count: Int) -> UInt32 {
        if medium == .pmem {
            let dst = log.base! + cursor
            let crc = snapshot_nt_copy_crc(dst, src, count)
            if let tr = trace { tr.store(log.traceIndex, offset: cursor, dst, count) }
            cursor += count
            return crc
        }
        if stageCount + count > stageCapacity && !ensureStage(stageCount + count) {
            // Too big to stage whole: write what is staged, then stream this piece.
            flushStage()
            headerStaged = false
            if count > stageCapacity {
                writeLog(src, count, cursor)
                cursor += count
                return snapshot_segment_crc(src, count)
            }
            stageOffset = cursor
        }
        let crc = snapshot_copy_segment_crc(stage! + stageCount, src, count, 0)
        stageCount += count
        cursor += count
        return crc
    }

    /// Appends a whole record body in one pass: `descBytes` descriptor bytes from `desc` (readable
    /// up to `slotsStart`, a multiple of 64), then each page's dirty lines of `working` at
    /// consecutive slots from `slotsStart`. Returns the body's chained checksum (what chainSegment
    /// over appendRecord of each segment gives). `slotBytes`: the slots' total.
    @inline(__always)
    func appendBody(desc: UnsafeRawPointer?, descBytes: Int, slotsStart: Int, slotBytes: Int,
                    pages: UnsafeBufferPointer<snapshot_dirty_page>, working: UnsafeRawPointer, _ known: Known = .nothing) -> UInt32 {
        let total = slotsStart &+ slotBytes   // inside the log's capacity: wrapping, no trap test
        if known == .plainPmem {
            let crc = copyBodyStreaming(log.base! + cursor, desc, descBytes, slotsStart, pages.baseAddress, pages.count, working)
            cursor &+= total
            return crc
        }
        let dst: UnsafeMutableRawPointer
        if medium == .pmem {
            dst = log.base! + cursor
        } else if stageCount + total <= stageCapacity || ensureStage(stageCount + total) {
            dst = stage! + stageCount
            stageCount += total
        } else {
            return appendSegments(desc: desc, descBytes: descBytes, slotsStart: slotsStart, pages: pages, working: working)
        }
        let copy = medium == .pmem ? copyBodyStreaming : copyBodyPlain
        let crc = copy(dst, desc, descBytes, slotsStart, pages.baseAddress, pages.count, working)
        // The body is contiguous (whole lines, the padding before the slots included).
        if medium == .pmem, let tr = trace { tr.store(log.traceIndex, offset: cursor, dst, total) }
        cursor &+= total
        return crc
    }

    /// appendBody for a record too big to stage whole: segment by segment, streamed (a page's
    /// scattered lines gathered first: its slots are one segment).
    private func appendSegments(desc: UnsafeRawPointer?, descBytes: Int, slotsStart: Int,
                                pages: UnsafeBufferPointer<snapshot_dirty_page>, working: UnsafeRawPointer) -> UInt32 {
        let start = cursor
        var crc = chainSegment(0, descBytes > 0 ? appendRecord(from: desc!, count: descBytes) : 0)
        padRecord(to: start + slotsStart)
        let gathered = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
        defer { gathered.deallocate() }
        for p in pages {
            let page = working + Int(p.page) * 4096
            if p.bits == ~0 {
                crc = chainSegment(crc, appendRecord(from: page, count: 4096))
                continue
            }
            var n = 0
            var b = p.bits
            while b != 0 {
                (gathered + n).copyMemory(from: page + b.trailingZeroBitCount * 64, byteCount: 64)
                n += 64
                b &= b - 1
            }
            crc = chainSegment(crc, appendRecord(from: gathered, count: n))
        }
        return crc
    }

    /// Skips to log offset `offset` inside the record (padding; its bytes are not checksummed).
    func padRecord(to offset: Int) {
        let gap = offset - cursor
        guard gap > 0 else { return }
        if medium != .pmem {
            if stageCount + gap <= stageCapacity || ensureStage(stageCount + gap) {
                (stage! + stageCount).initializeMemory(as: UInt8.self, repeating: 0, count: gap)
                stageCount += gap
            } else {
                flushStage()
                headerStaged = false
                stageOffset = offset
            }
        }
        cursor = offset
    }

    /// Stores the record header (its checksum covers the body already appended) and, on the page
    /// cache, writes the record out; durable, with the body, after the next `fence(.log)`.
    @inline(__always)
    func finishRecord(header: UnsafeRawPointer, count: Int, _ known: Known = .nothing) {
        if known == .plainPmem && count == 64 {
            snapshot_stream_line(log.base! + recordOffset, header)
            return
        }
        if medium == .pmem {
            // The header is one line at a 64-aligned offset (the record grain): streamed inline.
            if count == 64 { snapshot_stream_line(log.base! + recordOffset, header) }
            else { snapshot_nt_copy(log.base! + recordOffset, header, count) }
            if let tr = trace { tr.store(log.traceIndex, offset: recordOffset, header, count) }
        } else if headerStaged && stageOffset == recordOffset {
            stage!.copyMemory(from: header, byteCount: count)
            flushStage()
        } else {
            flushStage()
            writeLog(header, count, recordOffset)
        }
    }

    @discardableResult
    private func ensureStage(_ need: Int) -> Bool {
        if need <= stageCapacity { return true }
        guard need <= PersistenceOps.stageLimit else { return false }
        let cap = min(PersistenceOps.stageLimit, max(need, 2 * stageCapacity, 64 * 1024))
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 4096)
        if let s = stage {
            bigger.copyMemory(from: s, byteCount: stageCount)
            s.deallocate()
        }
        stage = bigger
        stageCapacity = cap
        return true
    }

    private func flushStage() {
        guard stageCount > 0 else { return }
        writeLog(stage!, stageCount, stageOffset)
        stageCount = 0
    }

    /// pwrite of the whole range; a failure is kept for the next fence to report.
    private func writeLog(_ src: UnsafeRawPointer, _ count: Int, _ offset: Int) {
        if let tr = trace { tr.store(log.traceIndex, offset: offset, src, count) }
        var done = 0
        while done < count {
            let n = pwrite(log.fd, src + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                if writeError == nil { writeError = SnapshotError.errno("write to the log \(log.path) failed") }
                return
            }
            done += n
        }
    }

    // MARK: ordering points

    /// Ordering point: every earlier store to `t` is durable when this returns.
    /// pmem: one pmem_drain (orders every file). Page cache: fdatasync of the log, or of the data
    /// file if anything was written to it since its last one.
    @inline(__always)
    func fence(_ t: Target, _ known: Known = .nothing) throws {
        if known != .plainPmem && _slowPath(watched) { return try fenceWatched(t) }
        if known == .plainPmem || medium == .pmem {
            snapshot_pmem_drain()
            orderingPoints &+= 1
            return
        }
        try fenceFile(t)
    }

    /// fence() with what can watch it: an injected failure, the borrowed-fence fault, the trace.
    @inline(never)
    private func fenceWatched(_ t: Target) throws {
        if let f = testFailNextFence, f == t {
            testFailNextFence = nil
            throw SnapshotError(code: EIO, description: "snapshot: injected \(t == .log ? "log" : "data") fence failure (test)")
        }
        if medium == .pmem {
            if _slowPath(borrowFence) {
                if t == .log && borrowedFence() { return }
                snapshot_test_count_fence()
            }
            snapshot_pmem_drain()
            orderingPoints &+= 1
            if let tr = trace { tr.fence(PMTraceWriter.allFiles) }
            return
        }
        try fenceFile(t)
    }

    /// The page cache's ordering point: the staged record written, then fdatasync of the target
    /// (none for the data file when nothing was written to it since its last one).
    @inline(__always)
    private func fenceFile(_ t: Target) throws {
        if t == .log {
            flushStage()
            if let e = writeError {
                writeError = nil
                throw e
            }
        } else if !dataDirty {
            return
        }
        try syncFile(t)
    }

    /// fdatasync of the target's file: its stores and its size become durable.
    func syncFile(_ t: Target) throws {
        if t == .log { flushStage() }
        let m = t == .log ? log : data
        while snapshot_sys_fdatasync(m.fd) != 0 {
            if errno == EINTR { continue }
            throw SnapshotError.errno("fdatasync of \(m.path) failed")
        }
        orderingPoints += 1
        if t == .data { dataDirty = false }
        if let tr = trace { tr.fence(m.traceIndex) }
    }

    /// An ordering point taken outside this type (the session mark's fsync): counted, not traced
    /// (the power model then assumes less is durable, never more).
    func countOrderingPoint() { orderingPoints += 1 }

    /// The target's file now has `size` bytes (durable at the next fence / syncFile).
    func sizeChanged(_ t: Target, _ size: Int) {
        if let tr = trace { tr.size(t == .log ? log.traceIndex : data.traceIndex, size) }
    }

    /// The commit is acknowledged and its thread is about to release the file's mutex.
    func commitDone(epoch: UInt64) {
        if let tr = trace {
            tr.commitDone(data.traceIndex, epoch: epoch)
            tr.release(data.traceIndex)
        }
    }
}
