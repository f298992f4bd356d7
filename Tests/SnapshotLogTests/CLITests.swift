import Glibc
import XCTest
@testable import SnapshotLog

/// The `snapshot` command line tool against real logs. Needs the built tool: $SNAPSHOT_CLI, or
/// $SNAPSHOT_BIN_DIR/snapshot, or build/bin/snapshot in the source tree; skipped otherwise.
final class CLITests: XCTestCase {
    private func cliPath() throws -> String {
        var candidates: [String] = []
        if let p = getenv("SNAPSHOT_CLI") { candidates.append(String(cString: p)) }
        if let d = getenv("SNAPSHOT_BIN_DIR") { candidates.append(String(cString: d) + "/snapshot") }
        let here = String(describing: #filePath)
        if let r = here.range(of: "/Tests/SnapshotLogTests/") { candidates.append(String(here[..<r.lowerBound]) + "/build/bin/snapshot") }
        for c in candidates where access(c, X_OK) == 0 { return c }
        throw XCTSkip("the snapshot CLI is not built (looked at \(candidates))")
    }

    /// Runs the CLI; returns (exit status, stdout + stderr).
    private func run(_ args: [String], in f: TestFile) throws -> (Int32, String) {
        let out = f.dir + "/cli.out"
        let quoted = args.map { "'\($0)'" }.joined(separator: " ")
        let status = system("\(quoted) > '\(out)' 2>&1")
        return ((status >> 8) & 0xff, String(decoding: TestFile.read(out), as: UTF8.self))
    }

    func testStatusVerifyRecover() throws {
        let cli = try cliPath()
        let f = TestFile(size: 8192)
        let old = f.content()

        var (code, text) = try run([cli, "status", f.path], in: f)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("clean"), text)
        (code, text) = try run([cli, "verify", f.path], in: f)
        XCTAssertEqual(code, 0, text)

        let runs = f.dirty(lines: [2, 3, 100], value: 0x3C)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {  // record durable, data not applied
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
        }, .exited(86))
        assertSameImage(f.content(), old)

        (code, text) = try run([cli, "status", f.path], in: f)
        XCTAssertEqual(code, 2, text)
        XCTAssertTrue(text.contains("RECOVERY PENDING"), text)
        (code, text) = try run([cli, "verify", f.path], in: f)
        XCTAssertEqual(code, 0, text)
        (code, text) = try run([cli, "recover", f.path], in: f)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("recovered"), text)
        assertSameImage(f.content(), f.workingImage())
        (code, text) = try run([cli, "recover", f.path], in: f)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("nothing to recover"), text)

        // Damaged log: verify and recover fail, data untouched.
        let runs2 = f.dirty(lines: [5], value: 0x4D)
        XCTAssertEqual(runChild(env: ["SNAPSHOT_CRASH_AT": "2"]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs2)
        }, .exited(86))
        let torn = f.content()
        for copy in LogFormat.headerCopyOffsets { RefusalTests.flipByte(f.logPath, at: copy + LogFormat.HeaderOffset.baseEpoch) }
        (code, text) = try run([cli, "verify", f.path], in: f)
        XCTAssertEqual(code, 1, text)
        XCTAssertTrue(text.contains("checksum"), text)
        (code, text) = try run([cli, "recover", f.path], in: f)
        XCTAssertEqual(code, 1, text)
        assertSameImage(f.content(), torn)

        (code, text) = try run([cli, "--help"], in: f)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("recover") && text.contains("verify") && text.contains("status"), text)
        (code, _) = try run([cli, "status"], in: f)
        XCTAssertNotEqual(code, 0)
    }
}
