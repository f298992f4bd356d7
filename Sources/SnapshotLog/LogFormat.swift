import CSnapshotPmem

/// On-disk format of the redo log `.<basename>.snapshot-log` (format version 3), little-endian.
/// The protocol that writes it, and its invariants, are in PersistentFile.swift.
///
/// ```
/// 0      header copy A (128 bytes)   -- two copies in separate pages: a torn header write
/// 4096   header copy B (128 bytes)      damages only the copy being written
/// 8192   records, back to back from here to the end of the file (one "lap")
///
/// header copy:
/// 0   u64  magic "SNAPLOG2"
/// 8   u32  format version (3; 2 is read too, see below)
/// 12  u32  CRC-32C of bytes 16..<128
/// 16  u64  sequence number: the valid copy with the higher one is current
/// 24  u64  salt of the current lap: only records carrying it belong to the log
/// 32  u64  base epoch: every commit up to it is durable in the data file itself
/// 40  u64  data file size at the base epoch (informational)
/// 48  u64  identity: filesystem id    56 u64 inode    64 u64 birth seconds (or generation)
/// 72  u32  identity: birth ns         76 u32 birth kind (0 none, 1 birth time, 2 generation)
/// 80  u64  st_dev when written (informational: device numbers change across reboots)
/// 88  u64  time written, ns since the Unix epoch     96 u64 pid of the writer
/// 104 u32  medium of the last commit (0 page cache, 1 persistent memory)
/// 108..128 zero
///
/// record (starts 64-aligned; 4096-aligned on a page-cache medium, so that a record's pages never
/// hold a neighbour that is still needed):
/// 0   u32  magic "SRC3"               4  u32 medium (0 page cache, 1 persistent memory)
/// 8   u64  salt (= the header's)      16 u64 epoch (base + 1, base + 2, ... along the lap)
/// 24  u64  record length (multiple of 64, padding included: the next record starts there)
/// 32  u64  data file size after this commit
/// 40  u32  descriptor count           44 u32 descriptor bytes (4, 12 or 20 per descriptor)
/// 48  u64  commit time, ns since the Unix epoch
/// 56  u32  body CRC: CRC-32C over the segment checksums (snapshot_segment_crc) of the descriptor
///          block and of each descriptor's slots, in order
/// 60  u32  CRC-32C of bytes 0..<60
/// 64  descriptors, one per page (4096 bytes of the file) with dirty lines, pages strictly
///     ascending; `next` is the page after the previous descriptor's (0 for the first). Each
///     starts with a little-endian u32 w:
///       w & 1 == 0   one line: page next + (w >> 7), line (w >> 1) & 63           (4 bytes)
///       w & 3 == 1   page next + (w >> 7), then u64 its lines (bit k: bytes
///                    64k..<64k+64 of the page); bits 1-6 of w zero                  (12 bytes)
///       w & 3 == 3   w == 3, then u64 page index, u64 its lines (a page 2^25 pages
///                    or more past next)                                             (20 bytes)
/// D   (64-aligned) new contents: each descriptor's lines, ascending, 64 bytes each, back to back;
///     a descriptor's slots are one checksum segment (the bytes past the end of the file in a
///     final partial line are not data)
/// ```
///
/// Why page descriptors, not runs: a page and its 64 line bits are what the dirty bitmap holds,
/// so the collector writes each descriptor as it takes the page (snapshot_desc_put: a few
/// instructions, no pass of its own), and the record copy and the apply walk the same pages.
/// Format 2 encoded each run as two LEB128 numbers in a pass of the engine's own: ~70
/// instructions per run of every commit. A scattered line still costs 4 descriptor bytes (the
/// medium sees at most ~2.07 bytes written per dirty byte); a megabyte of whole dirty pages, 3 KiB.
///
/// Format 2 (the previous release) has the same header copies and record header, magic "SRC2",
/// and per run LEB128(line index - end line of previous run), LEB128(line count - 1) as
/// descriptors, each run's slots one segment. Its lap is recovered as it is; the lap that follows
/// is written in format 3.
///
/// A record is part of the log iff its header CRC holds, its salt is the current header's, its
/// epoch follows its predecessor's (the first one: base + 1), and its body CRC holds. The first
/// record that fails any of these ends the log: it is the commit a crash interrupted.
enum LogFormat {
    static let magic: UInt64 = 0x3247_4F4C_5041_4E53  // "SNAPLOG2" little-endian
    static let version: UInt32 = 3
    /// The previous release's redo log: its laps are read (recovered), never written.
    static let versionRuns: UInt32 = 2
    static let headerCopySize = 128
    static let headerCopyOffsets = [0, 4096]
    static let recordsStart = 8192
    static let recordHeaderSize = 64
    /// Records start on a multiple of this: a cache line on pmem, a page on the page cache (I5: a
    /// record's pages are never rewritten while an earlier record on them is still needed). The
    /// format's page is 4096 bytes whatever the machine's page size: a log stays readable anywhere.
    static func recordGrain(_ medium: Medium) -> Int { medium == .pmem ? 64 : 4096 }
    static let recordMagic: UInt32 = 0x3343_5253      // "SRC3"
    static let recordMagicRuns: UInt32 = 0x3243_5253  // "SRC2" (format 2)
    static func recordMagic(version: UInt32) -> UInt32 { version == versionRuns ? recordMagicRuns : recordMagic }
    /// The log starts this big and doubles at the start of a lap, up to `autoGrowLimit`, while
    /// laps are short (each lap start costs an extra ordering point). Commits bigger than the
    /// limit grow it further; such a log is shrunk back when the file is closed.
    static let initialCapacity = 128 * 1024
    static let autoGrowLimit = 4 << 20

    enum HeaderOffset {
        static let magic = 0, version = 8, crc = 12, seq = 16, salt = 24, baseEpoch = 32, baseSize = 40
        static let fsid = 48, ino = 56, birthSec = 64, birthNsec = 72, birthKind = 76, dev = 80
        static let timeNs = 88, pid = 96, medium = 104
        static let crcStart = 16
    }

    enum RecordOffset {
        static let magic = 0, medium = 4, salt = 8, epoch = 16, length = 24, fileSize = 32
        static let descriptorCount = 40, descBytes = 44, timeNs = 48, bodyCRC = 56, headerCRC = 60
    }

    static func align64(_ x: Int) -> Int { (x + 63) & ~63 }
    /// `x` rounded up to a multiple of `a`, a power of two (a mask: a division here cost tens of
    /// cycles on every commit).
    static func align(_ x: Int, _ a: Int) -> Int {
        assert(a > 0 && a & (a - 1) == 0)
        return (x &+ a &- 1) & ~(a &- 1)
    }
}

/// Identity of a data file as recorded in the log (see file_identity.c for the choice).
struct FileIdentity: Equatable {
    var fsid: UInt64 = 0
    var ino: UInt64 = 0
    var birthSec: UInt64 = 0
    var birthNsec: UInt32 = 0
    var birthKind: UInt32 = 0
    var dev: UInt64 = 0

    init() {}

    init(_ c: snapshot_file_identity) {
        fsid = c.fsid; ino = c.ino; birthSec = c.birth_sec; birthNsec = c.birth_nsec
        birthKind = c.birth_kind; dev = c.dev
    }

    /// Same file? st_dev is deliberately not compared (see above). The birth stamp is compared only
    /// when both sides have one of the same kind.
    func matches(_ o: FileIdentity) -> Bool {
        guard fsid == o.fsid, ino == o.ino else { return false }
        if birthKind != 0 && birthKind == o.birthKind {
            return birthSec == o.birthSec && birthNsec == o.birthNsec
        }
        return true
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool { a.matches(b) }

    var summary: String {
        let birth: String
        switch birthKind {
        case 1: birth = "born \(birthSec).\(birthNsec)"
        case 2: birth = "generation \(birthSec)"
        default: birth = "no birth stamp"
        }
        return "fsid \(String(fsid, radix: 16)) inode \(ino) \(birth)"
    }
}

@inline(__always) func loadU64(_ p: UnsafeRawPointer, _ o: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))
}
@inline(__always) func loadU32(_ p: UnsafeRawPointer, _ o: Int) -> UInt32 {
    UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self))
}
@inline(__always) func storeU64(_ p: UnsafeMutableRawPointer, _ o: Int, _ v: UInt64) {
    p.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt64.self)
}
@inline(__always) func storeU32(_ p: UnsafeMutableRawPointer, _ o: Int, _ v: UInt32) {
    p.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt32.self)
}

/// One header copy, decoded.
struct LogHeader {
    /// Format version: records of a version-2 lap are read as format 2 (runs).
    var version = LogFormat.version
    var seq: UInt64 = 0
    var salt: UInt64 = 0
    var baseEpoch: UInt64 = 0
    var baseSize: UInt64 = 0
    var identity = FileIdentity()
    var timeNs: UInt64 = 0
    var pid: UInt64 = 0
    var medium: UInt32 = 0

    /// What one header slot holds.
    enum Slot {
        case zero
        case valid(LogHeader)
        /// Right magic, unknown version.
        case otherVersion(UInt32)
        /// Right magic and version, wrong checksum (torn or damaged).
        case damaged
        /// Not a Snapshot v2 header at all (another magic).
        case foreign(UInt64)
    }

    static func read(_ p: UnsafeRawPointer) -> Slot {
        typealias O = LogFormat.HeaderOffset
        let magic = loadU64(p, O.magic)
        if magic != LogFormat.magic {
            for i in stride(from: 0, to: LogFormat.headerCopySize, by: 8) where loadU64(p, i) != 0 { return .foreign(magic) }
            return .zero
        }
        let version = loadU32(p, O.version)
        guard version == LogFormat.version || version == LogFormat.versionRuns else { return .otherVersion(version) }
        guard computeCRC(p) == loadU32(p, O.crc) else { return .damaged }
        var h = LogHeader()
        h.version = version
        h.seq = loadU64(p, O.seq); h.salt = loadU64(p, O.salt); h.baseEpoch = loadU64(p, O.baseEpoch)
        h.baseSize = loadU64(p, O.baseSize)
        h.identity.fsid = loadU64(p, O.fsid); h.identity.ino = loadU64(p, O.ino)
        h.identity.birthSec = loadU64(p, O.birthSec); h.identity.birthNsec = loadU32(p, O.birthNsec)
        h.identity.birthKind = loadU32(p, O.birthKind); h.identity.dev = loadU64(p, O.dev)
        h.timeNs = loadU64(p, O.timeNs); h.pid = loadU64(p, O.pid); h.medium = loadU32(p, O.medium)
        return .valid(h)
    }

    /// Writes the 128-byte copy image into `p`, checksum included: always the current version
    /// (the caller sets `version` to it too).
    func store(_ p: UnsafeMutableRawPointer) {
        typealias O = LogFormat.HeaderOffset
        p.initializeMemory(as: UInt8.self, repeating: 0, count: LogFormat.headerCopySize)
        storeU64(p, O.magic, LogFormat.magic); storeU32(p, O.version, LogFormat.version)
        storeU64(p, O.seq, seq); storeU64(p, O.salt, salt); storeU64(p, O.baseEpoch, baseEpoch)
        storeU64(p, O.baseSize, baseSize)
        storeU64(p, O.fsid, identity.fsid); storeU64(p, O.ino, identity.ino); storeU64(p, O.birthSec, identity.birthSec)
        storeU32(p, O.birthNsec, identity.birthNsec); storeU32(p, O.birthKind, identity.birthKind); storeU64(p, O.dev, identity.dev)
        storeU64(p, O.timeNs, timeNs); storeU64(p, O.pid, pid); storeU32(p, O.medium, medium)
        storeU32(p, O.crc, LogHeader.computeCRC(UnsafeRawPointer(p)))
    }

    static func computeCRC(_ p: UnsafeRawPointer) -> UInt32 {
        crc32c(0, p + LogFormat.HeaderOffset.crcStart, LogFormat.headerCopySize - LogFormat.HeaderOffset.crcStart)
    }
}

/// A record header, decoded.
struct RecordHeader {
    var medium: UInt32 = 0
    var salt: UInt64 = 0
    var epoch: UInt64 = 0
    var length: UInt64 = 0
    var fileSize: UInt64 = 0
    var descriptorCount: UInt32 = 0
    var descBytes: UInt32 = 0
    /// Format 2 (runs as LEB128) when the record was read from a version-2 lap.
    var runsFormat = false
    var timeNs: UInt64 = 0
    var bodyCRC: UInt32 = 0

    /// nil when the magic (that of `version`'s records; either, when nil) or the header checksum is
    /// wrong.
    static func load(_ p: UnsafeRawPointer, version: UInt32?) -> RecordHeader? {
        typealias O = LogFormat.RecordOffset
        let magic = loadU32(p, O.magic)
        if let v = version {
            guard magic == LogFormat.recordMagic(version: v) else { return nil }
        } else {
            guard magic == LogFormat.recordMagic || magic == LogFormat.recordMagicRuns else { return nil }
        }
        guard crc32c(0, p, O.headerCRC) == loadU32(p, O.headerCRC) else { return nil }
        var r = RecordHeader()
        r.runsFormat = magic == LogFormat.recordMagicRuns
        r.medium = loadU32(p, O.medium); r.salt = loadU64(p, O.salt); r.epoch = loadU64(p, O.epoch)
        r.length = loadU64(p, O.length); r.fileSize = loadU64(p, O.fileSize); r.descriptorCount = loadU32(p, O.descriptorCount)
        r.descBytes = loadU32(p, O.descBytes); r.timeNs = loadU64(p, O.timeNs); r.bodyCRC = loadU32(p, O.bodyCRC)
        return r
    }

    /// Writes the 64-byte record header into `p`, header checksum included.
    @inline(__always)
    func store(_ p: UnsafeMutableRawPointer) {
        typealias O = LogFormat.RecordOffset
        storeU32(p, O.magic, LogFormat.recordMagic); storeU32(p, O.medium, medium)
        storeU64(p, O.salt, salt); storeU64(p, O.epoch, epoch); storeU64(p, O.length, length)
        storeU64(p, O.fileSize, fileSize); storeU32(p, O.descriptorCount, descriptorCount); storeU32(p, O.descBytes, descBytes)
        storeU64(p, O.timeNs, timeNs); storeU32(p, O.bodyCRC, bodyCRC)
        storeU32(p, O.headerCRC, O.headerCRC == 60 ? snapshot_crc32c_60(p) : crc32c(0, UnsafeRawPointer(p), O.headerCRC))
    }

    /// Offset of the first payload slot, relative to the record.
    var payloadStart: Int { LogFormat.recordHeaderSize + LogFormat.align64(Int(descBytes)) }
}

/// Format 2's descriptors: per run two LEB128 numbers (read when a version-2 lap is recovered;
/// tests write them to build such laps).
enum Descriptors {
    /// Appends one unsigned LEB128 value at `p`; returns the bytes written (at most 10).
    @inline(__always)
    static func put(_ value: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        var v = value
        var n = 0
        while v >= 0x80 {
            p[n] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            n += 1
        }
        p[n] = UInt8(v)
        return n + 1
    }

    /// Reads one LEB128 value from `p[i..<end]`; nil if truncated or longer than 64 bits.
    @inline(__always)
    static func get(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int) -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while i < end {
            let b = p[i]
            i += 1
            if shift == 63 && b > 1 { return nil }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    /// One decoded run: byte offset in the data file, bytes of file data (clipped to the file
    /// size), and where its contents start, relative to the record or log the slots belong to.
    struct Run {
        var offset: Int
        var length: Int
        var slot: Int
    }

    /// Decodes `runCount` descriptors from `p[0..<descBytes]` for a file of `fileSize` bytes; slots
    /// are laid out from `slotStart`, each `lines * 64` bytes, and must end by `slotLimit`. Calls
    /// `body` per run; returns an explanation when the descriptors are malformed.
    static func forEach(_ p: UnsafePointer<UInt8>, descBytes: Int, runCount: Int, fileSize: Int,
                        slotStart: Int, slotLimit: Int, _ body: (Run) throws -> Void) rethrows -> String? {
        let fileLines = UInt64((fileSize + 63) / 64)
        var i = 0
        var nextLine: UInt64 = 0
        var slot = slotStart
        for k in 0..<runCount {
            guard let delta = get(p, &i, descBytes), let countMinus1 = get(p, &i, descBytes) else {
                return "descriptor \(k) is truncated"
            }
            let (start, o1) = nextLine.addingReportingOverflow(delta)
            let (count, o2) = countMinus1.addingReportingOverflow(1)
            let (end, o3) = start.addingReportingOverflow(count)
            guard !o1, !o2, !o3, end <= fileLines else { return "descriptor \(k) lies outside the \(fileSize)-byte file" }
            guard count <= UInt64(slotLimit - slot) / 64 else { return "run \(k) runs past the end of its record" }
            let offset = Int(start) * 64
            let length = min(Int(end) * 64, fileSize) - offset
            try body(Run(offset: offset, length: length, slot: slot))
            slot += Int(count) * 64
            nextLine = end
        }
        guard i == descBytes else { return "descriptor bytes do not match the header" }
        return nil
    }
}

/// Format 3's descriptors: one per page with dirty lines (snapshot_desc_put writes them).
enum PageDescriptors {
    /// The most bytes one takes.
    static let maxSize = Int(SNAPSHOT_DESC_MAX)

    /// One decoded descriptor: the page's byte offset in the data file, its dirty lines, and where
    /// its slots start (relative to the record), `lineCount * 64` bytes of them.
    struct Page {
        var offset: Int
        var bits: UInt64
        var slot: Int
        var lineCount: Int { bits.nonzeroBitCount }
    }

    /// Decodes `count` descriptors from `p[0..<descBytes]` for a file of `fileSize` bytes; slots
    /// are laid out from `slotStart` and must end by `slotLimit`. Calls `body` per page; returns an
    /// explanation when the descriptors are malformed (then `body` saw only the pages before).
    static func forEach(_ p: UnsafeRawPointer, descBytes: Int, count: Int, fileSize: Int,
                        slotStart: Int, slotLimit: Int, _ body: (Page) throws -> Void) rethrows -> String? {
        let fileLines = (UInt64(fileSize) + 63) / 64
        var next: UInt64 = 0        // the lowest page index the next descriptor may have
        var slot = slotStart
        var i = 0
        for k in 0..<count {
            guard i + 4 <= descBytes else { return "descriptor \(k) is truncated" }
            let w = UInt64(loadU32(p, i))
            let page: UInt64, bits: UInt64
            switch w & 3 {
            case 0, 2:                                  // one line
                page = next + (w >> 7)
                bits = 1 << ((w >> 1) & 63)
                i += 4
            case 1:                                     // near, mask follows
                guard i + 12 <= descBytes else { return "descriptor \(k) is truncated" }
                page = next + (w >> 7)
                bits = loadU64(p, i + 4)
                guard (w >> 1) & 63 == 0 else { return "descriptor \(k) has reserved bits set" }
                i += 12
            default:                                    // far: page and mask follow
                guard i + 20 <= descBytes else { return "descriptor \(k) is truncated" }
                guard w >> 2 == 0 else { return "descriptor \(k) has reserved bits set" }
                page = loadU64(p, i + 4)
                bits = loadU64(p, i + 12)
                guard page >= next else { return "descriptor \(k) is not after its predecessor" }
                i += 20
            }
            guard bits != 0 else { return "descriptor \(k) names no line" }
            let firstLine = page.multipliedReportingOverflow(by: 64)
            guard !firstLine.overflow, firstLine.partialValue + UInt64(63 - bits.leadingZeroBitCount) < fileLines else {
                return "descriptor \(k) lies outside the \(fileSize)-byte file"
            }
            let lines = bits.nonzeroBitCount
            guard lines * 64 <= slotLimit - slot else { return "page \(k) runs past the end of its record" }
            try body(Page(offset: Int(page) * 4096, bits: bits, slot: slot))
            slot += lines * 64
            next = page + 1
        }
        guard i == descBytes else { return "descriptor bytes do not match the header" }
        return nil
    }

    /// The runs of consecutive lines of `page`, clipped to `fileSize` (the last line may end inside
    /// it), each with the slot its contents start at.
    static func forEachRun(_ page: Page, fileSize: Int, _ body: (Descriptors.Run) throws -> Void) rethrows {
        var b = page.bits
        var slot = page.slot
        while b != 0 {
            let s = b.trailingZeroBitCount
            let carried = b &+ (b & (0 &- b))
            let e = carried == 0 ? 64 : carried.trailingZeroBitCount
            b &= carried
            let offset = page.offset + s * 64
            let length = min(page.offset + e * 64, fileSize) - offset
            if length <= 0 { return }
            try body(Descriptors.Run(offset: offset, length: length, slot: slot))
            slot += (e - s) * 64
        }
    }
}
