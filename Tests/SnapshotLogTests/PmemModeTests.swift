import CSnapshotPmem
import Glibc
import XCTest
@testable import SnapshotLog

/// The persistent-memory path (non-temporal stores, pmem_drain) on DRAM via PMEM_IS_PMEM_FORCE=1.
/// libpmem reads that variable when it is loaded, which the rest of the suite has usually done
/// already, so the test re-runs itself in a fresh process with the variable set.
final class PmemModeTests: XCTestCase {
    private func inFreshProcessWithPmem(_ name: String) throws -> Bool {
        if let v = getenv("PMEM_IS_PMEM_FORCE"), String(cString: v) == "1" { return false }
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        guard n > 0 else { throw XCTSkip("cannot find the test executable") }
        let path = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let out = "/tmp/snapshot-pmem-test-\(getpid()).log"
        defer { unlink(out) }
        let status = system("PMEM_IS_PMEM_FORCE=1 '\(path)' 'SnapshotLogTests.PmemModeTests/\(name)' > '\(out)' 2>&1")
        let text = String(decoding: TestFile.read(out), as: UTF8.self)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("Executed 1 test, with 0 failures"), text)
        return true
    }

    func testCommitAndCrashSweepOnPersistentMemory() throws {
        if try inFreshProcessWithPmem("testCommitAndCrashSweepOnPersistentMemory") { return }
        if snapshot_pmem_load() != 0 { throw XCTSkip(String(cString: snapshot_pmem_error())) }

        let f = TestFile(size: 256 * 1024 + 64)
        XCTAssertEqual(snapshot_pmem_is_pmem(f.persistent, f.size), 1)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        // Large (growing the log, the fused NT copy of long runs) and scattered commits.
        _ = try f.commit(p, f.dirty(lines: Array(0..<(f.size / 64)), value: 1))
        assertSameImage(f.content(), f.workingImage())
        _ = try f.commit(p, f.dirty(lines: [0, 9, 10, 11, 4095, (f.size - 1) / 64], value: 2))
        assertSameImage(f.content(), f.workingImage())
        p.close()
        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(r.medium, "persistent memory")
        XCTAssertEqual(r.epoch, 2)
        XCTAssertTrue(r.isHealthy, "\(r.problems)")

        try CrashRecoveryTests.sweepCommitCrashes(f)
    }
}
