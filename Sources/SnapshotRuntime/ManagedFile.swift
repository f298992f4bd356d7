// One managed file: its window, its user mappings, which pages of the window are mapped (with
// reference counts, because several mappings of one file alias the same window addresses and so
// stay coherent), the engine's PersistentFile (undo log + single-writer lock), and a commit mutex.
import CSnapshotShim
import CSnapshotPmem
import SnapshotLog
#if canImport(Glibc)
import Glibc
#endif

/// A mapping returned to the program: file offset and page-rounded length.
struct UserMapping: Equatable {
    var offset: Int
    var length: Int
}

/// A maximal range of window pages with the same mapping count (byte offsets, page aligned).
struct PageSpan {
    var start: Int
    var end: Int
    var count: Int
}

final class ManagedFile {
    let device: UInt64
    let inode: UInt64
    let path: String
    let fd: Int32                   // our own O_RDWR descriptor (the program may close its own)
    var log: PersistentFile?
    let ownerPID: pid_t             // a forked child inherits the object but is not the writer
    private let ownerGeneration = snapshot_fork_generation()
    var windowOffset: Int           // window start, relative to the working base
    var windowSize: Int
    var mappings: [UserMapping] = []
    /// Sorted, disjoint, count > 0. Every change refreshes `spanBounds`, which the commit reads.
    var spans: [PageSpan] = [] {
        didSet {
            if spanBounds.count < 2 * spans.count {
                spanBounds.deallocate()
                spanBounds = .allocate(capacity: 2 * spans.count)
            }
            for (i, s) in spans.enumerated() { spanBounds[2 * i] = s.start; spanBounds[2 * i + 1] = s.end }
            spanCount = spans.count
        }
    }
    let commitMutex: UnsafeMutablePointer<snapshot_lock_t>
    let collector: UnsafeMutablePointer<snapshot_collector>
    // Size is part of the atomic state (see FileSize.swift): the program sees logicalSize; the
    // real file keeps committedSize until the next commit makes logicalSize durable.
    var logicalSize: Int
    var committedSize: Int
    // Below fileBackedEnd the file's bytes equal the logical contents (except dirty lines), so the
    // working copy may be a private mapping of the file there. A shrink lowers it; a commit
    // raises it to the committed size. Always <= logicalSize and <= committedSize.
    var fileBackedEnd: Int
    // Window pages the runtime itself holds mapped (one reference each in `spans`) because lines
    // there must reach the next commit without a user mapping: zeros of a shrink-then-grow, and
    // file I/O. Sorted, disjoint, page aligned. Released when the file stops being managed.
    var internalRanges: [(Int, Int)] = []
    // The C table slot (fdtable.c) through which the I/O interposers find this file and stat
    // reports its logical size; -1 if the table was full (then I/O on it is plain POSIX).
    var slot = -1
    // Some working page may not be read-write (a read-only alias, mprotect): the runtime's own
    // copies then go through /proc/self/mem instead of faulting.
    var protectionChanged = false
    // snapshot_metadata_epoch when the last real fsync of the file began (0: none yet). Its
    // commits make contents and size durable; an fsync adds the real call only for metadata
    // changed since (syncReleasingGlobal). Read and written under the file's mutex.
    var metadataSyncedEpoch: UInt64 = 0
    /// `spans` as [start0, end0, start1, end1, ...] (first 2 * spanCount entries) for
    /// snapshot_clip_pages and the commit's scan: memory of its own, so that reading it on every
    /// commit retains no array buffer.
    private(set) var spanBounds = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
    private(set) var spanCount = 0

    init(device: UInt64, inode: UInt64, path: String, fd: Int32, log: PersistentFile,
         windowOffset: Int, windowSize: Int, size: Int) {
        logicalSize = size
        committedSize = size
        fileBackedEnd = size
        self.device = device
        self.inode = inode
        self.path = path
        self.fd = fd
        self.log = log
        self.ownerPID = currentProcessID()
        self.windowOffset = windowOffset
        self.windowSize = windowSize
        commitMutex = .allocate(capacity: 1)
        commitMutex.initialize(to: snapshot_lock_t(state: 0))
        collector = .allocate(capacity: 1)
        collector.initialize(to: snapshot_collector())
    }

    deinit {
        free(collector.pointee.pages)
        free(collector.pointee.desc)
        collector.deallocate()
        commitMutex.deallocate()
        spanBounds.deallocate()
    }

    /// Not a forked child (the atfork handler counts forks): one load, on every commit.
    var isOwner: Bool { snapshot_fork_generation_since_registered() == ownerGeneration }

    @inline(__always) func lock() { snapshot_lock_take(commitMutex) }
    @inline(__always) func unlock() { snapshot_lock_drop(commitMutex) }

    /// Byte ranges [start, end) of the window that currently have count 0 inside [lo, hi).
    func unmappedPieces(_ lo: Int, _ hi: Int) -> [(Int, Int)] {
        var pieces: [(Int, Int)] = []
        var cursor = lo
        for s in spans where s.end > lo && s.start < hi {
            if s.start > cursor { pieces.append((cursor, s.start)) }
            cursor = max(cursor, s.end)
        }
        if cursor < hi { pieces.append((cursor, hi)) }
        return pieces
    }

    /// Adds `delta` to the count of every page of [lo, hi); returns the pieces whose count became 0.
    @discardableResult
    func adjust(_ lo: Int, _ hi: Int, by delta: Int) -> [(Int, Int)] {
        // Split spans at lo and hi, add the missing pieces with count 0, then adjust.
        var out: [PageSpan] = []
        var cursor = lo
        for s in spans {
            if s.end <= lo || s.start >= hi { out.append(s); continue }
            if s.start < lo { out.append(PageSpan(start: s.start, end: lo, count: s.count)) }
            let a = max(s.start, lo), b = min(s.end, hi)
            if a > cursor { out.append(PageSpan(start: cursor, end: a, count: 0)) }
            out.append(PageSpan(start: a, end: b, count: s.count))
            cursor = b
            if s.end > hi { out.append(PageSpan(start: hi, end: s.end, count: s.count)) }
        }
        if cursor < hi { out.append(PageSpan(start: cursor, end: hi, count: 0)) }
        out.sort { $0.start < $1.start }
        var zeroed: [(Int, Int)] = []
        var merged: [PageSpan] = []
        for var s in out {
            if s.end > lo && s.start < hi && s.start >= lo && s.end <= hi {
                s.count += delta
                if s.count == 0 { zeroed.append((s.start, s.end)) }
            }
            if s.count <= 0 { continue }
            if let last = merged.last, last.end == s.start, last.count == s.count {
                merged[merged.count - 1].end = s.end
            } else {
                merged.append(s)
            }
        }
        spans = merged
        // Coalesce adjacent zeroed pieces.
        var z: [(Int, Int)] = []
        for p in zeroed {
            if let last = z.last, last.1 == p.0 { z[z.count - 1].1 = p.1 } else { z.append(p) }
        }
        return z
    }

    func isMapped(_ lo: Int, _ hi: Int) -> Bool {
        var cursor = lo
        for s in spans where s.end > cursor && s.start <= cursor {
            cursor = s.end
            if cursor >= hi { return true }
        }
        return cursor >= hi
    }

    /// Something a commit would change: dirty lines or a size change.
    var hasPending: Bool { logicalSize != committedSize || dirtyLines() > 0 }

    /// Dirty lines recorded in the mapped pages of [lo, hi) (page aligned; no change).
    func dirtyLines(_ lo: Int, _ hi: Int) -> Int {
        var n = 0
        for s in spans where s.end > lo && s.start < hi {
            let a = max(s.start, lo), b = min(s.end, hi)
            n += Int(snapshot_count_dirty(UInt(windowOffset + a), UInt(b - a)))
        }
        return n
    }

    /// A commit made the logical size durable: the real file now has it, and holds the contents.
    func didCommit(size: Int) {
        committedSize = size
        fileBackedEnd = size
    }

    /// Publishes the logical size to the stat/lseek interposers.
    func publishSize() { snapshot_slot_set_size(Int32(slot), Int64(logicalSize)) }

    /// Dirty lines currently recorded in the mapped pages (no change).
    func dirtyLines() -> Int {
        var n = 0
        for s in spans { n += Int(snapshot_count_dirty(UInt(windowOffset + s.start), UInt(s.end - s.start))) }
        return n
    }
}
