import Glibc
import XCTest
@testable import SnapshotLog

/// The session mark (SessionMark.swift): set while a writer has the file, durable before its first
/// record, gone after a clean close; followed by recovery under any name; a missing marked log is
/// refused until accepted.
final class SessionMarkTests: XCTestCase {
    func testMarkLivesForTheSessionOnly() throws {
        let f = TestFile(size: 8192)
        XCTAssertEqual(SessionMark.read(f.fd), .absent)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        XCTAssertEqual(SessionMark.read(f.fd), .log(f.logPath))
        _ = try f.commit(p, f.dirty(lines: [1], value: 5))
        p.close()
        XCTAssertEqual(SessionMark.read(f.fd), .absent, "a clean close removes the mark")
    }

    func testCrashLeavesMarkAndAnotherNameRecovers() throws {
        let f = TestFile(size: 8192)
        let runs = f.dirty(lines: [2, 3], value: 0x5A)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {  // record durable, data not applied
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        XCTAssertEqual(SessionMark.read(f.fd), .log(f.logPath), "the mark survives the crash")
        let other = f.dir + "/renamed.bin"
        XCTAssertEqual(rename(f.path, other), 0)
        guard case .recovered(_, let lines) = try PersistentFile.recover(dataPath: other, adopt: false) else {
            return XCTFail("recovery through the new name found nothing")
        }
        XCTAssertEqual(lines, 2)
        assertSameImage(TestFile.read(other), f.workingImage())
        XCTAssertEqual(SessionMark.read(f.fd), .absent)
        XCTAssertNotEqual(access(f.logPath, F_OK), 0, "the log left behind the old name is removed")
    }

    func testMissingMarkedLogIsRefusedUntilAccepted() throws {
        let f = TestFile(size: 8192)
        let runs = f.dirty(lines: [4], value: 7)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        let before = f.content()
        XCTAssertEqual(unlink(f.logPath), 0)
        let e = expectError(ENOTRECOVERABLE) { _ = try PersistentFile.recover(dataPath: f.path, adopt: false) }
        XCTAssertTrue(e?.description.contains("--accept-as-is") ?? false, e?.description ?? "")
        _ = expectError(ENOTRECOVERABLE) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        assertSameImage(f.content(), before)
        _ = try PersistentFile.acceptAsIs(dataPath: f.path)
        XCTAssertEqual(SessionMark.read(f.fd), .absent)
        guard case .noLog = try PersistentFile.recover(dataPath: f.path, adopt: false) else {
            return XCTFail("accepted file still refers to a log")
        }
    }

    func testAcceptAsIsRefusesWhileTheLogExists() throws {
        let f = TestFile(size: 8192)
        let runs = f.dirty(lines: [4], value: 7)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        _ = expectError(EEXIST) { _ = try PersistentFile.acceptAsIs(dataPath: f.path) }
        XCTAssertEqual(SessionMark.read(f.fd), .log(f.logPath))
    }

    func testSecondWriterThroughAnotherNameIsBusy() throws {
        let f = TestFile(size: 8192)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        defer { p.close() }
        let other = f.dir + "/link.bin"
        XCTAssertEqual(link(f.path, other), 0)
        let fd2 = open(other, O_RDWR | O_CLOEXEC)
        defer { close(fd2) }
        // Another open file description of the log's lock: busy, as another process would be.
        let e = expectError(EBUSY) { _ = try PersistentFile(dataPath: other, dataFD: fd2) }
        XCTAssertTrue(e?.description.contains(f.logPath) ?? false, e?.description ?? "")
    }
}
