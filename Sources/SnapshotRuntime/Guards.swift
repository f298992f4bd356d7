// Guards and queries on managed ranges and files: mprotect, fallocate, is_managed.
import CSnapshotShim
import CSnapshotPmem
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("snapshot_rt_mprotect")
public func snapshotMprotect(_ addr: UnsafeMutableRawPointer?, _ len: Int, _ prot: Int32) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return snapshot_sys_mprotect(addr, len, prot) }
    let a = Int(bitPattern: addr)
    let length = (len + pageSize - 1) & ~(pageSize - 1)
    if let f = rt.file(containing: a), a % pageSize == 0 {
        let off = a - rt.workingBase - f.windowOffset
        if off + length <= f.windowSize && f.isMapped(off, off + length) {
            // Changing the protection of the working copy is harmless: it is private memory. The
            // runtime's own copies into it (write(2) to the file) then avoid relying on it.
            if prot != PROT_READ | PROT_WRITE { f.protectionChanged = true }
            return snapshot_sys_mprotect(addr, len, prot)
        }
    }
    return fail(ENOTSUP, "mprotect(\(hex(a)), \(len)) refused (ENOTSUP): the range is not inside one managed mapping")
}

@_cdecl("snapshot_rt_is_managed")
public func snapshotIsManaged(_ addr: UnsafeRawPointer?) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return 0 }
    let a = Int(bitPattern: addr)
    guard let f = rt.file(containing: a) else { return 0 }
    let off = (a - rt.workingBase - f.windowOffset) & ~(pageSize - 1)
    return f.isMapped(off, off + pageSize) ? 1 : 0
}

@_cdecl("snapshot_rt_fd_is_managed")
public func snapshotFdIsManaged(_ fd: Int32) -> Int32 {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance, let id = fileIdentity(fd),
          let f = rt.file(device: id.dev, inode: id.ino) else { return 0 }
    return f.mappings.isEmpty ? 0 : 1
}
