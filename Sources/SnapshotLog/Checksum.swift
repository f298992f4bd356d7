import CSnapshotPmem

/// CRC-32C over log bytes (header body, descriptors and undo images). Hardware instruction where
/// the CPU has one (see crc32c.c). Chainable: `crc32c(crc32c(0, a), b) == crc32c(0, a ++ b)`.
@inline(__always)
func crc32c(_ crc: UInt32, _ p: UnsafeRawPointer, _ count: Int) -> UInt32 {
    snapshot_crc32c(crc, p, count)
}

/// Chains one segment checksum (snapshot_segment_crc) into the entries checksum: the entries
/// checksum is CRC-32C over the sequence of 4-byte little-endian segment checksums (descriptor
/// block first, then each run's undo image in order).
@inline(__always)
func chainSegment(_ crc: UInt32, _ segment: UInt32) -> UInt32 {
    snapshot_crc32c_u32(crc, segment)
}

/// FNV-1a 64-bit, the digest of whole-file images in SNAPSHOT_TRACE (cheap to reproduce in any
/// language, which is what an oracle needs; not used for integrity).
struct FNV1a64 {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3
    private(set) var value: UInt64 = FNV1a64.offsetBasis

    mutating func update(_ p: UnsafeRawPointer, _ count: Int) {
        var h = value
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count {
            h = (h ^ UInt64(bytes[i])) &* FNV1a64.prime
        }
        value = h
    }

    /// 16 lower-case hex digits.
    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
