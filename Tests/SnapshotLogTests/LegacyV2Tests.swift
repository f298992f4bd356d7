import CSnapshotPmem
import Glibc
import XCTest
@testable import SnapshotLog

/// A format-2 redo log left by the previous release (runs as LEB128 descriptors): its lap is
/// replayed, and the next lap is written in the current format.
final class LegacyV2Tests: XCTestCase {
    /// Replaces `f`'s log with a format-2 one whose lap holds one durable commit (epoch 5) of
    /// lines 2 and 3 that never reached the file; returns the image that commit makes.
    private func makeV2Pending(_ f: TestFile) -> [UInt8] {
        var c = snapshot_file_identity()
        XCTAssertEqual(snapshot_file_identity(f.fd, &c), 0)
        var log = [UInt8](repeating: 0, count: 64 * 1024)
        var h = LogHeader()
        h.seq = 1; h.salt = 0x5A17; h.baseEpoch = 4; h.baseSize = UInt64(f.size); h.identity = FileIdentity(c)
        var image = f.content()
        for i in 128..<256 { image[i] = UInt8(truncatingIfNeeded: i &* 3 &+ 200) }
        log.withUnsafeMutableBytes { l in
            let base = l.baseAddress!
            h.store(base)
            storeU32(base, LogFormat.HeaderOffset.version, LogFormat.versionRuns)   // outside the copy's checksum
            let rec = base + LogFormat.recordsStart
            let n = Descriptors.put(2, (rec + 64).assumingMemoryBound(to: UInt8.self))
            let m = Descriptors.put(1, (rec + 64 + n).assumingMemoryBound(to: UInt8.self))
            image.withUnsafeBytes { (rec + 128).copyMemory(from: $0.baseAddress! + 128, byteCount: 128) }
            var r = RecordHeader()
            r.salt = h.salt; r.epoch = 5; r.length = 4096; r.fileSize = UInt64(f.size)
            r.descriptorCount = 1; r.descBytes = UInt32(n + m)
            r.bodyCRC = chainSegment(chainSegment(0, snapshot_segment_crc(rec + 64, n + m)), snapshot_segment_crc(rec + 128, 128))
            r.store(rec)
            storeU32(rec, LogFormat.RecordOffset.magic, LogFormat.recordMagicRuns)
            storeU32(rec, LogFormat.RecordOffset.headerCRC, crc32c(0, UnsafeRawPointer(rec), LogFormat.RecordOffset.headerCRC))
        }
        TestFile.write(f.logPath, log)
        return image
    }

    func testV2LapIsReplayedAndTheNextLapIsFormat3() throws {
        let f = TestFile(size: 8192)
        let image = makeV2Pending(f)
        let before = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(before.state, .recoveryPending)
        XCTAssertEqual(before.pendingRuns, 1)
        XCTAssertEqual(before.pendingLines, 2)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        XCTAssertEqual(p.recoveredLines, 2)
        assertSameImage(f.content(), image)
        image.withUnsafeBytes { f.working.copyMemory(from: $0.baseAddress!, byteCount: f.size) }
        _ = try f.commit(p, f.dirty(lines: [7, 70], value: 9))
        let log = TestFile.read(f.logPath)
        var current: LogHeader?
        log.withUnsafeBytes { l in
            for off in LogFormat.headerCopyOffsets {
                if case .valid(let c) = LogHeader.read(l.baseAddress! + off), current == nil || c.seq > current!.seq { current = c }
            }
        }
        XCTAssertEqual(current?.version, LogFormat.version, "the lap after recovery is format 3")
        let during = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(during.epoch, 6, "epochs continue from the old log")
        p.close()
        assertSameImage(f.content(), f.workingImage())
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }

    /// A format-3 record under a format-2 header is not part of that lap (and the reverse).
    func testRecordsOfTheOtherFormatEndTheLap() throws {
        let f = TestFile(size: 8192)
        _ = makeV2Pending(f)
        var log = TestFile.read(f.logPath)
        log.withUnsafeMutableBytes { l in
            let rec = l.baseAddress! + LogFormat.recordsStart
            storeU32(rec, LogFormat.RecordOffset.magic, LogFormat.recordMagic)
            storeU32(rec, LogFormat.RecordOffset.headerCRC, crc32c(0, UnsafeRawPointer(rec), LogFormat.RecordOffset.headerCRC))
        }
        TestFile.write(f.logPath, log)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }
}
