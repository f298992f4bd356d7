import CSnapshotPmem
import Glibc

/// How writes become durable.
enum Medium: UInt32 {
    /// Ordinary file in the page cache (or anything else): ordering point = msync(MS_SYNC) of the
    /// touched pages / fdatasync. Always correct, also on DAX.
    case pageCache = 0
    /// Persistent memory (pmem_is_pmem): non-temporal stores / flushes, ordering point = pmem_drain.
    case pmem = 1
}

/// The one persistence layer: every write to the data file or the undo log, and every ordering
/// point, goes through here, so that SNAPSHOT_PMTRACE sees all of them. (Crash points are named by
/// the protocol code, which calls `event` between steps.)
///
/// Per medium, the cheapest durable way (measured, see the engine report):
/// - pmem: log and data written with non-temporal stores / flushes, one pmem_drain per fence.
/// - page cache, data: memcpy into the shared mapping, msync(MS_SYNC) of the touched pages.
/// - page cache, log: pwrite (undo images staged in a reused 1 MiB buffer, checksummed on the way)
///   and fdatasync. On ext4 this was 2-3x faster than memcpy + msync for the small log writes of
///   a commit (msync of a written-to mapping pays page_mkwrite journalling); the log mapping is
///   still used for reading, which the shared page cache keeps coherent.
final class PersistenceOps {
    enum Target { case log, data }

    private struct Mapping {
        var base: UnsafeMutableRawPointer? = nil
        var fd: Int32 = -1
        var path: String = ""
        var traceIndex: UInt32 = 0
    }

    private(set) var medium: Medium = .pageCache
    private var log = Mapping()
    private var data = Mapping()
    private let trace: PMTraceWriter?
    private let dataPath: String

    // Page-cache mode: data pages touched since the last ordering point (runs are sorted: a list
    // of page intervals).
    private var dataRanges: UnsafeMutablePointer<Int>
    private var dataRangeCount = 0
    private var dataRangeCapacity = 64
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    // Page-cache log writes: staged bytes destined for log offset `stageOffset`.
    private static let stageCapacity = 1 << 20
    private var stage: UnsafeMutableRawPointer?
    private var stageOffset = 0
    private var stageCount = 0
    /// A deferred write error (pwrite), reported by the next fence.
    private var writeError: SnapshotError?
    /// Tests only: the next fence of this target fails with EIO (exercises the rollback path).
    var testFailNextFence: Target?

    init(dataPath: String) {
        self.dataPath = dataPath
        trace = SnapshotEnvironment.shared.pmTrace
        dataRanges = .allocate(capacity: 2 * dataRangeCapacity)
    }

    deinit {
        dataRanges.deallocate()
        stage?.deallocate()
    }

    func setMedium(_ m: Medium) { medium = m }

    func setLog(base: UnsafeMutableRawPointer?, fd: Int32, path: String) {
        log.base = base; log.fd = fd
        if log.path != path {
            log.path = path
            if let t = trace { log.traceIndex = t.index(of: path) }
        }
    }

    func setData(base: UnsafeMutableRawPointer?, fd: Int32) {
        data.base = base; data.fd = fd
        if data.path != dataPath {
            data.path = dataPath
            if let t = trace { data.traceIndex = t.index(of: dataPath) }
        }
    }

    var traceIndexOfData: UInt32 { data.traceIndex }

    @inline(__always)
    func event(_ name: StaticString) { CrashPoints.event(name, dataPath) }

    /// Copies `count` bytes to `offset` of the target; durable after the next `fence` of it.
    @inline(__always)
    func store(_ t: Target, at offset: Int, from src: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        if medium == .pmem {
            let dst = (t == .log ? log.base! : data.base!) + offset
            snapshot_pmem_memcpy_nt(dst, src, count)
            if let tr = trace { tr.store(t == .log ? log.traceIndex : data.traceIndex, offset: offset, dst, count) }
        } else if t == .log {
            flushStage()
            writeLog(src, count, offset)
            if let tr = trace { tr.store(log.traceIndex, offset: offset, src, count) }
        } else {
            let dst = data.base! + offset
            dst.copyMemory(from: src, byteCount: count)
            noteDirty(t, offset, count)
            if let tr = trace { tr.store(data.traceIndex, offset: offset, dst, count) }
        }
    }

    /// Copies like `store` and returns the segment checksum of the bytes (snapshot_segment_crc),
    /// reading the source once: used for the undo images, whose source is the persistent copy.
    @inline(__always)
    func storeChecksummed(_ t: Target, at offset: Int, from src: UnsafeRawPointer, count: Int) -> UInt32 {
        if medium == .pmem || t == .data {
            let dst = (t == .log ? log.base! : data.base!) + offset
            let crc = snapshot_copy_segment_crc(dst, src, count, medium == .pmem ? 1 : 0)
            if medium != .pmem { noteDirty(t, offset, count) }
            if let tr = trace { tr.store(t == .log ? log.traceIndex : data.traceIndex, offset: offset, dst, count) }
            return crc
        }
        // Page-cache log: checksum into the staging buffer, written with one pwrite per MiB.
        if count > PersistenceOps.stageCapacity {
            flushStage()
            writeLog(src, count, offset)
            if let tr = trace { tr.store(log.traceIndex, offset: offset, src, count) }
            return snapshot_segment_crc(src, count)
        }
        if stageCount > 0 && (stageOffset + stageCount != offset || stageCount + count > PersistenceOps.stageCapacity) {
            flushStage()
        }
        if stage == nil { stage = .allocate(byteCount: PersistenceOps.stageCapacity, alignment: 4096) }
        if stageCount == 0 { stageOffset = offset }
        let dst = stage! + stageCount
        let crc = snapshot_copy_segment_crc(dst, src, count, 0)
        stageCount += count
        if let tr = trace { tr.store(log.traceIndex, offset: offset, dst, count) }
        return crc
    }

    private func flushStage() {
        guard stageCount > 0 else { return }
        writeLog(stage!, stageCount, stageOffset)
        stageCount = 0
    }

    /// pwrite of the whole range; a failure is kept for the next fence to report.
    private func writeLog(_ src: UnsafeRawPointer, _ count: Int, _ offset: Int) {
        var done = 0
        while done < count {
            let n = pwrite(log.fd, src + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                if writeError == nil { writeError = SnapshotError.errno("write to the undo log \(log.path) failed") }
                return
            }
            done += n
        }
    }

    /// One aligned 8-byte store (the log tag): failure-atomic on every medium.
    func storeWord(_ t: Target, at offset: Int, _ value: UInt64) {
        var v = value.littleEndian
        if medium != .pmem && t == .log {
            flushStage()
            withUnsafeBytes(of: &v) { writeLog($0.baseAddress!, 8, offset) }
            if let tr = trace { withUnsafeBytes(of: &v) { tr.store(log.traceIndex, offset: offset, $0.baseAddress!, 8) } }
            return
        }
        let dst = (t == .log ? log.base! : data.base!) + offset
        dst.storeBytes(of: v, as: UInt64.self)
        if medium == .pmem {
            snapshot_pmem_flush(dst, 8)
        } else {
            noteDirty(t, offset, 8)
        }
        if let tr = trace { tr.store(t == .log ? log.traceIndex : data.traceIndex, offset: offset, dst, 8) }
    }

    /// Ordering point: every earlier store to `t` is durable when this returns.
    /// pmem: one pmem_drain (orders every file). Page cache: fdatasync of the log / msync of
    /// exactly the touched data pages.
    func fence(_ t: Target) throws {
        if let f = testFailNextFence, f == t {
            testFailNextFence = nil
            throw SnapshotError(code: EIO, description: "snapshot: injected fence failure (test)")
        }
        if medium == .pmem {
            snapshot_pmem_drain()
            if let tr = trace { tr.fence(PMTraceWriter.allFiles) }
            return
        }
        if t == .log {
            flushStage()
            if let e = writeError {
                writeError = nil
                throw e
            }
            try syncFile(.log)
            return
        }
        if dataRangeCount > 0 {
            try msyncData(data)
            dataRangeCount = 0
        }
        if let tr = trace { tr.fence(data.traceIndex) }
    }

    /// fdatasync of the target's file (after its size changed): stores and size become durable.
    func syncFile(_ t: Target) throws {
        if t == .log { flushStage() }
        let m = t == .log ? log : data
        while snapshot_sys_fdatasync(m.fd) != 0 {
            if errno == EINTR { continue }
            throw SnapshotError.errno("fdatasync of \(m.path) failed")
        }
        if t == .data { dataRangeCount = 0 }
        if let tr = trace { tr.fence(m.traceIndex) }
    }

    /// The target's file now has `size` bytes (durable at the next fence / syncFile).
    func sizeChanged(_ t: Target, _ size: Int) {
        if let tr = trace { tr.size(t == .log ? log.traceIndex : data.traceIndex, size) }
    }

    func commitDone(epoch: UInt64) {
        if let tr = trace { tr.commitDone(data.traceIndex, epoch: epoch) }
    }

    // MARK: page-cache bookkeeping

    @inline(__always)
    private func noteDirty(_ t: Target, _ offset: Int, _ count: Int) {
        let ps = PersistenceOps.pageSize
        let lo = offset & ~(ps - 1)
        let hi = (offset + count + ps - 1) & ~(ps - 1)
        if dataRangeCount > 0 {
            let last = 2 * (dataRangeCount - 1)
            if lo <= dataRanges[last + 1] && hi >= dataRanges[last] {
                dataRanges[last] = min(dataRanges[last], lo)
                dataRanges[last + 1] = max(dataRanges[last + 1], hi)
                return
            }
        }
        if dataRangeCount == dataRangeCapacity {
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: 4 * dataRangeCapacity)
            bigger.update(from: dataRanges, count: 2 * dataRangeCount)
            dataRanges.deallocate()
            dataRanges = bigger
            dataRangeCapacity *= 2
        }
        dataRanges[2 * dataRangeCount] = lo
        dataRanges[2 * dataRangeCount + 1] = hi
        dataRangeCount += 1
    }

    private func msyncRange(_ m: Mapping, _ lo: Int, _ hi: Int) throws {
        while snapshot_sys_msync(m.base! + lo, hi - lo, MS_SYNC) != 0 {
            if errno == EINTR { continue }
            throw SnapshotError.errno("msync of \(m.path) (bytes \(lo)..<\(hi)) failed")
        }
    }

    /// Data pages: one msync over the hull of the touched pages when possible. Linux writes back
    /// only dirty pages and only we dirty the persistent mapping, so that is exactly the touched
    /// pages, with one device flush instead of one per run. If the hull crosses a hole in the
    /// runtime's mappings (ENOMEM), sync each interval separately.
    private func msyncData(_ m: Mapping) throws {
        let lo = dataRanges[0], hi = dataRanges[2 * dataRangeCount - 1]
        if dataRangeCount == 1 { return try msyncRange(m, lo, hi) }
        while true {
            if snapshot_sys_msync(m.base! + lo, hi - lo, MS_SYNC) == 0 { return }
            if errno == EINTR { continue }
            if errno != ENOMEM { throw SnapshotError.errno("msync of \(m.path) (bytes \(lo)..<\(hi)) failed") }
            break
        }
        for k in 0..<dataRangeCount {
            try msyncRange(m, dataRanges[2 * k], dataRanges[2 * k + 1])
        }
    }
}
