import Glibc
import XCTest
@testable import SnapshotLog

/// Logs that are damaged or belong to another file are refused and the data is left untouched.
final class RefusalTests: XCTestCase {
    /// Commits `commits` times (each dirtying `lines`) and dies right after the last record is
    /// durable, before its data reaches the file: the log holds commits to replay.
    @discardableResult
    static func makePending(_ f: TestFile, lines: [Int], commits: Int = 1) -> [DirtyRun] {
        let all = (0..<commits).map { f.dirty(lines: lines, value: 0xE1 &+ UInt8($0)) }
        // Events per commit: record-written, record-persisted, then one data-run per run.
        let event = (commits - 1) * (2 + all[0].count) + 2
        let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(event)"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            for runs in all { _ = try f.commit(p, runs) }
        }
        XCTAssertEqual(r, .exited(86))
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .recoveryPending)
        return all[commits - 1]
    }

    static func flipByte(_ path: String, at offset: Int) {
        let fd = open(path, O_RDWR)
        var b: UInt8 = 0
        pread(fd, &b, 1, off_t(offset))
        b ^= 0x10
        pwrite(fd, &b, 1, off_t(offset))
        close(fd)
    }

    /// Damage inside the lap (a record followed by a valid successor) cannot be a crash artefact.
    func testCorruptRecordInsideTheLapIsRefused() throws {
        let f = TestFile(size: 16 * 1024)
        RefusalTests.makePending(f, lines: [3, 9, 100], commits: 2)
        let before = f.content()
        // First record: header at recordsStart, body after its 64-byte header.
        RefusalTests.flipByte(f.logPath, at: LogFormat.recordsStart + 64 + 70)
        let e = expectError(EBADMSG) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains("checksum") ?? false, e?.description ?? "")
        _ = expectError(EBADMSG) { _ = try PersistentFile.recoverIfNeeded(dataPath: f.path) }
        assertSameImage(f.content(), before, "data must not be touched")
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertFalse(r.isHealthy)
    }

    /// A damaged last record is what a crash while writing it leaves: it was never acknowledged
    /// and its data never reached the file (I1), so the file is taken as it is.
    func testTornLastRecordIsTheInterruptedCommit() throws {
        let f = TestFile(size: 16 * 1024)
        let old = f.content()
        RefusalTests.makePending(f, lines: [3, 9, 100])
        assertSameImage(f.content(), old, "crashed before the data was applied")
        RefusalTests.flipByte(f.logPath, at: LogFormat.recordsStart + 64 + 70)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        XCTAssertEqual(p.recoveredLines, 0)
        p.close()
        assertSameImage(f.content(), old)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }

    func testCorruptHeadersAreRefused() throws {
        let f = TestFile(size: 16 * 1024)
        RefusalTests.makePending(f, lines: [1, 2])
        let before = f.content()
        let good = TestFile.read(f.logPath)
        let current: Int
        guard case .current(_, let slot) = try Recovery.readHeader(log: good.withUnsafeBytes { $0.baseAddress! }, size: good.count,
                                                                   logPath: f.logPath, dataPath: f.path) else { return XCTFail() }
        current = LogFormat.headerCopyOffsets[slot]
        // The current copy damaged while records of its lap exist: not a torn header write.
        for (offset, code) in [(current + LogFormat.HeaderOffset.salt, EBADMSG), (current + LogFormat.HeaderOffset.magic, EBADMSG),
                               (current + LogFormat.HeaderOffset.baseEpoch, EBADMSG), (current + LogFormat.HeaderOffset.version, EPROTO)] {
            TestFile.write(f.logPath, good)
            RefusalTests.flipByte(f.logPath, at: offset)
            _ = expectError(code) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
            assertSameImage(f.content(), before, "offset \(offset)")
        }
        // Intact again: recovers (replays the commit).
        TestFile.write(f.logPath, good)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertDifferentImage(f.content(), before)
    }

    func testLogOfAnotherFileIsRefusedAndAdoptable() throws {
        let f = TestFile(size: 16 * 1024)
        RefusalTests.makePending(f, lines: [4, 5, 6])
        let new = f.workingImage()
        let before = f.content()
        // The file is replaced by a copy (same name, same bytes, new inode): the log's identity no
        // longer matches - as after inode reuse or copying the pair of files.
        XCTAssertEqual(rename(f.path, f.path + ".orig"), 0)
        TestFile.write(f.path, before)
        let fd = open(f.path, O_RDWR)
        defer { close(fd) }
        let e = expectError(ESTALE) { _ = try PersistentFile(dataPath: f.path, dataFD: fd) }
        XCTAssertTrue(e?.description.contains("--adopt") ?? false)
        assertSameImage(TestFile.read(f.path), before, "data must not be touched")
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(r.belongsToFile, false)
        XCTAssertFalse(r.isHealthy)
        // The user says the pair was copied together.
        guard case .recovered(_, let lines) = try PersistentFile.recover(dataPath: f.path, adopt: true) else { return XCTFail() }
        XCTAssertEqual(lines, 3)
        assertSameImage(TestFile.read(f.path), new)
        // The log is bound to the new file now.
        let p = try PersistentFile(dataPath: f.path, dataFD: fd)
        p.close()
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).belongsToFile, true)
    }

    /// The size is part of the commit: replay restores it whatever the file's size after the crash.
    func testReplayRestoresTheCommittedSize() throws {
        let f = TestFile(size: 16 * 1024)
        let runs = f.dirty(lines: [4], value: 7)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {  // record-persisted
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try runs.withUnsafeBufferPointer {
                try p.commit(runs: $0, working: f.working, persistent: f.persistent, fileLength: 12 * 1024)
            }
        }, .exited(86))
        XCTAssertEqual(ftruncate(f.fd, off_t(4 * 1024)), 0)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        let after = f.content()
        XCTAssertEqual(after.count, 12 * 1024)
        assertSameImage(Array(after[0..<4096]), Array(f.workingImage()[0..<4096]))
        XCTAssertEqual(after[4096..<(12 * 1024)].allSatisfy { $0 == 0 }, true, "the cut-off part comes back as zeros")
    }

    func testForeignFileAtLogPathIsRefused() throws {
        let f = TestFile(size: 4096)
        TestFile.write(f.logPath, Array("this is not a snapshot log, but it is long enough to have a header?".utf8) + [UInt8](repeating: 1, count: 300))
        let e = expectError(EBADMSG) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains("not a Snapshot log") ?? false)
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
