import CSnapshotPmem
import Glibc
import XCTest
@testable import SnapshotLog

final class FormatTests: XCTestCase {
    func testCRC32CCheckValue() {
        let s = Array("123456789".utf8)
        XCTAssertEqual(s.withUnsafeBytes { crc32c(0, $0.baseAddress!, 9) }, 0xE306_9283)
        // Chaining across arbitrary splits (exercises the unaligned head and the tail paths).
        var big = [UInt8](repeating: 0, count: 1000)
        for i in 0..<big.count { big[i] = UInt8(truncatingIfNeeded: i * 7 + 3) }
        let whole = big.withUnsafeBytes { crc32c(0, $0.baseAddress!, 1000) }
        for split in [0, 1, 3, 8, 13, 64, 999, 1000] {
            let c = big.withUnsafeBytes { b -> UInt32 in
                let a = crc32c(0, b.baseAddress!, split)
                return crc32c(a, b.baseAddress! + split, 1000 - split)
            }
            XCTAssertEqual(c, whole, "split at \(split)")
        }
        XCTAssertNotEqual(whole, 0)
    }

    /// The fused copy+checksum (hardware lanes, streaming stores) against a reference built from the
    /// plain chainable CRC-32C, for every length class and alignment.
    func testSegmentChecksumMatchesDefinition() {
        func reference(_ b: UnsafeRawPointer, _ n: Int) -> UInt32 {
            if n < 256 { return crc32c(0, b, n) }
            var lanes: [UInt32] = [0, 0, 0, 0]
            let blocks = n / 32
            for k in 0..<blocks { for i in 0..<4 { lanes[i] = crc32c(lanes[i], b + 32 * k + 8 * i, 8) } }
            lanes[0] = crc32c(lanes[0], b + 32 * blocks, n % 32)
            return lanes.withUnsafeBytes { crc32c(0, $0.baseAddress!, 16) }
        }
        // Sizes past 8 KiB (the chunked path's chunk) and 2 KiB (the fused path's prefetch
        // distance); destinations 64-, 16- and 8-byte aligned (the fused streaming path needs 16);
        // lengths with a 32-byte block and bytes after the last whole line.
        let size = 40_000
        let src = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: size + 100, alignment: 64)
        defer { src.deallocate(); dst.deallocate() }
        for i in 0..<size { src.storeBytes(of: UInt8(truncatingIfNeeded: i &* 131 &+ 7), toByteOffset: i, as: UInt8.self) }
        for n in [0, 1, 63, 64, 255, 256, 257, 288, 300, 1024, 4095, 4999, 8224, 20_000, 39_000] {
            for (so, dso) in [(0, 0), (1, 0), (0, 8), (0, 16), (3, 5), (5, 48)] where so + n <= size {
                let want = reference(src + so, n)
                XCTAssertEqual(snapshot_segment_crc(src + so, n), want, "n \(n)")
                dst.initializeMemory(as: UInt8.self, repeating: 0xEE, count: size + 100)
                for nt: Int32 in [0, 1] {
                    XCTAssertEqual(snapshot_copy_segment_crc(dst + dso, src + so, n, nt), want, "copy n \(n) nt \(nt)")
                    XCTAssertEqual(memcmp(dst + dso, src + so, n), 0, "copied bytes n \(n)")
                    XCTAssertEqual(dst.load(fromByteOffset: dso + n, as: UInt8.self), 0xEE, "no overrun n \(n)")
                }
            }
        }
    }

    /// snapshot_copy_record_body (one call for the whole body) gives the bytes and the checksum of
    /// the segment-by-segment definition: chainSegment over the descriptor block and each run.
    func testRecordBodyCopyMatchesSegmentDefinition() {
        let size = 1 << 16
        let src = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: size * 2, alignment: 64)
        let desc = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
        defer { src.deallocate(); dst.deallocate(); desc.deallocate() }
        for i in 0..<size { src.storeBytes(of: UInt8(truncatingIfNeeded: i &* 29 &+ 11), toByteOffset: i, as: UInt8.self) }
        for i in 0..<4096 { desc.storeBytes(of: UInt8(truncatingIfNeeded: i &* 5 &+ 1), toByteOffset: i, as: UInt8.self) }
        let ntModes: [Int32] = snapshot_pmem_load() == 0 ? [0, 1] : [0]
        // Single lines, lines below and above the 256-byte lanes threshold, a run clipped at the
        // file's end (not whole lines), descriptor blocks below and above one line.
        let cases: [(runs: [DirtyRun], limit: Int, descBytes: Int)] = [
            ([DirtyRun(offset: 0, length: 64)], size, 3),
            ([DirtyRun(offset: 64, length: 64), DirtyRun(offset: 640, length: 192), DirtyRun(offset: 4096, length: 256)], size, 9),
            ([DirtyRun(offset: 128, length: 4096), DirtyRun(offset: 8192, length: 8192)], size, 70),
            ([DirtyRun(offset: 1024, length: 64), DirtyRun(offset: 2048, length: 128)], 2048 + 100, 300),
            ([], size, 0),
        ]
        for c in cases {
            let slotsStart = LogFormat.align64(c.descBytes)
            var want = chainSegment(0, snapshot_segment_crc(desc, c.descBytes))
            var slot = slotsStart
            var expected: [(Int, Int, Int)] = []   // (dst offset, src offset, bytes)
            for r in c.runs {
                let n = min(r.offset + r.length, c.limit) - r.offset
                want = chainSegment(want, snapshot_segment_crc(src + r.offset, n))
                expected.append((slot, r.offset, n))
                slot += (r.length + 63) & ~63
            }
            for nt in ntModes {
                dst.initializeMemory(as: UInt8.self, repeating: 0xEE, count: size * 2)
                let got = c.runs.withUnsafeBufferPointer { b in
                    b.withMemoryRebound(to: snapshot_copy_run.self) {
                        snapshot_copy_record_body(dst, desc, c.descBytes, slotsStart, src, $0.baseAddress, $0.count, c.limit, nt)
                    }
                }
                if nt != 0 { snapshot_pmem_drain() }
                XCTAssertEqual(got, want, "checksum, runs \(c.runs.count) nt \(nt)")
                XCTAssertEqual(memcmp(dst, desc, c.descBytes), 0, "descriptor bytes nt \(nt)")
                for (d, so, n) in expected {
                    XCTAssertEqual(memcmp(dst + d, src + so, n), 0, "run at \(so) nt \(nt)")
                }
                XCTAssertEqual(dst.load(fromByteOffset: slot, as: UInt8.self), 0xEE, "no write past the last slot nt \(nt)")
            }
        }
    }

    func testFNV1aKnownValues() {
        var h = FNV1a64()
        XCTAssertEqual(h.hex, "cbf29ce484222325")
        let a = Array("a".utf8)
        a.withUnsafeBytes { h.update($0.baseAddress!, 1) }
        XCTAssertEqual(h.hex, "af63dc4c8601ec8c")
    }

    func testLEB128RoundTrip() {
        let values: [UInt64] = [0, 1, 127, 128, 300, 16383, 16384, 1 << 35, UInt64.max - 1, UInt64.max]
        var buf = [UInt8](repeating: 0, count: 200)
        var n = 0
        buf.withUnsafeMutableBufferPointer { b in
            for v in values { n += Descriptors.put(v, b.baseAddress! + n) }
        }
        XCTAssertEqual(Descriptors.put(127, &buf), 1)
        XCTAssertEqual(Descriptors.put(128, &buf), 2)
        buf = [UInt8](repeating: 0, count: 200)
        n = 0
        buf.withUnsafeMutableBufferPointer { b in
            for v in values { n += Descriptors.put(v, b.baseAddress! + n) }
        }
        var i = 0
        buf.withUnsafeBufferPointer { b in
            for v in values { XCTAssertEqual(Descriptors.get(b.baseAddress!, &i, n), v) }
            XCTAssertEqual(i, n)
            var j = 0
            XCTAssertNil(Descriptors.get(b.baseAddress!, &j, 0), "truncated input")
        }
        // An 11-byte encoding (more than 64 bits) is rejected.
        let bad = [UInt8](repeating: 0xFF, count: 11) + [0]
        var k = 0
        bad.withUnsafeBufferPointer { XCTAssertNil(Descriptors.get($0.baseAddress!, &k, bad.count)) }
    }

    func testHeaderCopyRoundTripAndChecksum() {
        let p = UnsafeMutableRawPointer.allocate(byteCount: LogFormat.headerCopySize, alignment: 64)
        defer { p.deallocate() }
        var h = LogHeader()
        h.seq = 7; h.salt = 0xABCD_EF01_2345_6789; h.baseEpoch = 42; h.baseSize = 1 << 40
        h.identity.fsid = 0x1234; h.identity.ino = 99; h.identity.birthSec = 7; h.identity.birthNsec = 8
        h.identity.birthKind = 1; h.identity.dev = 5; h.timeNs = 123; h.pid = 77; h.medium = 1
        h.store(p)
        guard case .valid(let l) = LogHeader.read(p) else { return XCTFail("copy does not read back") }
        XCTAssertEqual(l.seq, 7)
        XCTAssertEqual(l.salt, h.salt)
        XCTAssertEqual(l.baseEpoch, 42)
        XCTAssertEqual(l.baseSize, 1 << 40)
        XCTAssertEqual(l.identity, h.identity)
        XCTAssertEqual(l.pid, 77)
        XCTAssertEqual(l.medium, 1)
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: p, count: 8)), Array("SNAPLOG2".utf8))
        // Every byte after the checksum is covered by it.
        for off in [16, 24, 32, 48, 100, 127] {
            p.storeBytes(of: p.load(fromByteOffset: off, as: UInt8.self) ^ 1, toByteOffset: off, as: UInt8.self)
            guard case .damaged = LogHeader.read(p) else { return XCTFail("byte \(off) not covered") }
            p.storeBytes(of: p.load(fromByteOffset: off, as: UInt8.self) ^ 1, toByteOffset: off, as: UInt8.self)
        }
        p.storeBytes(of: UInt32(3).littleEndian, toByteOffset: LogFormat.HeaderOffset.version, as: UInt32.self)
        guard case .otherVersion(3) = LogHeader.read(p) else { return XCTFail("version") }
        p.initializeMemory(as: UInt8.self, repeating: 0, count: LogFormat.headerCopySize)
        guard case .zero = LogHeader.read(p) else { return XCTFail("zero") }
        p.storeBytes(of: 1, toByteOffset: 0, as: UInt8.self)
        guard case .foreign = LogHeader.read(p) else { return XCTFail("foreign") }
    }

    func testRecordHeaderRoundTripAndChecksum() {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        defer { p.deallocate() }
        var r = RecordHeader()
        r.medium = 1; r.salt = 5; r.epoch = 9; r.length = 4096; r.fileSize = 12345; r.runCount = 3
        r.descBytes = 6; r.timeNs = 11; r.bodyCRC = 0xDEAD_BEEF
        r.store(p)
        guard let l = RecordHeader.load(p) else { return XCTFail("record header does not read back") }
        XCTAssertEqual(l.epoch, 9)
        XCTAssertEqual(l.length, 4096)
        XCTAssertEqual(l.fileSize, 12345)
        XCTAssertEqual(l.bodyCRC, 0xDEAD_BEEF)
        XCTAssertEqual(l.payloadStart, 128)
        for off in [0, 8, 16, 24, 32, 40, 44, 48, 56, 60] {
            p.storeBytes(of: p.load(fromByteOffset: off, as: UInt8.self) ^ 1, toByteOffset: off, as: UInt8.self)
            XCTAssertNil(RecordHeader.load(p), "byte \(off) not covered")
            p.storeBytes(of: p.load(fromByteOffset: off, as: UInt8.self) ^ 1, toByteOffset: off, as: UInt8.self)
        }
        // The unrolled header checksum (the write side) against the general one, at any alignment.
        let b = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
        defer { b.deallocate() }
        var x: UInt64 = 77
        for trial in 0..<200 {
            for i in 0..<128 {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                b.storeBytes(of: UInt8(truncatingIfNeeded: x >> 33), toByteOffset: i, as: UInt8.self)
            }
            let at = trial % 64
            XCTAssertEqual(snapshot_crc32c_60(b + at), crc32c(0, b + at, 60), "offset \(at)")
        }
    }

    func testIdentityMatching() {
        var a = FileIdentity()
        a.fsid = 1; a.ino = 2; a.birthKind = 1; a.birthSec = 10; a.birthNsec = 5; a.dev = 3
        var b = a
        b.dev = 4  // device numbers may change across reboots
        XCTAssertTrue(a.matches(b))
        b.birthNsec = 6  // same inode number, recreated file
        XCTAssertFalse(a.matches(b))
        b = a; b.ino = 3
        XCTAssertFalse(a.matches(b))
        b = a; b.fsid = 9
        XCTAssertFalse(a.matches(b))
    }

    func testLogPathNaming() {
        XCTAssertEqual(LogFile.logPath(for: "/a/b/data.db"), "/a/b/.data.db.snapshot-log")
        XCTAssertEqual(LogFile.logPath(for: "data.db"), ".data.db.snapshot-log")
        XCTAssertEqual(LogFile.logPath(for: "/x"), "/.x.snapshot-log")
    }
}
