import Glibc
import XCTest
@testable import SnapshotLog

/// Logs that are damaged or belong to another file are refused and the data is left untouched.
final class RefusalTests: XCTestCase {
    /// Leaves `f` with a pending log (crash after the data runs were copied).
    private func makePending(_ f: TestFile, lines: [Int]) -> [DirtyRun] {
        let runs = f.dirty(lines: lines, value: 0xE1)
        let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(4 + runs.count)"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }
        XCTAssertEqual(r, .exited(86))
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .recoveryPending)
        return runs
    }

    private func flipByte(_ path: String, at offset: Int) {
        let fd = open(path, O_RDWR)
        var b: UInt8 = 0
        pread(fd, &b, 1, off_t(offset))
        b ^= 0x10
        pwrite(fd, &b, 1, off_t(offset))
        close(fd)
    }

    func testCorruptUndoEntryIsRefused() throws {
        let f = TestFile(size: 16 * 1024)
        _ = makePending(f, lines: [3, 9, 100])
        let torn = f.content()
        let h = LogHeader.load(TestFile.read(f.logPath).withUnsafeBytes { $0.baseAddress! })
        flipByte(f.logPath, at: Int(h.undoOffset) + 70)
        let e = expectError(EBADMSG) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains("checksum") ?? false)
        _ = expectError(EBADMSG) { _ = try PersistentFile.recoverIfNeeded(dataPath: f.path) }
        assertSameImage(f.content(), torn, "data must not be touched")
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertFalse(r.isHealthy)
        XCTAssertEqual(r.state, .recoveryPending)
    }

    func testCorruptHeaderAndStateWordAreRefused() throws {
        let f = TestFile(size: 16 * 1024)
        _ = makePending(f, lines: [1, 2])
        let torn = f.content()
        let good = TestFile.read(f.logPath)
        for (offset, code) in [(LogFormat.Offset.fileSize, EBADMSG), (LogFormat.Offset.lineCount, EBADMSG),
                               (LogFormat.Offset.tag, EBADMSG), (LogFormat.Offset.magic, EBADMSG),
                               (LogFormat.descriptorOffset, EBADMSG)] {
            TestFile.write(f.logPath, good)
            flipByte(f.logPath, at: offset)
            _ = expectError(code) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
            assertSameImage(f.content(), torn, "offset \(offset)")
        }
        // Unknown format version.
        TestFile.write(f.logPath, good)
        flipByte(f.logPath, at: LogFormat.Offset.version)
        _ = expectError(EPROTO) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        // Intact again: recovers.
        TestFile.write(f.logPath, good)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertDifferentImage(f.content(), torn)
    }

    func testLogOfAnotherFileIsRefusedAndAdoptable() throws {
        let f = TestFile(size: 16 * 1024)
        let old = f.content()
        _ = makePending(f, lines: [4, 5, 6])
        let torn = f.content()
        // The file is replaced by a copy (same name, same bytes, new inode): the log's identity no
        // longer matches - as after inode reuse or copying the pair of files.
        XCTAssertEqual(rename(f.path, f.path + ".orig"), 0)
        TestFile.write(f.path, torn)
        let fd = open(f.path, O_RDWR)
        defer { close(fd) }
        let e = expectError(ESTALE) { _ = try PersistentFile(dataPath: f.path, dataFD: fd) }
        XCTAssertTrue(e?.description.contains("--adopt") ?? false)
        assertSameImage(TestFile.read(f.path), torn, "data must not be touched")
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(r.belongsToFile, false)
        XCTAssertFalse(r.isHealthy)
        // The user says the pair was copied together.
        guard case .rolledBack(_, let lines) = try PersistentFile.recover(dataPath: f.path, adopt: true) else { return XCTFail() }
        XCTAssertEqual(lines, 3)
        assertSameImage(TestFile.read(f.path), old)
        // The log is clean now and gets rebound to the new file at the next open.
        let p = try PersistentFile(dataPath: f.path, dataFD: fd)
        p.close()
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).belongsToFile, true)
    }

    func testSizeMismatchIsRefused() throws {
        let f = TestFile(size: 16 * 1024)
        _ = makePending(f, lines: [4])
        XCTAssertEqual(ftruncate(f.fd, off_t(8 * 1024)), 0)
        _ = expectError(ESTALE) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
    }

    func testForeignFileAtLogPathIsRefused() throws {
        let f = TestFile(size: 4096)
        TestFile.write(f.logPath, Array("this is not a snapshot log, but it is long enough to have a header?".utf8) + [UInt8](repeating: 1, count: 300))
        let e = expectError(EBADMSG) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains("not a Snapshot undo log") ?? false)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .unreadable)
    }

    /// A symbolic link planted at the log's path is never followed (it could point at any file the
    /// writer may write).
    func testSymlinkAtLogPathIsRefused() throws {
        let f = TestFile(size: 4096, withLog: false)
        let victim = f.dir + "/victim"
        TestFile.write(victim, Array("precious".utf8))
        XCTAssertEqual(symlink(victim, f.logPath), 0)
        _ = expectError(ELOOP) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        _ = expectError(ELOOP) { _ = try PersistentFile.recoverIfNeeded(dataPath: f.path) }
        XCTAssertEqual(TestFile.read(victim), Array("precious".utf8))
    }

    func testInterruptedLogCreationIsHarmless() throws {
        let f = TestFile(size: 4096)
        TestFile.write(f.logPath, [UInt8](repeating: 0, count: 4096))
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .empty)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        _ = try f.commit(p, f.dirty(lines: [0], value: 1))
        p.close()
        assertSameImage(f.content(), f.workingImage())
        TestFile.write(f.logPath, [])
        XCTAssertFalse(try PersistentFile.recoverIfNeeded(dataPath: f.path))
    }
}
