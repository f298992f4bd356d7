import Glibc
import XCTest
@testable import SnapshotLog

/// Crash at every persistence event of a commit and of a recovery (SNAPSHOT_CRASH_AT in a forked
/// child), then recover and check the file is the old or the new image - and which one.
final class CrashRecoveryTests: XCTestCase {
    /// The events of `body` by name, from SNAPSHOT_CRASH_LIST.
    static func eventNames(_ f: TestFile, _ body: @escaping () throws -> Void) -> [String] {
        let errPath = f.dir + "/events.txt"
        let r = runChild(env: ["SNAPSHOT_CRASH_LIST": "1"], stderrPath: errPath, body)
        XCTAssertEqual(r, .exited(0))
        let text = String(decoding: TestFile.read(errPath), as: UTF8.self)
        var names: [String] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 4, String(line))
            XCTAssertEqual(parts[0], "snapshot-event")
            XCTAssertEqual(Int(parts[1]), names.count + 1)
            XCTAssertEqual(String(parts[3]), f.path)
            names.append(String(parts[2]))
        }
        return names
    }

    static func oneCommit(_ f: TestFile, _ runs: [DirtyRun]) -> () throws -> Void {
        return {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
            p.close()
        }
    }

    func testCrashAtEveryCommitEventThenRecover() throws {
        try CrashRecoveryTests.sweepCommitCrashes(TestFile(size: 64 * 1024 + 100))
    }

    func testCrashDuringRecoveryIsRecoveredAgain() throws {
        let f = TestFile(size: 32 * 1024)
        let runs = f.dirty(lines: [1, 2, 3, 100, 200, 511], value: 0x77)
        let new = f.workingImage()
        let old = f.content()

        // Crash right after the record is durable: the data is not in the file yet.
        func makePending() {
            f.reset(to: old)
            let r = runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {
                let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                _ = try f.commit(p, runs)
            }
            XCTAssertEqual(r, .exited(86))
            assertSameImage(f.content(), old)
            XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .recoveryPending)
        }
        makePending()
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).epoch, 1)
        let recNames = CrashRecoveryTests.eventNames(f) { XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path)) }
        XCTAssertEqual(recNames, ["replay-run", "replay-run", "replay-run", "replay-run", "replay-persisted",
                                  "checkpoint-header-written", "checkpoint-header-persisted"])
        assertSameImage(f.content(), new)

        for n in 1...recNames.count {
            makePending()
            let epoch = PersistentFile.inspect(dataPath: f.path).epoch
            // Crash inside recovery (through the writer's open path this time).
            let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(n)", "SNAPSHOT_CRASH_MODE": "kill"]) {
                _ = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            }
            XCTAssertEqual(r, .signaled(SIGKILL))
            // Recover again (CLI path), twice: the second finds nothing.
            let first = try PersistentFile.recover(dataPath: f.path, adopt: false)
            if n < recNames.count - 1 {
                guard case .recovered(let e, _) = first else { return XCTFail("event \(n): expected a replay, got \(first)") }
                XCTAssertEqual(e, epoch, "the replayed commit is the last one")
            } else {
                guard case .clean = first else { return XCTFail("event \(n): expected clean, got \(first)") }
            }
            guard case .clean(let e) = try PersistentFile.recover(dataPath: f.path, adopt: false) else { return XCTFail() }
            XCTAssertEqual(e, epoch)
            assertSameImage(f.content(), new, "crash at recovery event \(n)")
        }
    }

    /// Recovery applied twice to the same log gives the same file (idempotence).
    func testRecoveryIsIdempotent() throws {
        let f = TestFile(size: 16 * 1024)
        let runs = f.dirty(lines: [0, 5, 6, 255], value: 0x31)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "4"]) {  // second data-run
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        let logImage = TestFile.read(f.logPath)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertSameImage(f.content(), f.workingImage())
        // Put the log back as it was and recover again over the already-replayed data.
        TestFile.write(f.logPath, logImage)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertSameImage(f.content(), f.workingImage())
        XCTAssertFalse(try PersistentFile.recoverIfNeeded(dataPath: f.path))
    }

    /// The negative controls really break atomicity (so the harness can prove it catches them).
    func testNegativeControlFaultsBreakAtomicity() throws {
        let f = TestFile(size: 16 * 1024)
        let old = f.content()
        let runs = f.dirty(lines: [0, 5, 6, 255], value: 0x42)
        let new = f.workingImage()
        // apply-before-log: the first data run reaches the file before any record exists.
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "1", "SNAPSHOT_TEST_FAULT": "apply-before-log"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        PersistentFile(dataPathForTest: f.path, fd: f.fd)
        assertDifferentImage(f.content(), old, "apply-before-log")
        assertDifferentImage(f.content(), new, "apply-before-log")
        f.reset(to: old)
        // accept-torn-records: a record torn by the crash is replayed.
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "1"]) {  // record-written, not yet fenced
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        RefusalTests.flipByte(f.logPath, at: LogFormat.recordsStart + 128 + 3)  // inside the first run
        XCTAssertEqual(runChild(env: ["SNAPSHOT_TEST_FAULT": "accept-torn-records"]) {
            PersistentFile(dataPathForTest: f.path, fd: f.fd)
        }, .exited(0))
        assertDifferentImage(f.content(), old, "accept-torn-records")
        assertDifferentImage(f.content(), new, "accept-torn-records")
    }

    /// Crash (both modes) after every event of one commit and its close; recover. Every event
    /// comes after the record is complete, so the commit always survives (in flight, completed).
    /// What a crash *before* the record is durable leaves is checked by the power-failure model.
    static func sweepCommitCrashes(_ f: TestFile) throws {
        let old = f.content()
        let runs = f.dirty(lines: [0, 1, 2, 50, 51, 400, 1024], value: 0x5C)
        let new = f.workingImage()
        assertDifferentImage(old, new)

        let names = eventNames(f, oneCommit(f, runs))
        assertSameImage(f.content(), new)
        XCTAssertEqual(names, ["record-written", "record-persisted", "data-run", "data-run", "data-run", "data-run",
                               "checkpoint-data-persisted", "checkpoint-header-written", "checkpoint-header-persisted"])
        guard names.count == 9 else { return }
        f.reset(to: old)

        for (i, name) in names.enumerated() {
            let n = i + 1
            for mode in ["exit", "kill"] {
                let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(n)", "SNAPSHOT_CRASH_MODE": mode], oneCommit(f, runs))
                XCTAssertEqual(r, mode == "exit" ? .exited(86) : .signaled(SIGKILL), "event \(n) \(name)")
                // Until the new header is written, the lap holds the commit to replay.
                let pendingExpected = n < names.count - 1
                XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, pendingExpected ? .recoveryPending : .clean,
                               "event \(n) \(name)")
                let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                XCTAssertEqual(p.recoveredLines > 0, pendingExpected, "event \(n) \(name)")
                p.close()
                assertSameImage(f.content(), new, "crash after event \(n) \(name): the commit is durable")
                XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
                f.reset(to: old)
            }
        }
    }
}

extension PersistentFile {
    /// Opens and closes the file (recovering it); failures are test failures.
    @discardableResult
    convenience init(dataPathForTest path: String, fd: Int32) {
        try! self.init(dataPath: path, dataFD: fd)
        close()
    }
}
