// Process-wide state of the runtime. Only touched under the global lock (snapshot_global_lock),
// and only on managed paths: the interposers never reach Swift for anything else, so the lazy
// initialisation of these globals happens at the first shared file mapping, never at load time.
import CSnapshotShim
import SnapshotLog
#if canImport(Glibc)
import Glibc
#endif

final class Runtime {
    let reservation: Reservation
    var windows: WindowAllocator
    var files: [ManagedFile] = [] {
        didSet {
            if fileTable.count < files.count {
                fileTable.deallocate()
                fileTable = .allocate(capacity: 2 * files.count)
            }
            for (i, f) in files.enumerated() { fileTable[i] = Unmanaged.passUnretained(f) }
            fileCount = files.count
        }
    }
    /// `files` without reference counting, for the commit path (msync per operation pays every
    /// retain): the first fileCount entries, each kept alive by `files`.
    private(set) var fileTable = UnsafeMutableBufferPointer<Unmanaged<ManagedFile>>.allocate(capacity: 4)
    private(set) var fileCount = 0

    init(reservation: Reservation) {
        self.reservation = reservation
        windows = WindowAllocator(limit: reservation.size)
    }

    var workingBase: Int { reservation.workingBase }
    var persistentBase: Int { reservation.persistentBase }

    func file(device: UInt64, inode: UInt64) -> ManagedFile? {
        files.first { $0.device == device && $0.inode == inode }
    }

    /// The file whose window contains the working address `addr`.
    func file(containing addr: Int) -> ManagedFile? {
        let off = addr - workingBase
        return files.first { off >= $0.windowOffset && off < $0.windowOffset + $0.windowSize }
    }

    func publishFileCount() {
        let n = Int32(files.filter { !$0.mappings.isEmpty }.count)
        withUnsafeMutablePointer(to: &snapshot_managed_files) { $0.pointee = n }
    }
}

var runtimeInstance: Runtime? {
    didSet { runtimeUnretained = runtimeInstance.map { Unmanaged.passUnretained($0) } }
}
/// runtimeInstance for the commit path, without a retain: the runtime lives as long as the process.
nonisolated(unsafe) var runtimeUnretained: Unmanaged<Runtime>?

/// Under the global lock: the runtime, reserving the address space on first use (around `hint`,
/// the address the first managed mmap asked for, when there is room).
func activeRuntime(hint: PlacementHint? = nil) -> Runtime? {
    if let r = runtimeInstance { return r }
    guard let res = reserveAddressSpace(hint: hint) else { return nil }
    let r = Runtime(reservation: res)
    runtimeInstance = r
    return r
}

func fileIdentity(_ fd: Int32) -> (dev: UInt64, ino: UInt64, mode: UInt32, size: Int)? {
    var st = stat()
    if fstat(fd, &st) != 0 { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino), UInt32(st.st_mode), Int(st.st_size))
}

func linkCount(_ fd: Int32) -> Int {
    var st = stat()
    if fstat(fd, &st) != 0 { return 0 }
    return Int(st.st_nlink)
}

/// Files that are never managed, whatever the mapping:
/// - memfd and unlinked (O_TMPFILE, deleted) files: nobody can open them after a crash, so there is
///   no committed state to protect, and they are typically shared memory between processes;
/// - paths under a prefix listed in SNAPSHOT_EXCLUDE (colon-separated), e.g. SNAPSHOT_EXCLUDE=/dev/shm
///   for programs that use shm_open for IPC.
func isExcluded(path: String, fd: Int32) -> Bool {
    if path.hasPrefix("/memfd:") || path.hasSuffix(" (deleted)") || linkCount(fd) == 0 { return true }
    for prefix in excludedPrefixes where path == prefix || path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/") {
        return true
    }
    return false
}

var excludedPrefixes: [String] = []

func pathOf(fd: Int32) -> String? {
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/fd/\(fd)", &buf, Int(PATH_MAX))
    if n <= 0 { return nil }
    buf[n] = 0
    return String(cString: buf)
}

func describe(_ error: Error) -> (Int32, String) {
    // The engine's messages stand alone ("snapshot: ..."); embedded in one of ours, the prefix
    // would appear twice.
    if let e = error as? SnapshotError {
        let d = e.description
        return (e.code, d.hasPrefix("snapshot: ") ? String(d.dropFirst(10)) : d)
    }
    return (EIO, "\(error)")
}
