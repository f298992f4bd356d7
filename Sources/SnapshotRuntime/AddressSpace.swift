// The two reservations and the per-file windows inside them.
//
// At the first managed mapping we reserve, at kernel-chosen addresses (no fixed addresses, ASLR
// untouched), PROT_NONE + MAP_NORESERVE (no memory, no commit charge):
//   working range     W: the DRAM working copies the program sees;
//   persistent range  P: MAP_SHARED mappings of the files, at P = W - workingBase + persistentBase;
//   the dirty bitmap (1 bit per 64-byte line of W) and its two summary levels.
// Default 4 TiB each (SNAPSHOT_RESERVE_GIB overrides; halved until the kernel accepts it).
// Each file gets a window: a 16 MiB-aligned slice of W in which file offset x lives at
// windowBase + x. 16 MiB alignment means no two files ever share a word of any bitmap level.
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

let pageSize = 4096
let windowAlign = 16 << 20
let defaultReserveGiB = 4096
let minimumWindow = 1 << 30

struct Reservation {
    var workingBase: Int
    var size: Int
    var persistentBase: Int
}

private func reserve(_ bytes: Int, align: Int) -> Int? {
    let p = snapshot_raw_mmap(nil, bytes + align, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if p == snapshot_map_failed() || p == nil { return nil }
    let raw = Int(bitPattern: p)
    let aligned = (raw + align - 1) & ~(align - 1)
    // Return the unaligned slack at both ends.
    if aligned > raw { _ = snapshot_raw_munmap(UnsafeMutableRawPointer(bitPattern: raw), aligned - raw) }
    let tail = raw + bytes + align - (aligned + bytes)
    if tail > 0 { _ = snapshot_raw_munmap(UnsafeMutableRawPointer(bitPattern: aligned + bytes), tail) }
    return aligned
}

private func reserveZeroed(_ bytes: Int) -> UnsafeMutablePointer<UInt64>? {
    let p = snapshot_raw_mmap(nil, bytes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if p == snapshot_map_failed() || p == nil { return nil }
    return p!.assumingMemoryBound(to: UInt64.self)
}

/// Reserves everything and publishes the globals. Called once, under the global lock.
func reserveAddressSpace() -> Reservation? {
    var gib = defaultReserveGiB
    if let s = envString("SNAPSHOT_RESERVE_GIB"), let v = Int(s), v > 0 { gib = v }
    while gib >= 1 {
        let size = gib << 30
        // Bitmap: size/64 lines -> size/512 bytes; l1: size/32 KiB; l2: size/2 MiB (+1 page slack
        // each, so a record at the very end of the range stays inside).
        let bitsBytes = (size >> 9) + pageSize
        let l1Bytes = (size >> 15) + pageSize
        let l2Bytes = (size >> 21) + pageSize
        if let w = reserve(size, align: windowAlign) {
            // Same alignment for P: on DAX, 2 MiB-aligned file offsets can then use huge-page mappings.
            if let p = reserve(size, align: windowAlign) {
                if let bits = reserveZeroed(bitsBytes), let l1 = reserveZeroed(l1Bytes),
                   let l2 = reserveZeroed(l2Bytes) {
                    var drop: UnsafeMutablePointer<UInt64>? = nil
                    if snapshot_fault_drop_thread != 0 { drop = reserveZeroed(bitsBytes) }
                    snapshot_publish(UInt(w), UInt(size), UInt(p), bits, l1, l2, drop)
                    return Reservation(workingBase: w, size: size, persistentBase: p)
                }
                _ = snapshot_raw_munmap(UnsafeMutableRawPointer(bitPattern: p), size)
            }
            _ = snapshot_raw_munmap(UnsafeMutableRawPointer(bitPattern: w), size)
        }
        gib /= 2
    }
    return nil
}

/// Puts the reservation back over [addr, addr+len) (after a managed mapping went away).
func unreserve(_ addr: Int, _ len: Int) {
    _ = snapshot_raw_mmap(UnsafeMutableRawPointer(bitPattern: addr), len, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
}

/// Free-list allocator of windows (offsets into the working range).
struct WindowAllocator {
    var limit: Int
    var next = 0
    var free: [(offset: Int, size: Int)] = []

    init(limit: Int) { self.limit = limit }

    /// A window for a file whose mappings reach `extent` bytes: 4x headroom for growth, >= 1 GiB.
    static func sizeFor(extent: Int) -> Int {
        var s = minimumWindow
        while s < extent.multipliedReportingOverflow(by: 4).partialValue && s < (1 << 46) { s <<= 1 }
        return s
    }

    mutating func allocate(size: Int) -> Int? {
        // Most recently released first: a file mapped and unmapped in a loop keeps its addresses.
        if let i = free.lastIndex(where: { $0.size >= size }) {
            let block = free[i]
            if block.size == size { free.remove(at: i) } else { free[i] = (block.offset + size, block.size - size) }
            return block.offset
        }
        if next + size > limit { return nil }
        defer { next += size }
        return next
    }

    mutating func release(offset: Int, size: Int) {
        free.append((offset, size))
    }
}
