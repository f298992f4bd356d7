import Glibc
import XCTest
@testable import SnapshotLog

/// SNAPSHOT_TRACE (oracle lines) and SNAPSHOT_PMTRACE (binary persistence trace), including a
/// replay of every prefix of the persistence trace through the real recovery.
final class TraceTests: XCTestCase {
    struct Record {
        var kind: UInt8
        var file: UInt32
        var offset: UInt64
        var length: UInt64
        var payload: [UInt8]
    }

    static func parse(_ bytes: [UInt8]) -> (names: [UInt32: String], records: [Record])? {
        guard bytes.count >= 8, Array(bytes[0..<8]) == Array("SNAPPMT1".utf8) else { return nil }
        var names: [UInt32: String] = [:]
        var records: [Record] = []
        var i = 8
        func u32(_ o: Int) -> UInt32 { bytes[o..<o + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64(_ o: Int) -> UInt64 { bytes[o..<o + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        while i < bytes.count {
            guard i + 24 <= bytes.count else { return nil }
            var r = Record(kind: bytes[i], file: u32(i + 4), offset: u64(i + 8), length: u64(i + 16), payload: [])
            i += 24
            if r.kind == 1 || r.kind == 2 {
                guard i + Int(r.length) <= bytes.count else { return nil }
                r.payload = Array(bytes[i..<i + Int(r.length)])
                i += Int(r.length)
            }
            if r.kind == 1 { names[r.file] = String(decoding: r.payload, as: UTF8.self) }
            records.append(r)
        }
        return (names, records)
    }

    static func fnv(_ b: [UInt8]) -> String {
        var h = FNV1a64()
        b.withUnsafeBytes { h.update($0.baseAddress!, b.count) }
        return h.hex
    }

    func testCommitTraceLines() throws {
        let f = TestFile(size: 8192 + 10)
        let tracePath = f.dir + "/trace.txt"
        let runs1 = f.dirty(lines: [0, 3, 128], value: 1)
        let image1 = f.workingImage()
        let runs2 = f.dirty(lines: [3, 4], value: 2)
        let image2 = f.workingImage()
        // Put the working copy back to image1 for the first commit in the child.
        XCTAssertEqual(runChild(env: ["SNAPSHOT_TRACE": tracePath]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            image1.withUnsafeBytes { f.working.copyMemory(from: $0.baseAddress!, byteCount: f.size) }
            _ = try f.commit(p, runs1)
            image2.withUnsafeBytes { f.working.copyMemory(from: $0.baseAddress!, byteCount: f.size) }
            _ = try f.commit(p, runs2)
            p.close()
        }, .exited(0))
        let lines = String(decoding: TestFile.read(tracePath), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "begin 1 \(TraceTests.fnv(image1)) \(f.size) \(f.path)",
            "commit 1 \(TraceTests.fnv(image1)) \(f.size) \(f.path)",
            "begin 2 \(TraceTests.fnv(image2)) \(f.size) \(f.path)",
            "commit 2 \(TraceTests.fnv(image2)) \(f.size) \(f.path)",
        ])
    }

    /// Records the persistence trace of one commit, checks its structure and ordering, then builds
    /// the crash image after every prefix of it and runs the real recovery on each.
    func testPersistenceTraceAndPrefixReplay() throws {
        let f = TestFile(size: 16 * 1024 + 64)
        let old = f.content()
        let oldLog = TestFile.read(f.logPath)
        let tracePath = f.dir + "/pm.trace"
        let runs = f.dirty(lines: [0, 1, 7, 100, 256], value: 0x99)
        let new = f.workingImage()
        XCTAssertEqual(runChild(env: ["SNAPSHOT_PMTRACE": tracePath]) {
            let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            _ = try f.commit(p, runs)
            p.close()
        }, .exited(0))
        assertSameImage(f.content(), new)
        guard let (names, records) = TraceTests.parse(TestFile.read(tracePath)) else { return XCTFail("trace does not parse") }
        let dataIdx = names.first { $0.value == f.path }?.key
        let logIdx = names.first { $0.value == f.logPath }?.key
        XCTAssertNotNil(dataIdx)
        XCTAssertNotNil(logIdx)

        // Ordering (PersistentFile's invariants): the record is stored, then a log fence, then
        // the data; at close a data fence, then the other header copy, then a log fence.
        let recordStores = records.indices.filter { records[$0].kind == 2 && records[$0].file == logIdx && records[$0].offset >= UInt64(LogFormat.recordsStart) }
        let headerStores = records.indices.filter { records[$0].kind == 2 && records[$0].file == logIdx && records[$0].offset < UInt64(LogFormat.recordsStart) }
        XCTAssertEqual(recordStores.count, 1, "one pwrite per record on the page cache")
        XCTAssertEqual(headerStores.count, 1)
        let dataStores = records.indices.filter { records[$0].kind == 2 && records[$0].file == dataIdx }
        XCTAssertEqual(dataStores.count, 4)
        func fenceBetween(_ a: Int, _ b: Int, covering file: UInt32?) -> Bool {
            (a + 1..<b).contains { records[$0].kind == 3 && (records[$0].file == file || records[$0].file == 0xFFFF_FFFF) }
        }
        XCTAssertTrue(fenceBetween(recordStores.max()!, dataStores.min()!, covering: logIdx))
        XCTAssertTrue(fenceBetween(dataStores.max()!, headerStores[0], covering: dataIdx))
        XCTAssertTrue(fenceBetween(headerStores[0], records.count, covering: logIdx))
        // One commit + its close: three ordering points in all (record; data + header at close).
        XCTAssertEqual(records.filter { $0.kind == 3 }.count, 3)
        XCTAssertTrue(records.contains { $0.kind == 4 && $0.offset == 1 })

        // Replay each prefix onto the pre-commit images; recover; the file must be old or new, and
        // new exactly when the record is in the prefix.
        let recordAt = recordStores[0]
        var sawOld = 0, sawNew = 0
        for k in 0...records.count {
            var data = old, log = oldLog
            for r in records[0..<k] {
                switch r.kind {
                case 2:
                    let o = Int(r.offset)
                    if r.file == dataIdx { data.replaceSubrange(o..<o + r.payload.count, with: r.payload) }
                    if r.file == logIdx {
                        if log.count < o + r.payload.count { log += [UInt8](repeating: 0, count: o + r.payload.count - log.count) }
                        log.replaceSubrange(o..<o + r.payload.count, with: r.payload)
                    }
                case 5:
                    if r.file == logIdx {
                        let n = Int(r.offset)
                        if log.count < n { log += [UInt8](repeating: 0, count: n - log.count) } else { log.removeSubrange(n...) }
                    }
                default: break
                }
            }
            TestFile.write(f.path, data)
            TestFile.write(f.logPath, log)
            let fd = open(f.path, O_RDWR)
            let p = try PersistentFile(dataPath: f.path, dataFD: fd)
            p.close()
            close(fd)
            let after = f.content()
            if k > recordAt {
                assertSameImage(after, new, "prefix \(k)")
                sawNew += 1
            } else if after == old {
                sawOld += 1
            } else {
                assertSameImage(after, new, "prefix \(k): neither old nor new")
                sawNew += 1
            }
        }
        XCTAssertGreaterThan(sawOld, 0)
        XCTAssertGreaterThan(sawNew, 0)
    }
}
