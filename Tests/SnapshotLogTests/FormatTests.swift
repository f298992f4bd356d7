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

    /// The record body routine (one call for the whole body) gives the bytes and the checksum of
    /// the segment-by-segment definition: chainSegment over the descriptor block and each page's
    /// slots, for every class of page the routine treats apart (1-3 lines, more, all 64).
    func testRecordBodyCopyMatchesSegmentDefinition() {
        let size = 1 << 20
        let src = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: size * 2, alignment: 64)
        let pages = UnsafeMutablePointer<snapshot_dirty_page>.allocate(capacity: 64)
        let desc = UnsafeMutablePointer<UInt8>.allocate(capacity: 64 * PageDescriptors.maxSize + 64)
        defer { src.deallocate(); dst.deallocate(); pages.deallocate(); desc.deallocate() }
        for i in 0..<size { src.storeBytes(of: UInt8(truncatingIfNeeded: i &* 29 &+ 11), toByteOffset: i, as: UInt8.self) }
        let ntModes: [Int32] = snapshot_pmem_load() == 0 ? [0, 1] : [0]
        // One line; scattered lines below and above the 256-byte lanes threshold; whole pages;
        // 16 pages of two lines (a descriptor block of 192 bytes); 64 single lines (256 bytes,
        // past the inline head loop); none.
        var twoLines: [(UInt64, UInt64)] = []
        var singles: [(UInt64, UInt64)] = []
        for k in 0..<16 { twoLines.append((UInt64(k), UInt64(0x11) << UInt64(k))) }
        for k in 0..<64 { singles.append((UInt64(k) * 3, UInt64(1) << UInt64(k))) }
        var cases: [[(UInt64, UInt64)]] = []
        cases.append([(0, 1)])
        cases.append([(1, 0b1010_0001), (3, 1 << 63 | 1 << 40 | 1 << 2 | 1 << 1)])
        cases.append([(2, 0xF0F0_0000_0000_0001), (4, ~0), (5, ~0), (9, 0x8000_0000_0000_0000)])
        cases.append(twoLines)
        cases.append(singles)
        cases.append([])
        for c in cases {
            for (k, p) in c.enumerated() { pages[k] = snapshot_dirty_page(page: p.0, bits: p.1) }
            var lines = 0
            let descBytes = snapshot_desc_encode(pages, c.count, desc, &lines)
            XCTAssertEqual(lines, c.reduce(0) { $0 + $1.1.nonzeroBitCount })
            let slotsStart = LogFormat.align64(descBytes)
            var want = chainSegment(0, snapshot_segment_crc(desc, descBytes))
            var slot = slotsStart
            var expected: [(Int, Int)] = []   // (dst offset, src offset) of each line
            let gathered = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
            defer { gathered.deallocate() }
            for p in c {
                var n = 0
                for line in 0..<64 where p.1 >> UInt64(line) & 1 == 1 {
                    let at = Int(p.0) * 4096 + line * 64
                    (gathered + n).copyMemory(from: src + at, byteCount: 64)
                    expected.append((slot + n, at))
                    n += 64
                }
                want = chainSegment(want, snapshot_segment_crc(gathered, n))
                slot += n
            }
            forEachStoreKind(ntModes) { nt, wide in
                dst.initializeMemory(as: UInt8.self, repeating: 0xEE, count: size * 2)
                let got = snapshot_record_body_routine(nt)!(dst, desc, descBytes, slotsStart, pages, c.count, src)
                if nt != 0 { snapshot_pmem_drain() }
                let how = "nt \(nt) wide \(wide)"
                XCTAssertEqual(got, want, "checksum, pages \(c.count) \(how)")
                XCTAssertEqual(memcmp(dst, desc, descBytes), 0, "descriptor bytes \(how)")
                for (d, so) in expected {
                    XCTAssertEqual(memcmp(dst + d, src + so, 64), 0, "line at \(so) \(how)")
                }
                XCTAssertEqual(dst.load(fromByteOffset: slot, as: UInt8.self), 0xEE, "no write past the last slot \(how)")
            }
        }
    }

    /// `body(nt, wide)` for each store kind of `ntModes` and, streaming, each build of the page
    /// loops this CPU runs (16-byte stores and, with AVX2, 32-byte: snapshot_wide_lines), that
    /// width set while it runs; the default width back afterwards.
    private func forEachStoreKind(_ ntModes: [Int32], _ body: (Int32, Int32) -> Void) {
        for nt in ntModes {
            for wide: Int32 in nt == 0 ? [0] : [0, 1] {
                snapshot_set_wide_lines(wide)
                if snapshot_wide_lines() == wide { body(nt, wide) }
            }
        }
        snapshot_set_wide_lines(1)
    }

    /// snapshot_copy_pages writes exactly each page's lines, cut at the limit, whole-page runs
    /// included, and nothing else.
    func testPageCopyWritesExactlyTheLines() {
        let size = 8 * 4096
        let src = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        let dst = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { src.deallocate(); dst.deallocate() }
        for i in 0..<size { src.storeBytes(of: UInt8(truncatingIfNeeded: i &* 13 &+ 1), toByteOffset: i, as: UInt8.self) }
        let pages = [snapshot_dirty_page(page: 0, bits: 0b101), snapshot_dirty_page(page: 2, bits: ~0),
                     snapshot_dirty_page(page: 3, bits: ~0), snapshot_dirty_page(page: 5, bits: 1 << 63),
                     snapshot_dirty_page(page: 7, bits: 0b11)]
        let limit = 7 * 4096 + 100
        var kinds = 0
        forEachStoreKind(snapshot_pmem_load() == 0 ? [0, 1] : [0]) { nt, wide in
            kinds += 1
            dst.initializeMemory(as: UInt8.self, repeating: 0xEE, count: size)
            pages.withUnsafeBufferPointer { snapshot_copy_pages(dst, src, $0.baseAddress, $0.count, limit, nt) }
            if nt != 0 { snapshot_pmem_drain() }
            for i in 0..<size {
                let line = i / 64, page = line / 64
                let named = pages.contains { Int($0.page) == page && $0.bits >> UInt64(line % 64) & 1 == 1 }
                let want = named && i < limit ? src.load(fromByteOffset: i, as: UInt8.self) : 0xEE
                if dst.load(fromByteOffset: i, as: UInt8.self) != want { return XCTFail("byte \(i) nt \(nt) wide \(wide)") }
            }
        }
        XCTAssertGreaterThanOrEqual(kinds, 1)
    }

    /// Format 3's descriptors decode to the runs they name and refuse what no commit writes.
    func testPageDescriptorsDecodeAndRefuse() {
        func decodeBytes(_ b: [UInt8], count: Int, fileSize: Int, slotLimit: Int = 1 << 40) -> ([Descriptors.Run], String?) {
            var runs: [Descriptors.Run] = []
            let problem = (b + [0, 0, 0, 0]).withUnsafeBytes { p in
                PageDescriptors.forEach(p.baseAddress!, descBytes: b.count, count: count, fileSize: fileSize,
                                        slotStart: 128, slotLimit: slotLimit) { page in
                    PageDescriptors.forEachRun(page, fileSize: fileSize) { runs.append($0) }
                }
            }
            return (runs, problem)
        }
        func encode(_ d: [(UInt64, UInt64)]) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: d.count * PageDescriptors.maxSize + 64)
            var lines = 0
            let pages = d.map { snapshot_dirty_page(page: $0.0, bits: $0.1) }
            let n = snapshot_desc_encode(pages, pages.count, &out, &lines)
            return n < 0 ? nil : Array(out[0..<n])
        }
        func words(_ w: [UInt32]) -> [UInt8] { w.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }
        // The three forms: one line, several, far (2^25 pages on); sizes 4, 12, 20.
        let far = UInt64(1) << 26
        let d = [(UInt64(0), UInt64(0b1110_0001)), (2, 1 << 63), (far, 0b11)]
        let bytes = encode(d)!
        XCTAssertEqual(bytes.count, 12 + 4 + 20)
        let (runs, ok) = decodeBytes(bytes, count: 3, fileSize: Int(far) * 4096 + 100)
        XCTAssertNil(ok)
        XCTAssertEqual(runs.map { [$0.offset, $0.length, $0.slot] },
                       [[0, 64, 128], [320, 192, 192], [2 * 4096 + 63 * 64, 64, 384], [Int(far) * 4096, 100, 448]])
        XCTAssertNil(encode([(0, 0)]), "the encoder refuses an empty page")
        XCTAssertNil(encode([(2, 1), (1, 1)]), "and pages out of order")
        // What no encoder writes is refused.
        XCTAssertNotNil(decodeBytes(words([1, 0, 0]), count: 1, fileSize: 4096).1, "empty mask")
        XCTAssertNotNil(decodeBytes(words([3, 1, 0, 0, 0]) + words([3, 1, 0, 1, 0]), count: 2, fileSize: 8192).1, "page twice")
        XCTAssertNotNil(decodeBytes(words([1 | 5 << 1, 3, 0]), count: 1, fileSize: 4096).1, "reserved bits (near)")
        XCTAssertNotNil(decodeBytes(words([3 | 1 << 7, 0, 0, 1, 0]), count: 1, fileSize: 4096).1, "reserved bits (far)")
        XCTAssertNotNil(decodeBytes(encode([(0, 1 << 2)])!, count: 1, fileSize: 128).1, "line past the end of the file")
        XCTAssertNotNil(decodeBytes(words([3, 0xFFFF_FFFF, 0xFFFF_FFFF, 1, 0]), count: 1, fileSize: 4096).1, "page index overflow")
        XCTAssertNotNil(decodeBytes(encode([(0, ~0)])!, count: 1, fileSize: 4096, slotLimit: 128 + 4095).1, "slots past the record")
        XCTAssertNotNil(decodeBytes(Array(bytes.dropLast(4)), count: 3, fileSize: Int(far) * 4096 + 100).1, "truncated")
        XCTAssertNotNil(decodeBytes(bytes, count: 2, fileSize: Int(far) * 4096 + 100).1, "bytes left over")
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
        XCTAssertEqual(l.version, LogFormat.version)
        p.storeBytes(of: UInt32(4).littleEndian, toByteOffset: LogFormat.HeaderOffset.version, as: UInt32.self)
        guard case .otherVersion(4) = LogHeader.read(p) else { return XCTFail("version") }
        p.initializeMemory(as: UInt8.self, repeating: 0, count: LogFormat.headerCopySize)
        guard case .zero = LogHeader.read(p) else { return XCTFail("zero") }
        p.storeBytes(of: 1, toByteOffset: 0, as: UInt8.self)
        guard case .foreign = LogHeader.read(p) else { return XCTFail("foreign") }
    }

    func testRecordHeaderRoundTripAndChecksum() {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        defer { p.deallocate() }
        var r = RecordHeader()
        r.medium = 1; r.salt = 5; r.epoch = 9; r.length = 4096; r.fileSize = 12345; r.descriptorCount = 3
        r.descBytes = 48; r.timeNs = 11; r.bodyCRC = 0xDEAD_BEEF
        r.store(p)
        guard let l = RecordHeader.load(p, version: LogFormat.version) else { return XCTFail("record header does not read back") }
        XCTAssertNil(RecordHeader.load(p, version: LogFormat.versionRuns), "a format-3 record in a format-2 lap")
        XCTAssertEqual(l.epoch, 9)
        XCTAssertEqual(l.length, 4096)
        XCTAssertEqual(l.fileSize, 12345)
        XCTAssertEqual(l.bodyCRC, 0xDEAD_BEEF)
        XCTAssertEqual(l.payloadStart, 128)
        for off in [0, 8, 16, 24, 32, 40, 44, 48, 56, 60] {
            p.storeBytes(of: p.load(fromByteOffset: off, as: UInt8.self) ^ 1, toByteOffset: off, as: UInt8.self)
            XCTAssertNil(RecordHeader.load(p, version: nil), "byte \(off) not covered")
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
