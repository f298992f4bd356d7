import Glibc
import XCTest
@testable import SnapshotLog

/// Crash at every persistence event of a commit and of a recovery (SNAPSHOT_CRASH_AT in a forked
/// child), then recover and check the file is the old or the new image - and which one.
final class CrashRecoveryTests: XCTestCase {
    /// The events of one commit, by name, from SNAPSHOT_CRASH_LIST.
    static func eventNames(_ f: TestFile, _ runs: [DirtyRun]) -> [String] {
        let errPath = f.dir + "/events.txt"
        let r = runChild(env: ["SNAPSHOT_CRASH_LIST": "1"], stderrPath: errPath) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
            p.close()
        }
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

    func testCrashAtEveryCommitEventThenRecover() throws {
        try CrashRecoveryTests.sweepCommitCrashes(TestFile(size: 64 * 1024 + 100))
    }

    func testCrashDuringRecoveryIsRecoveredAgain() throws {
        let f = TestFile(size: 32 * 1024)
        let old = f.content()
        let runs = f.dirty(lines: [1, 2, 3, 100, 200, 511], value: 0x77)
        let names = CrashRecoveryTests.eventNames(f, runs)
        f.reset(to: old)
        let dataPersisted = names.firstIndex(of: "data-persisted")! + 1

        // Recovery events, by name.
        func makePending() {
            let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(dataPersisted)"]) {
                let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                _ = try f.commit(p, runs)
            }
            XCTAssertEqual(r, .exited(86))
            assertSameImage(f.content(), f.workingImage())
            XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .recoveryPending)
        }
        makePending()
        let errPath = f.dir + "/recovery-events.txt"
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_LIST": "1"], stderrPath: errPath) {
            XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        }, .exited(0))
        let recNames = String(decoding: TestFile.read(errPath), as: UTF8.self).split(separator: "\n").map { String($0.split(separator: " ")[2]) }
        XCTAssertEqual(recNames, ["recover-run", "recover-run", "recover-run", "recover-run",
                                  "recover-persisted", "recover-invalidated", "recover-invalidated-persisted"])
        assertSameImage(f.content(), old)

        for n in 1...recNames.count {
            makePending()
            // Crash inside recovery (through the writer's open path this time).
            let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(n)", "SNAPSHOT_CRASH_MODE": "kill"]) {
                _ = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            }
            XCTAssertEqual(r, .signaled(SIGKILL))
            // Recover again (CLI path), twice: the second finds nothing.
            let first = try PersistentFile.recover(dataPath: f.path, adopt: false)
            if n < recNames.count - 1 {
                guard case .rolledBack(let e, _) = first else { return XCTFail("event \(n): expected a rollback, got \(first)") }
                XCTAssertEqual(e, 2, "the interrupted commit is the second one (the first completed)")
            } else {
                guard case .clean = first else { return XCTFail("event \(n): expected clean, got \(first)") }
            }
            guard case .clean(let e) = try PersistentFile.recover(dataPath: f.path, adopt: false) else { return XCTFail() }
            XCTAssertEqual(e, 1, "after rollback the last completed commit is the first")
            assertSameImage(f.content(), old, "crash at recovery event \(n)")
        }
    }

    /// Recovery applied twice to the same pending log gives the same file (idempotence).
    func testRecoveryIsIdempotent() throws {
        let f = TestFile(size: 16 * 1024)
        let old = f.content()
        let runs = f.dirty(lines: [0, 5, 6, 255], value: 0x31)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "7"]) {  // second data-run
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        let logImage = TestFile.read(f.logPath)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertSameImage(f.content(), old)
        // Put the pending log back as it was and recover again over the already-restored data.
        TestFile.write(f.logPath, logImage)
        XCTAssertTrue(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        assertSameImage(f.content(), old)
        XCTAssertFalse(try PersistentFile.recoverIfNeeded(dataPath: f.path))
    }

    /// The negative controls really break atomicity (so the harness can prove it catches them).
    func testNegativeControlFaultsBreakAtomicity() throws {
        let f = TestFile(size: 16 * 1024)
        let old = f.content()
        let runs = f.dirty(lines: [0, 5, 6, 255], value: 0x42)
        for fault in ["skip-undo", "early-invalidate"] {
            // Crash right after the first data run: the correct engine would roll back.
            let names = fault == "skip-undo" ? 5 : 7
            XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "\(names)", "SNAPSHOT_TEST_FAULT": fault]) {
                let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                _ = try f.commit(p, runs)
            }, .exited(86), fault)
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            p.close()
            let after = f.content()
            assertDifferentImage(after, old, fault)
            assertDifferentImage(after, f.workingImage(), fault)
            f.reset(to: old)
        }
    }

    /// Crash (both modes) after every event of one commit; recover; old before the clean tag, new after.
    static func sweepCommitCrashes(_ f: TestFile) throws {
        let old = f.content()
        let runs = f.dirty(lines: [0, 1, 2, 50, 51, 400, 1024], value: 0x5C)
        let new = f.workingImage()
        assertDifferentImage(old, new)

        let names = eventNames(f, runs)
        assertSameImage(f.content(), new)
        XCTAssertEqual(names, ["undo-written", "undo-persisted", "log-valid", "log-valid-persisted",
                               "data-run", "data-run", "data-run", "data-run",
                               "data-persisted", "log-invalidated", "log-invalidated-persisted"])
        guard names.count == 11 else { return }
        f.reset(to: old)

        for (i, name) in names.enumerated() {
            let n = i + 1
            for mode in ["exit", "kill"] {
                let r = runChild(env: ["SNAPSHOT_CRASH_AT": "\(n)", "SNAPSHOT_CRASH_MODE": mode]) {
                    let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                    _ = try f.commit(p, runs)
                }
                XCTAssertEqual(r, mode == "exit" ? .exited(86) : .signaled(SIGKILL), "event \(n) \(name)")
                let pendingExpected = (3...names.count - 2).contains(n)
                XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, pendingExpected ? .recoveryPending : .clean,
                               "event \(n) \(name)")
                let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
                XCTAssertEqual(p.recoveredLines > 0, pendingExpected, "event \(n) \(name)")
                p.close()
                let after = f.content()
                if n >= names.count - 1 {
                    assertSameImage(after, new, "crash after event \(n) \(name): commit must be complete")
                } else {
                    assertSameImage(after, old, "crash after event \(n) \(name): must roll back")
                }
                XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
                f.reset(to: old)
            }
        }
    }
}
