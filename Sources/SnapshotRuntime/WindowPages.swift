// Mapping window pages: the working copy (what the program sees) and the persistent copy (what a
// commit writes) of a range of a managed file, following the file's logical size.
//
// The working copy of a page is, by where it lies relative to the file's sizes (FileSize.swift):
//   below fileBackedEnd        a private mapping of the file: copy-on-write, lazily read;
//   up to the logical size     anonymous zero memory: the real file has no (or stale) bytes there,
//                              and a private file mapping beyond the real EOF would SIGBUS;
//   beyond the logical size    a private mapping of an empty memfd: any access raises SIGBUS, as
//                              POSIX says for pages wholly beyond the end of the file.
// The persistent copy is always a shared mapping of the file; the engine only touches it below
// the size it commits, after making the file that large.
import CSnapshotPmem
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

private let mapFailed = snapshot_sys_map_failed()

@inline(__always) func pageUp(_ x: Int) -> Int { (x + pageSize - 1) & ~(pageSize - 1) }
@inline(__always) func pageDown(_ x: Int) -> Int { x & ~(pageSize - 1) }

/// An empty memfd whose private mappings fault with SIGBUS: the backing of pages beyond EOF.
private var beyondEOFFD: Int32 = -1

private func beyondEOF() -> Int32 {
    if beyondEOFFD < 0 { beyondEOFFD = snapshot_fd_protect(snapshot_sys_memfd("snapshot-beyond-eof")) }
    return beyondEOFFD
}

/// Replaces the working pages [lo, hi) of `f` by the backing their position calls for. `prot` is
/// the protection of the pages. 0, or the errno of the failed mapping.
func mapWorking(_ rt: Runtime, _ f: ManagedFile, _ lo: Int, _ hi: Int, prot: Int32, populate: Int32 = 0) -> Int32 {
    let base = rt.workingBase + f.windowOffset
    let fileEnd = min(pageUp(f.fileBackedEnd), hi)
    let zeroEnd = min(pageUp(f.logicalSize), hi)
    var cursor = lo
    func map(_ end: Int, _ flags: Int32, _ fd: Int32) -> Bool {
        if end <= cursor { return true }
        let r = snapshot_sys_mmap(UnsafeMutableRawPointer(bitPattern: base + cursor), end - cursor, prot,
                                  MAP_PRIVATE | MAP_FIXED | flags, fd, fd < 0 ? 0 : off_t(cursor))
        if r == mapFailed { return false }
        cursor = end
        return true
    }
    if !map(fileEnd, populate, f.fd) { return snapshot_get_errno() }
    if !map(zeroEnd, MAP_ANONYMOUS | MAP_NORESERVE, -1) { return snapshot_get_errno() }
    let memfd = beyondEOF()
    if memfd < 0 { return snapshot_get_errno() }
    if !map(hi, 0, memfd) { return snapshot_get_errno() }
    // The page holding fileBackedEnd came from the file; if the file has stale bytes after it (a
    // shrink not committed yet), they must read as zero.
    if f.fileBackedEnd < f.committedSize && f.fileBackedEnd % pageSize != 0 &&
        pageDown(f.fileBackedEnd) >= lo && f.fileBackedEnd < hi {
        zeroWorking(rt, f, f.fileBackedEnd, min(pageUp(f.fileBackedEnd), f.committedSize))
    }
    return 0
}

/// Working pages plus persistent pages for [lo, hi), which no mapping covers yet. 0 or errno
/// (then nothing of [lo, hi) stays mapped).
func mapWindowPages(_ rt: Runtime, _ f: ManagedFile, _ lo: Int, _ hi: Int, prot: Int32, populate: Int32 = 0) -> Int32 {
    // Stale bits from a record that faulted earlier must not make these lines look dirty.
    _ = snapshot_discard(UInt(f.windowOffset + lo), UInt(hi - lo))
    let w = rt.workingBase + f.windowOffset + lo
    let p = rt.persistentBase + f.windowOffset + lo
    let code = mapWorking(rt, f, lo, hi, prot: prot, populate: populate)
    if code != 0 {
        unreserve(w, hi - lo)
        return code
    }
    if mapPersistent(p, hi - lo, f.fd, lo) == mapFailed {
        let e = snapshot_get_errno()
        unreserve(w, hi - lo)
        return e
    }
    return 0
}

/// The persistent copy of [off, off+len) at p. On a DAX file system MAP_SYNC makes the mapping
/// one that libpmem recognises as persistent memory (pmem_is_pmem), so the engine commits with
/// non-temporal stores and pmem_drain instead of msync; elsewhere the kernel refuses MAP_SYNC and a
/// plain shared mapping is used.
func mapPersistent(_ p: Int, _ len: Int, _ fd: Int32, _ off: Int) -> UnsafeMutableRawPointer? {
    let mapSync: Int32 = 0x80000, sharedValidate: Int32 = 0x03
    let r = snapshot_sys_mmap(UnsafeMutableRawPointer(bitPattern: p), len, PROT_READ | PROT_WRITE,
                              sharedValidate | mapSync | MAP_FIXED, fd, off_t(off))
    if r != mapFailed { return r }
    return snapshot_sys_mmap(UnsafeMutableRawPointer(bitPattern: p), len, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_FIXED, fd, off_t(off))
}

/// Zeroes working bytes [lo, hi) of mapped pages whatever their protection. Not recorded: callers
/// zero bytes beyond the logical size or mark the lines themselves. Pages nothing made read-only
/// are zeroed in place (a program that trims its file on every sync, as Kyoto Cabinet does, comes
/// here once per sync); otherwise through /proc/self/mem, which writes private pages
/// copy-on-write, as a debugger does.
func zeroWorking(_ rt: Runtime, _ f: ManagedFile, _ lo: Int, _ hi: Int) {
    if hi <= lo { return }
    let addr = UnsafeMutableRawPointer(bitPattern: rt.workingBase + f.windowOffset + lo)!
    if !f.protectionChanged {
        memset(addr, 0, hi - lo)
        return
    }
    let zeros = UnsafeMutableRawPointer.allocate(byteCount: hi - lo, alignment: 64)
    defer { zeros.deallocate() }
    memset(zeros, 0, hi - lo)
    if snapshot_poke(addr, zeros, hi - lo) == 0 { return }
    // No /proc: make the pages writable for the moment. Managed pages are read-write unless the
    // program chose otherwise, and then it cannot notice the difference until it mprotects again.
    let page = pageDown(Int(bitPattern: addr)), len = pageUp(Int(bitPattern: addr) + hi - lo) - page
    _ = snapshot_sys_mprotect(UnsafeMutableRawPointer(bitPattern: page), len, PROT_READ | PROT_WRITE)
    memset(addr, 0, hi - lo)
}

extension ManagedFile {
    /// Makes the runtime hold [lo, hi) (page aligned) mapped until the file stops being managed,
    /// mapping the pages no mapping covers. 0 or errno.
    func holdInternal(_ rt: Runtime, _ lo: Int, _ hi: Int) -> Int32 {
        var missing: [(Int, Int)] = []
        var cursor = lo
        for (a, b) in internalRanges where b > lo && a < hi {
            if a > cursor { missing.append((cursor, a)) }
            cursor = max(cursor, b)
        }
        if cursor < hi { missing.append((cursor, hi)) }
        for (a, b) in missing {
            for (x, y) in unmappedPieces(a, b) {
                let code = mapWindowPages(rt, self, x, y, prot: PROT_READ | PROT_WRITE)
                if code != 0 { return code }
                // Counted at once, so a failure later in the loop leaves nothing unaccounted.
                adjust(x, y, by: 1)
                addInternal(x, y)
            }
            // Pages some user mapping already had: one more reference, theirs stays.
            var c = a
            for (x, y) in internalRanges where y > a && x < b {
                if x > c { adjust(c, x, by: 1); addInternal(c, x) }
                c = max(c, y)
            }
            if c < b { adjust(c, b, by: 1); addInternal(c, b) }
        }
        return 0
    }

    private func addInternal(_ lo: Int, _ hi: Int) {
        internalRanges.append((lo, hi))
        internalRanges.sort { $0.0 < $1.0 }
        var merged: [(Int, Int)] = []
        for r in internalRanges {
            if let last = merged.last, last.1 >= r.0 {
                merged[merged.count - 1].1 = max(last.1, r.1)
            } else {
                merged.append(r)
            }
        }
        internalRanges = merged
    }

    /// Drops the runtime's references; returns the pieces no mapping covers any more (their dirty
    /// bits are the caller's to count and discard, their pages the caller's to unreserve).
    func releaseInternal() -> [(Int, Int)] {
        var gone: [(Int, Int)] = []
        for (a, b) in internalRanges { gone += adjust(a, b, by: -1) }
        internalRanges = []
        return gone
    }
}
