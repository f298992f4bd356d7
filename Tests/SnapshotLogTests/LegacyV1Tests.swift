import CSnapshotPmem
import Glibc
import XCTest
@testable import SnapshotLog

/// A version-1 undo log left by the previous release: an interrupted commit is rolled back, then
/// the log is rewritten in the current format; a damaged one is refused.
final class LegacyV1Tests: XCTestCase {
    /// Writes a v1 log of `f` whose interrupted commit (epoch 5) had changed lines 2 and 3, and
    /// puts those new contents in the file (the commit died after copying them).
    private func makeV1Pending(_ f: TestFile) -> [UInt8] {
        let old = f.content()
        var log = [UInt8](repeating: 0, count: 64 * 1024)
        var desc = [UInt8](repeating: 0, count: 8)
        var n = 0
        desc.withUnsafeMutableBufferPointer { b in
            n += Descriptors.put(2, b.baseAddress!)
            n += Descriptors.put(1, b.baseAddress! + n)
        }
        let undoOffset = 320
        log.replaceSubrange(256..<256 + n, with: desc[0..<n])
        log.replaceSubrange(undoOffset..<undoOffset + 128, with: old[128..<256])
        var c = snapshot_file_identity()
        XCTAssertEqual(snapshot_file_identity(f.fd, &c), 0)
        var h = LogHeaderV1()
        h.tag = LogFormatV1.tag(.pending, epoch: 5)
        h.identity = FileIdentity(c)
        h.fileSize = UInt64(f.size); h.epoch = 5; h.runCount = 1; h.lineCount = 2
        h.descBytes = UInt64(n); h.undoOffset = UInt64(undoOffset)
        h.entriesCRC = log.withUnsafeBytes { l in
            chainSegment(chainSegment(0, snapshot_segment_crc(l.baseAddress! + 256, n)),
                         snapshot_segment_crc(l.baseAddress! + undoOffset, 128))
        }
        log.withUnsafeMutableBytes { h.store($0.baseAddress!) }
        TestFile.write(f.logPath, log)
        var torn = old
        for i in 128..<256 { torn[i] = 0xAB }
        TestFile.write(f.path, torn)
        return old
    }

    func testPendingV1LogIsRolledBackAndRewritten() throws {
        let f = TestFile(size: 8192, withLog: false)
        let old = makeV1Pending(f)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .recoveryPending)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        XCTAssertEqual(p.recoveredLines, 2)
        XCTAssertEqual(p.lastCommittedEpoch, 4)
        assertSameImage(f.content(), old)
        // The file already holds `old`; only the working copy is set to it (writing the file behind
        // the engine's back would be an outside change, which the next commit reports).
        old.withUnsafeBytes { f.working.copyMemory(from: $0.baseAddress!, byteCount: f.size) }
        _ = try f.commit(p, f.dirty(lines: [7], value: 3))
        p.close()
        assertSameImage(f.content(), f.workingImage())
        let logBytes = TestFile.read(f.logPath)
        XCTAssertEqual(Array(logBytes[0..<8]), Array("SNAPLOG2".utf8), "rewritten in the current format")
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(r.state, .clean)
        XCTAssertEqual(r.epoch, 5, "epochs continue from the old log")
    }

    func testDamagedV1LogIsRefused() throws {
        let f = TestFile(size: 8192, withLog: false)
        _ = makeV1Pending(f)
        let torn = f.content()
        RefusalTests.flipByte(f.logPath, at: 320 + 5)  // an undo image byte
        let e = expectError(EBADMSG) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains("version-1") ?? false, e?.description ?? "")
        assertSameImage(f.content(), torn)
    }
}
