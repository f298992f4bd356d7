// The two reservations and the per-file windows inside them.
//
// At the first managed mapping we reserve, PROT_NONE + MAP_NORESERVE (no memory, no commit
// charge):
//   working range     W: the DRAM working copies the program sees;
//   persistent range  P: MAP_SHARED mappings of the files, at P = W - workingBase + persistentBase;
//   the dirty bitmap (1 bit per 64-byte line of W) and its two summary levels.
// Default 4 TiB each (SNAPSHOT_RESERVE_GIB overrides; halved until the kernel accepts it).
// Where: around the first managed mmap's hint if it has one; otherwise one block at a random
// address of the lower half of the address space (placedBase), where the kernel's own placement
// never goes; only if that fails, where the kernel puts it. Why not simply where the kernel puts
// it: right below the libraries, 8 TiB there covered the addresses other processes had been
// given, and programs that map a file again at the address a previous run recorded (LMDB's
// MDB_FIXEDMAP, even for its read-only map, which Snapshot passes through) got another address
// in 26 of 30 runs and failed (EBUSY), against 0 of 30 without Snapshot.
// Each file gets a window: a 16 MiB-aligned slice of W in which file offset x lives at
// windowBase + x. 16 MiB alignment means no two files ever share a word of any bitmap level.
import CSnapshotShim
import CSnapshotPmem
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
    var hintedWindow: (offset: Int, size: Int)?   // the window placed for the first mmap's hint
}

private func reserve(_ bytes: Int, align: Int) -> Int? {
    let p = snapshot_sys_mmap(nil, bytes + align, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if p == snapshot_sys_map_failed() || p == nil { return nil }
    let raw = Int(bitPattern: p)
    let aligned = (raw + align - 1) & ~(align - 1)
    // Return the unaligned slack at both ends.
    if aligned > raw { _ = snapshot_sys_munmap(UnsafeMutableRawPointer(bitPattern: raw), aligned - raw) }
    let tail = raw + bytes + align - (aligned + bytes)
    if tail > 0 { _ = snapshot_sys_munmap(UnsafeMutableRawPointer(bitPattern: aligned + bytes), tail) }
    return aligned
}

/// Zeroed read-write memory for a bitmap level: at `at` exactly when given (nil if taken), else
/// where the kernel puts it.
private func reserveZeroed(_ bytes: Int, at: Int? = nil) -> UnsafeMutablePointer<UInt64>? {
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (at != nil ? 0x100000 /* MAP_FIXED_NOREPLACE */ : 0)
    let p = snapshot_sys_mmap(at.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }, bytes, PROT_READ | PROT_WRITE,
                              flags, -1, 0)
    if p == snapshot_sys_map_failed() || p == nil { return nil }
    if let a = at, Int(bitPattern: p) != a {   // a kernel without MAP_FIXED_NOREPLACE took a hint
        _ = snapshot_sys_munmap(p, bytes)
        return nil
    }
    return p!.assumingMemoryBound(to: UInt64.self)
}

/// The lower half of the address space that placedBase draws from: 32–80 TiB. Above it, PIE
/// programs (from 85 TiB, their brk heap after them) and the kernel's top-down mmap area (from
/// about 127 TiB down); below it, sanitizer shadows (ASan's ends at 16 TiB).
let placementLow = 32 << 40
let placementHigh = 80 << 40

/// A random, 16 MiB-aligned base for a block of `total` bytes inside [placementLow,
/// placementHigh), or nil if it cannot fit. Random so that the ranges still move between runs.
private func placedBase(total: Int) -> Int? {
    guard total < placementHigh - placementLow else { return nil }
    let slots = UInt64((placementHigh - placementLow - total) / windowAlign) + 1
    var r: UInt64 = 0
    if snapshot_getrandom(&r, 8) != 8 { r = UInt64(truncatingIfNeeded: snapshot_commit_clock()) &* 0x9E3779B97F4A7C15 }
    return placementLow + Int(r % slots) * windowAlign
}

/// Bytes of the bitmap levels for a working range of `size` bytes: size/64 lines -> size/512
/// bytes; l1: size/32 KiB; l2: size/2 MiB, followed in the same block by l3 (size/128 MiB) at
/// byte `l3At` (+1 page slack each, so a record at the very end of the range stays inside).
private func bitmapBytes(_ size: Int) -> (bits: Int, l1: Int, l2: Int, l3At: Int) {
    let l3At = (size >> 21) + pageSize
    return ((size >> 9) + pageSize, (size >> 15) + pageSize, l3At + (size >> 27) + pageSize, l3At)
}

/// Where the program asked (an mmap hint) to see file offset `offset` of a file whose first
/// mapping reaches `extent` and which is `fileSize` bytes long: address `address`.
struct PlacementHint {
    var address: Int
    var offset: Int
    var extent: Int
    var fileSize: Int
}

/// Window sizes to try for a hinted window, largest first: the usual one (room to grow), then just
/// enough for the mapping, when the space around the hint is tight.
func hintedWindowSizes(_ h: PlacementHint) -> [Int] {
    let usual = WindowAllocator.sizeFor(extent: max(h.extent, h.fileSize))
    let tight = max(windowAlign, (h.extent + windowAlign - 1) & ~(windowAlign - 1))
    return usual == tight ? [usual] : [usual, tight]
}

/// Reserves `bytes` exactly at `at` without displacing anything (MAP_FIXED_NOREPLACE).
private func reserveAt(_ at: Int, _ bytes: Int) -> Bool {
    if at <= 0 || at % pageSize != 0 || at.addingReportingOverflow(bytes).overflow { return false }
    let want = UnsafeMutableRawPointer(bitPattern: at)
    let p = snapshot_sys_mmap(want, bytes, PROT_NONE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | 0x100000 /* MAP_FIXED_NOREPLACE */, -1, 0)
    if p == snapshot_sys_map_failed() || p == nil { return false }
    if p != want {                    // a kernel without MAP_FIXED_NOREPLACE took it as a hint
        _ = snapshot_sys_munmap(p, bytes)
        return false
    }
    return true
}

/// A working range of `size` bytes in which a window lands exactly at the hinted address: the
/// window at the top of the range (the space below a kernel-chosen address is usually free, as
/// mmap grows downwards), else at the bottom. Returns (range base, window offset, window size).
private func reserveAround(_ h: PlacementHint, size: Int) -> (Int, Int, Int)? {
    let windowStart = h.address - h.offset
    if h.address % pageSize != 0 || windowStart <= 0 { return nil }
    for ws in hintedWindowSizes(h) where ws <= size {
        let top = size - ws   // a multiple of windowAlign: sizes are
        if reserveAt(windowStart - top, size) { return (windowStart - top, top, ws) }
        if reserveAt(windowStart, size) { return (windowStart, 0, ws) }
    }
    return nil
}

/// Reserves everything and publishes the globals. Called once, under the global lock. With a hint
/// (the first managed mmap asked for an address), the working range is first sought around it, so
/// that the hinted mapping lands there (`hintedWindow` says which window to give that file); if
/// no size fits there, the hint is ignored and the range goes where the kernel puts it.
func reserveAddressSpace(hint: PlacementHint?) -> Reservation? {
    var gib = defaultReserveGiB
    if let s = envString("SNAPSHOT_RESERVE_GIB"), let v = Int(s), v > 0 { gib = v }
    if let h = hint {
        var g = gib
        while g >= 1 {
            if let (base, offset, ws) = reserveAround(h, size: g << 30) {
                if let r = completeReservation(base, g << 30, hinted: (offset, ws)) { return r }
            }
            g /= 2
        }
    }
    while gib >= 1 {
        let size = gib << 30
        // One block: W, then P, then the bitmap levels, each 16 MiB-aligned.
        let b = bitmapBytes(size)
        let total = 2 * size + 3 * windowAlign + b.bits + b.l1 + b.l2
        if let base = placedBase(total: total), reserveAt(base, size),
           let r = completeReservation(base, size, hinted: nil, placedAfter: base + size) {
            return r
        }
        if let w = reserve(size, align: windowAlign), let r = completeReservation(w, size, hinted: nil) {
            return r
        }
        gib /= 2
    }
    return nil
}

/// The working range [w, w+size) is reserved: reserve the persistent range and the bitmaps and
/// publish, or give the working range back and return nil. `placedAfter`: put them one after the
/// other from there (placedBase's block), each exactly or not at all.
private func completeReservation(_ w: Int, _ size: Int, hinted: (offset: Int, size: Int)?,
                                 placedAfter: Int? = nil) -> Reservation? {
    let b = bitmapBytes(size)
    let align = { (x: Int) in (x + windowAlign - 1) & ~(windowAlign - 1) }
    var next = placedAfter.map(align)
    func take(_ bytes: Int) -> Int? {   // the next placed address, advanced past `bytes`
        guard let n = next else { return nil }
        next = align(n + bytes)
        return n
    }
    // Same alignment for P: on DAX, 2 MiB-aligned file offsets can then use huge-page mappings.
    let pAt = take(size)
    if let p = pAt.map({ reserveAt($0, size) ? $0 : nil }) ?? reserve(size, align: windowAlign) {
        let bitsAt = take(b.bits), l1At = take(b.l1), l2At = take(b.l2)
        if let bits = reserveZeroed(b.bits, at: bitsAt) {
            if let l1 = reserveZeroed(b.l1, at: l1At) {
                if let l2 = reserveZeroed(b.l2, at: l2At) {
                    var drop: UnsafeMutablePointer<UInt64>? = nil
                    if snapshot_store_faults & SNAPSHOT_STORE_FAULT_DROP_THREAD != 0 { drop = reserveZeroed(b.bits) }
                    snapshot_publish(UInt(w), UInt(size), UInt(p), bits, l1, l2,
                                     UnsafeMutableRawPointer(l2).advanced(by: b.l3At).assumingMemoryBound(to: UInt64.self), drop)
                    return Reservation(workingBase: w, size: size, persistentBase: p, hintedWindow: hinted)
                }
                _ = snapshot_sys_munmap(l1, b.l1)
            }
            _ = snapshot_sys_munmap(bits, b.bits)
        }
        _ = snapshot_sys_munmap(UnsafeMutableRawPointer(bitPattern: p), size)
    }
    _ = snapshot_sys_munmap(UnsafeMutableRawPointer(bitPattern: w), size)
    return nil
}

/// Puts the reservation back over [addr, addr+len) (after a managed mapping went away).
func unreserve(_ addr: Int, _ len: Int) {
    _ = snapshot_sys_mmap(UnsafeMutableRawPointer(bitPattern: addr), len, PROT_NONE,
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

    /// The window [offset, offset+size) exactly (an mmap hint asked for it), if it is free.
    mutating func allocate(at offset: Int, size: Int) -> Bool {
        if offset < 0 || offset % windowAlign != 0 || offset + size > limit { return false }
        if offset >= next {
            if offset > next { free.append((next, offset - next)) }
            next = offset + size
            return true
        }
        guard let i = free.firstIndex(where: { $0.offset <= offset && offset + size <= $0.offset + $0.size }) else {
            return false
        }
        let block = free.remove(at: i)
        if block.offset < offset { free.append((block.offset, offset - block.offset)) }
        let tail = block.offset + block.size - (offset + size)
        if tail > 0 { free.append((offset + size, tail)) }
        return true
    }

    mutating func release(offset: Int, size: Int) {
        free.append((offset, size))
    }
}

/// A later hint (the range exists already): the window of the new file must start at
/// hint - offset, which must be inside the working range, window-aligned and free. nil: the hint
/// cannot be met and mmap returns another address, as POSIX allows for a hint.
func hintedWindow(_ rt: Runtime, _ h: PlacementHint) -> (offset: Int, size: Int)? {
    let start = h.address - h.offset - rt.workingBase
    if start < 0 || start % windowAlign != 0 { return nil }
    for size in hintedWindowSizes(h) where rt.windows.allocate(at: start, size: size) {
        rt.windows.release(offset: start, size: size)   // openManaged takes it for good
        return (start, size)
    }
    return nil
}
