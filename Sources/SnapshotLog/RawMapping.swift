import CSnapshotPmem

/// The engine's view of snapshot_sys_mmap / snapshot_sys_mremap_maymove, which keep the kernel's
/// convention (MAP_FAILED, errno set): nil on failure.
@inline(__always)
func mapped(_ p: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    p == mapFailed ? nil : p
}

private let mapFailed = snapshot_sys_map_failed()
