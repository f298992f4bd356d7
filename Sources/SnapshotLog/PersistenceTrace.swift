import CSnapshotPmem
import Glibc

/// SNAPSHOT_PMTRACE: binary trace of every persistent write and ordering point, for the harness's
/// power-failure model. File = "SNAPPMT1", then records (little-endian)
/// `{ u8 kind; u8 pad; u16 thread; u32 file; u64 offset; u64 length; }` + `length` payload bytes for
/// NAME and STORE. NAME binds a file index to a path (from that record on; a later process appending
/// to the same trace re-binds its own indices). FENCE with file 0xFFFFFFFF is a pmem_drain: it
/// orders the stores of the thread that took it (and those handed over by RELEASE), every file.
/// RELEASE: the thread ends a commit and gives up the file's mutex, whose locked instruction makes
/// its stores globally visible; the model lets a later fence of any thread cover them.
/// `thread` (snapshot_trace_thread) is 0 in traces written before it existed.
final class PMTraceWriter {
    enum Kind: UInt8 { case name = 1, store = 2, fence = 3, commitDone = 4, size = 5, release = 6 }
    static let allFiles: UInt32 = 0xFFFF_FFFF

    private let fd: Int32
    private let mutex = Mutex()
    private var indices: [String: UInt32] = [:]

    init?(path: String) {
        // O_EXCL first so that exactly one process writes the magic; others append records.
        var created = true
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 && errno == EEXIST {
            created = false
            fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        }
        guard fd >= 0 else {
            writeStderr("snapshot: SNAPSHOT_PMTRACE=\(path): cannot open: \(errorText(errno)); no trace is written")
            return nil
        }
        self.fd = fd
        if !created {
            var st = stat()
            if fstat(fd, &st) == 0 && st.st_size == 0 { created = true }
        }
        if created { writeAll(Array("SNAPPMT1".utf8)) }
    }

    /// The index of `path`, emitting its NAME record the first time.
    func index(of path: String) -> UInt32 {
        mutex.locked {
            if let i = indices[path] { return i }
            let i = UInt32(indices.count)
            indices[path] = i
            var p = path
            p.withUTF8 { record(.name, i, 0, UInt64($0.count), payload: UnsafeRawPointer($0.baseAddress!)) }
            return i
        }
    }

    func store(_ file: UInt32, offset: Int, _ bytes: UnsafeRawPointer, _ count: Int) {
        mutex.locked { record(.store, file, UInt64(offset), UInt64(count), payload: bytes) }
    }

    func fence(_ file: UInt32) { mutex.locked { record(.fence, file, 0, 0, payload: nil) } }

    func commitDone(_ file: UInt32, epoch: UInt64) { mutex.locked { record(.commitDone, file, epoch, 0, payload: nil) } }

    func release(_ file: UInt32) { mutex.locked { record(.release, file, 0, 0, payload: nil) } }

    func size(_ file: UInt32, _ size: Int) { mutex.locked { record(.size, file, UInt64(size), 0, payload: nil) } }

    /// One writev per record: O_APPEND keeps records whole even with several writers.
    private func record(_ kind: Kind, _ file: UInt32, _ offset: UInt64, _ length: UInt64, payload: UnsafeRawPointer?) {
        var head = (UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &head) { h in
            h.storeBytes(of: kind.rawValue, toByteOffset: 0, as: UInt8.self)
            h.storeBytes(of: UInt16(truncatingIfNeeded: snapshot_trace_thread()).littleEndian, toByteOffset: 2, as: UInt16.self)
            h.storeBytes(of: file.littleEndian, toByteOffset: 4, as: UInt32.self)
            h.storeBytes(of: offset.littleEndian, toByteOffset: 8, as: UInt64.self)
            h.storeBytes(of: length.littleEndian, toByteOffset: 16, as: UInt64.self)
            let payloadCount = payload == nil ? 0 : Int(length)
            var iov = [iovec(iov_base: h.baseAddress, iov_len: 24),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: payload), iov_len: payloadCount)]
            let total = 24 + payloadCount
            var done = 0
            while done < total {
                let n = iov.withUnsafeMutableBufferPointer { writev(fd, $0.baseAddress, payloadCount > 0 ? 2 : 1) }
                if n < 0 {
                    if errno == EINTR { continue }
                    writeStderr("snapshot: SNAPSHOT_PMTRACE write failed: \(errorText(errno))")
                    return
                }
                done += n
                if done < total {
                    // Short write (rare, huge payloads): advance the vectors and continue.
                    var skip = n
                    for k in 0..<2 {
                        let take = min(skip, iov[k].iov_len)
                        iov[k].iov_base = iov[k].iov_base.map { $0 + take }
                        iov[k].iov_len -= take
                        skip -= take
                    }
                }
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in _ = write(fd, b.baseAddress, b.count) }
    }
}
