import CSnapshotPmem

/// On-disk format of the redo log `.<basename>.snapshot-log` (format version 2), little-endian.
/// The protocol that writes it, and its invariants, are in PersistentFile.swift.
///
/// ```
/// 0      header copy A (128 bytes)   -- two copies in separate pages: a torn header write
/// 4096   header copy B (128 bytes)      damages only the copy being written
/// 8192   records, back to back from here to the end of the file (one "lap")
///
/// header copy:
/// 0   u64  magic "SNAPLOG2"
/// 8   u32  format version (2)
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
/// 0   u32  magic "SRC2"               4  u32 medium (0 page cache, 1 persistent memory)
/// 8   u64  salt (= the header's)      16 u64 epoch (base + 1, base + 2, ... along the lap)
/// 24  u64  record length (multiple of 64, padding included: the next record starts there)
/// 32  u64  data file size after this commit
/// 40  u32  run count                  44 u32 descriptor bytes
/// 48  u64  commit time, ns since the Unix epoch
/// 56  u32  body CRC: CRC-32C over the segment checksums (snapshot_segment_crc) of the descriptor
///          block and of each run's new contents, in order
/// 60  u32  CRC-32C of bytes 0..<60
/// 64  descriptors: per run, LEB128(line index - end line of previous run), LEB128(line count - 1)
/// D   (64-aligned) new contents: per run a slot of lines * 64 bytes (the bytes past the end of the
///     file in a final partial line are not used)
/// ```
///
/// A record is part of the log iff its header CRC holds, its salt is the current header's, its
/// epoch follows its predecessor's (the first one: base + 1), and its body CRC holds. The first
/// record that fails any of these ends the log: it is the commit a crash interrupted.
enum LogFormat {
    static let magic: UInt64 = 0x3247_4F4C_5041_4E53  // "SNAPLOG2" little-endian
    static let version: UInt32 = 2
    static let headerCopySize = 128
    static let headerCopyOffsets = [0, 4096]
    static let recordsStart = 8192
    static let recordHeaderSize = 64
    /// Records start on a multiple of this: a cache line on pmem, a page on the page cache (I5: a
    /// record's pages are never rewritten while an earlier record on them is still needed). The
    /// format's page is 4096 bytes whatever the machine's page size: a log stays readable anywhere.
    static func recordGrain(_ medium: Medium) -> Int { medium == .pmem ? 64 : 4096 }
    static let recordMagic: UInt32 = 0x3243_5253      // "SRC2"
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
        static let runCount = 40, descBytes = 44, timeNs = 48, bodyCRC = 56, headerCRC = 60
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
        guard version == LogFormat.version else { return .otherVersion(version) }
        guard computeCRC(p) == loadU32(p, O.crc) else { return .damaged }
        var h = LogHeader()
        h.seq = loadU64(p, O.seq); h.salt = loadU64(p, O.salt); h.baseEpoch = loadU64(p, O.baseEpoch)
        h.baseSize = loadU64(p, O.baseSize)
        h.identity.fsid = loadU64(p, O.fsid); h.identity.ino = loadU64(p, O.ino)
        h.identity.birthSec = loadU64(p, O.birthSec); h.identity.birthNsec = loadU32(p, O.birthNsec)
        h.identity.birthKind = loadU32(p, O.birthKind); h.identity.dev = loadU64(p, O.dev)
        h.timeNs = loadU64(p, O.timeNs); h.pid = loadU64(p, O.pid); h.medium = loadU32(p, O.medium)
        return .valid(h)
    }

    /// Writes the 128-byte copy image into `p`, checksum included.
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
    var runCount: UInt32 = 0
    var descBytes: UInt32 = 0
    var timeNs: UInt64 = 0
    var bodyCRC: UInt32 = 0

    /// nil when the magic or the header checksum is wrong.
    static func load(_ p: UnsafeRawPointer) -> RecordHeader? {
        typealias O = LogFormat.RecordOffset
        guard loadU32(p, O.magic) == LogFormat.recordMagic, crc32c(0, p, O.headerCRC) == loadU32(p, O.headerCRC) else { return nil }
        var r = RecordHeader()
        r.medium = loadU32(p, O.medium); r.salt = loadU64(p, O.salt); r.epoch = loadU64(p, O.epoch)
        r.length = loadU64(p, O.length); r.fileSize = loadU64(p, O.fileSize); r.runCount = loadU32(p, O.runCount)
        r.descBytes = loadU32(p, O.descBytes); r.timeNs = loadU64(p, O.timeNs); r.bodyCRC = loadU32(p, O.bodyCRC)
        return r
    }

    /// Writes the 64-byte record header into `p`, header checksum included.
    @inline(__always)
    func store(_ p: UnsafeMutableRawPointer) {
        typealias O = LogFormat.RecordOffset
        storeU32(p, O.magic, LogFormat.recordMagic); storeU32(p, O.medium, medium)
        storeU64(p, O.salt, salt); storeU64(p, O.epoch, epoch); storeU64(p, O.length, length)
        storeU64(p, O.fileSize, fileSize); storeU32(p, O.runCount, runCount); storeU32(p, O.descBytes, descBytes)
        storeU64(p, O.timeNs, timeNs); storeU32(p, O.bodyCRC, bodyCRC)
        storeU32(p, O.headerCRC, O.headerCRC == 60 ? snapshot_crc32c_60(p) : crc32c(0, UnsafeRawPointer(p), O.headerCRC))
    }

    /// Offset of the first payload slot, relative to the record.
    var payloadStart: Int { LogFormat.recordHeaderSize + LogFormat.align64(Int(descBytes)) }
}

/// LEB128 run descriptors: compact (a scattered line costs ~2-4 bytes).
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
