import CSnapshotPmem

/// A run of dirty 64-byte lines, as file byte offsets: 64-aligned, sorted, disjoint, coalesced.
/// `length` is a multiple of 64, except that a run ending at or beyond the end of the file may be
/// clipped to it.
public struct DirtyRun {
    public var offset: Int
    public var length: Int
    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}

extension DirtyRun {
    /// The dirty lines of `pages` as coalesced runs (adjacent lines across pages joined).
    public static func runs(of pages: UnsafeBufferPointer<snapshot_dirty_page>) -> [DirtyRun] {
        var runs: [DirtyRun] = []
        for p in pages {
            PageDescriptors.forEachRun(PageDescriptors.Page(offset: Int(p.page) * 4096, bits: p.bits, slot: 0),
                                       fileSize: Int.max) { r in
                if let last = runs.last, last.offset + last.length == r.offset { runs[runs.count - 1].length += r.length }
                else { runs.append(DirtyRun(offset: r.offset, length: r.length)) }
            }
        }
        return runs
    }
}

/// What one commit wrote.
public struct CommitStats {
    /// Dirty 64-byte lines committed.
    public var lines: Int
    /// Bytes written to the log (the record, without alignment padding).
    public var logBytes: Int
    /// Ordering points (pmem_drain / fdatasync) this commit took, lap end included.
    public var orderingPoints: Int
    /// Bytes written to the data file.
    public var dataBytes: Int
    public init(lines: Int = 0, logBytes: Int = 0, dataBytes: Int = 0, orderingPoints: Int = 0) {
        self.orderingPoints = orderingPoints
        self.lines = lines
        self.logBytes = logBytes
        self.dataBytes = dataBytes
    }
}
