import CSnapshotPmem

/// Format version 1: the undo log of Snapshot releases before the redo log (LogFormat.swift).
/// This release still reads it, so that an interrupted commit left by the previous release is
/// rolled back (LegacyRecoveryV1.swift) before the log is rewritten in the current version. Nothing writes
/// version 1 any more, except tests that need such a log.
///
/// On-disk format of the undo log `.<basename>.snapshot-log` (format version 1), little-endian.
///
/// ```
/// 0    u64  magic "SNAPLOG1"
/// 8    u64  tag: state (low 8 bits) | epoch << 8   -- the only word that changes validity
/// 16   u32  header CRC-32C of bytes 24..<256
/// 20   u32  format version (1)
/// 24   u64  identity: filesystem id (statfs f_fsid, st_dev if none)
/// 32   u64  identity: inode number
/// 40   u64  identity: birth time seconds (or inode generation)
/// 48   u32  identity: birth time nanoseconds
/// 52   u32  identity: birth kind (0 none, 1 birth time, 2 generation)
/// 56   u64  st_dev at commit time (informational: device numbers may change across reboots)
/// 64   u64  data file size at commit start
/// 72   u64  commit epoch (persistent counter of this file's commits)
/// 80   u64  commit start time, ns since the Unix epoch (CLOCK_REALTIME)
/// 88   u64  number of runs (descriptors)
/// 96   u64  number of 64-byte lines
/// 104  u64  descriptor bytes (descriptors start at offset 256)
/// 112  u64  offset of the first undo image (64-aligned, after the descriptors)
/// 120  u32  entries checksum: CRC-32C over the segment checksums (snapshot_segment_crc: 4-lane
///           CRC-32C for segments >= 256 bytes) of the descriptor block and of each undo image
/// 124  u32  medium of the commit (0 page cache / msync, 1 persistent memory)
/// 128  u64  pid of the committing process
/// 136..256  zero
/// 256  descriptors: per run, LEB128(line index - end line of previous run), LEB128(line count - 1)
/// U    undo images: per run, the committed contents of its lines (slot = lines * 64 bytes; the
///      bytes past the end of the data file in a final partial line are not used)
/// ```
///
/// Validity is one aligned 8-byte word (the tag) written on its own after everything it vouches for
/// is durable, so a torn write can never produce "pending" with a stale body: a pending tag whose
/// header or entries fail their checksum is corruption, never a crash artefact, and is refused.
/// States: `clean` (epoch = last completed commit), `pending` (epoch = commit in flight: recovery
/// must roll it back). An all-zero header is a log whose creation was interrupted (nothing pending).
enum LogFormatV1 {
    static let magic: UInt64 = 0x3147_4F4C_5041_4E53  // "SNAPLOG1" little-endian
    static let version: UInt32 = 1
    static let headerSize = 256
    static let descriptorOffset = 256

    enum Offset {
        static let magic = 0, tag = 8, headerCRC = 16, version = 20
        static let fsid = 24, ino = 32, birthSec = 40, birthNsec = 48, birthKind = 52, dev = 56
        static let fileSize = 64, epoch = 72, timeNs = 80, runCount = 88, lineCount = 96
        static let descBytes = 104, undoOffset = 112, entriesCRC = 120, medium = 124, pid = 128
        /// First byte covered by the header CRC.
        static let crcStart = 24
    }

    enum State: UInt8 {
        case clean = 0xC1
        case pending = 0x5A
    }

    static func tag(_ state: State, epoch: UInt64) -> UInt64 { (epoch << 8) | UInt64(state.rawValue) }

    static func align64(_ x: Int) -> Int { (x + 63) & ~63 }
}

/// The decoded header.
struct LogHeaderV1 {
    var magic: UInt64 = LogFormatV1.magic
    var tag: UInt64 = 0
    var headerCRC: UInt32 = 0
    var version: UInt32 = LogFormatV1.version
    var identity = FileIdentity()
    var fileSize: UInt64 = 0
    var epoch: UInt64 = 0
    var timeNs: UInt64 = 0
    var runCount: UInt64 = 0
    var lineCount: UInt64 = 0
    var descBytes: UInt64 = 0
    var undoOffset: UInt64 = 0
    var entriesCRC: UInt32 = 0
    var medium: UInt32 = 0
    var pid: UInt64 = 0

    var tagState: UInt8 { UInt8(truncatingIfNeeded: tag) }
    var tagEpoch: UInt64 { tag >> 8 }

    static func load(_ p: UnsafeRawPointer) -> LogHeaderV1 {
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        typealias O = LogFormatV1.Offset
        var h = LogHeaderV1()
        h.magic = u64(O.magic); h.tag = u64(O.tag); h.headerCRC = u32(O.headerCRC); h.version = u32(O.version)
        h.identity.fsid = u64(O.fsid); h.identity.ino = u64(O.ino); h.identity.birthSec = u64(O.birthSec)
        h.identity.birthNsec = u32(O.birthNsec); h.identity.birthKind = u32(O.birthKind); h.identity.dev = u64(O.dev)
        h.fileSize = u64(O.fileSize); h.epoch = u64(O.epoch); h.timeNs = u64(O.timeNs)
        h.runCount = u64(O.runCount); h.lineCount = u64(O.lineCount); h.descBytes = u64(O.descBytes)
        h.undoOffset = u64(O.undoOffset); h.entriesCRC = u32(O.entriesCRC); h.medium = u32(O.medium)
        h.pid = u64(O.pid)
        return h
    }

    /// Writes the whole 256-byte header image (tag included) into `p` and computes the header CRC.
    mutating func store(_ p: UnsafeMutableRawPointer) {
        func u64(_ o: Int, _ v: UInt64) { p.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt64.self) }
        func u32(_ o: Int, _ v: UInt32) { p.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt32.self) }
        typealias O = LogFormatV1.Offset
        p.initializeMemory(as: UInt8.self, repeating: 0, count: LogFormatV1.headerSize)
        u64(O.magic, magic); u64(O.tag, tag); u32(O.version, version)
        u64(O.fsid, identity.fsid); u64(O.ino, identity.ino); u64(O.birthSec, identity.birthSec)
        u32(O.birthNsec, identity.birthNsec); u32(O.birthKind, identity.birthKind); u64(O.dev, identity.dev)
        u64(O.fileSize, fileSize); u64(O.epoch, epoch); u64(O.timeNs, timeNs)
        u64(O.runCount, runCount); u64(O.lineCount, lineCount); u64(O.descBytes, descBytes)
        u64(O.undoOffset, undoOffset); u32(O.entriesCRC, entriesCRC); u32(O.medium, medium); u64(O.pid, pid)
        headerCRC = LogHeaderV1.computeCRC(UnsafeRawPointer(p))
        u32(O.headerCRC, headerCRC)
    }

    static func computeCRC(_ p: UnsafeRawPointer) -> UInt32 {
        crc32c(0, p + LogFormatV1.Offset.crcStart, LogFormatV1.headerSize - LogFormatV1.Offset.crcStart)
    }
}

