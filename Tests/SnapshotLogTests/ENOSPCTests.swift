import Glibc
import XCTest
@testable import SnapshotLog

/// A commit whose log cannot get space fails with ENOSPC before anything is marked valid, and
/// the file keeps its previous committed contents. Uses a real 1 MiB tmpfs (needs root to mount).
final class ENOSPCTests: XCTestCase {
    func testCommitFailsWithENOSPCAndKeepsPreviousState() throws {
        var template = Array("/tmp/snapshot-enospc-XXXXXX".utf8CString)
        guard let d = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return XCTFail("mkdtemp") }
        let mountPoint = String(cString: d)
        defer { rmdir(mountPoint) }
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m") == 0 else {
            throw XCTSkip("cannot mount a small tmpfs (\(errorText(errno))): ENOSPC not testable here")
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }

        let f = TestFile(size: 512 * 1024, root: mountPoint)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        _ = try f.commit(p, f.dirty(lines: [1, 2, 3], value: 7))
        let committed = f.content()
        assertSameImage(committed, f.workingImage())

        // Every line dirty: the log needs > 512 KiB, the filesystem has ~450 KiB left.
        let all = f.dirty(lines: Array(0..<(f.size / 64)), value: 9)
        let e = expectError(ENOSPC) { _ = try f.commit(p, all) }
        XCTAssertTrue(e?.description.contains(f.path) ?? false)
        XCTAssertTrue(e?.description.contains("previous committed contents") ?? false)
        assertSameImage(f.content(), committed)
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertTrue(r.isHealthy, "\(r.problems)")
        XCTAssertEqual(r.epoch, 1)
        XCTAssertEqual(p.lastCommittedEpoch, 1)

        // The file stays usable: a small commit still works.
        committed.withUnsafeBytes { f.working.copyMemory(from: $0.baseAddress!, byteCount: f.size) }
        _ = try f.commit(p, f.dirty(lines: [10], value: 5))
        assertSameImage(f.content(), f.workingImage())
        p.close()
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).epoch, 2)
    }
}
