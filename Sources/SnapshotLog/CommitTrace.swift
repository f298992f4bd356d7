import CSnapshotPmem
import Glibc

/// SNAPSHOT_TRACE: the oracle's view of commits. Before each commit,
/// `begin <epoch> <fnv1a64 of the would-be image> <size> <path>`; after it succeeded,
/// `commit <epoch> <fnv1a64 of the file> <size> <path>`. Epochs count the commits of each path in
/// this process from 1 (see TraceEpochs). Digests are 16 lower-case hex digits.
final class CommitTraceWriter {
    private let fd: Int32

    init?(path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            writeStderr("snapshot: SNAPSHOT_TRACE=\(path): cannot open: \(errorText(errno)); no trace is written")
            return nil
        }
        self.fd = fd
    }

    func line(_ kind: String, epoch: UInt64, digest: FNV1a64, size: Int, path: String) {
        var s = "\(kind) \(epoch) \(digest.hex) \(size) \(path)\n"
        s.withUTF8 { b in _ = write(fd, b.baseAddress, b.count) }  // one O_APPEND write per line
    }
}

/// Per-process commit epochs per data path, shared by both traces (only kept while tracing).
enum TraceEpochs {
    private static let mutex = Mutex()
    nonisolated(unsafe) private static var epochs: [String: UInt64] = [:]

    static func next(_ path: String) -> UInt64 {
        mutex.locked {
            let e = (epochs[path] ?? 0) + 1
            epochs[path] = e
            return e
        }
    }
}

/// Whole-file digests for the trace, read with pread (the runtime may map only parts of the file).
enum ImageDigest {
    /// Digest of the file as it is on `fd`, for `size` bytes.
    static func file(fd: Int32, size: Int, buffer: UnsafeMutableRawBufferPointer) -> FNV1a64 {
        var h = FNV1a64()
        feedFile(&h, fd: fd, from: 0, to: size, buffer: buffer)
        return h
    }

    /// Digest of the image a commit would produce: the file (`oldSize` bytes, zeros beyond) cut or
    /// extended to `size`, with every run replaced by `working`.
    static func wouldBe(fd: Int32, size: Int, oldSize: Int, pages: UnsafeBufferPointer<snapshot_dirty_page>, working: UnsafeRawPointer,
                        buffer: UnsafeMutableRawBufferPointer) -> FNV1a64 {
        var h = FNV1a64()
        var pos = 0
        func old(_ to: Int) {
            feedFile(&h, fd: fd, from: min(pos, oldSize), to: min(to, oldSize), buffer: buffer)
            feedZeros(&h, count: to - max(pos, min(to, oldSize)), buffer: buffer)
        }
        for p in pages {
            PageDescriptors.forEachRun(PageDescriptors.Page(offset: Int(p.page) * 4096, bits: p.bits, slot: 0), fileSize: size) { r in
                let start = min(r.offset, size), end = min(r.offset + r.length, size)
                if start > pos { old(start) }
                if end > start { h.update(working + start, end - start) }
                pos = max(pos, end)
            }
        }
        if size > pos { old(size) }
        return h
    }

    private static func feedZeros(_ h: inout FNV1a64, count: Int, buffer: UnsafeMutableRawBufferPointer) {
        var left = count
        while left > 0 {
            let n = min(left, buffer.count)
            buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: n)
            h.update(buffer.baseAddress!, n)
            left -= n
        }
    }

    private static func feedFile(_ h: inout FNV1a64, fd: Int32, from: Int, to: Int, buffer: UnsafeMutableRawBufferPointer) {
        var pos = from
        while pos < to {
            let n = pread(fd, buffer.baseAddress, min(buffer.count, to - pos), off_t(pos))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                // Past EOF (cannot happen for a consistent size) or an I/O error: digest zeros so the
                // oracle reports a mismatch rather than the trace silently skipping bytes.
                writeStderr("snapshot: SNAPSHOT_TRACE: cannot read data at offset \(pos): \(n < 0 ? errorText(errno) : "end of file")")
                let z = min(buffer.count, to - pos)
                buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: z)
                h.update(buffer.baseAddress!, z)
                pos += z
                continue
            }
            h.update(buffer.baseAddress!, n)
            pos += n
        }
    }
}
