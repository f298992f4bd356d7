import Glibc
import XCTest
@testable import SnapshotLog

/// A data file in a private temporary directory, mapped MAP_SHARED (the "persistent" copy) with a
/// malloc'ed working copy, as the runtime would hand them to PersistentFile.commit.
final class TestFile {
    let dir: String
    let path: String
    let fd: Int32
    let size: Int
    let persistent: UnsafeMutableRawPointer
    let working: UnsafeMutableRawPointer

    /// `withLog`: open and close a PersistentFile once, so the log exists (its creation is then not
    /// part of the events a test counts).
    init(size: Int, seed: UInt8 = 1, root: String = "/dev/shm", withLog: Bool = true) {
        var template = Array("\(root)/snapshot-logtest-XXXXXX".utf8CString)
        let d = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(d != nil, "mkdtemp failed")
        dir = String(cString: d!)
        path = dir + "/data.bin"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        precondition(fd >= 0)
        self.size = size
        var bytes = [UInt8](repeating: 0, count: size)
        for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ Int(seed)) }
        precondition(pwrite(fd, bytes, size, 0) == size)
        persistent = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)!
        precondition(persistent != MAP_FAILED)
        working = .allocate(byteCount: size, alignment: 64)
        working.copyMemory(from: persistent, byteCount: size)
        if withLog {
            let p = try! PersistentFile(dataPath: path, dataFD: fd)
            p.close()
        }
    }

    deinit {
        munmap(persistent, size)
        close(fd)
        working.deallocate()
        _ = system("rm -rf '\(dir)'")
    }

    var logPath: String { LogFile.logPath(for: path) }

    /// Writes `value` into each listed line of the working copy (clipped to the file) and returns
    /// the coalesced runs.
    func dirty(lines: [Int], value: UInt8) -> [DirtyRun] {
        var runs: [DirtyRun] = []
        for l in lines.sorted() {
            let off = l * 64
            let len = min(64, size - off)
            for i in 0..<len { working.storeBytes(of: value &+ UInt8(truncatingIfNeeded: i), toByteOffset: off + i, as: UInt8.self) }
            if let last = runs.last, last.offset + last.length == off, last.length % 64 == 0 {
                runs[runs.count - 1].length += len
            } else {
                runs.append(DirtyRun(offset: off, length: len))
            }
        }
        return runs
    }

    /// The file's bytes as stored (pread).
    func content() -> [UInt8] { TestFile.read(path) }

    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        precondition(fd >= 0, "open \(path)")
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        var b = [UInt8](repeating: 0, count: Int(st.st_size))
        if b.count > 0 { precondition(pread(fd, &b, b.count, 0) == b.count) }
        return b
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "open \(path)")
        precondition(pwrite(fd, bytes, bytes.count, 0) == bytes.count)
        fsync(fd)
        close(fd)
    }

    /// Working copy bytes.
    func workingImage() -> [UInt8] { Array(UnsafeRawBufferPointer(start: working, count: size)) }

    /// Puts the file back to `image` (persistent copy via the mapping, working copy too).
    func reset(to image: [UInt8]) {
        image.withUnsafeBytes { persistent.copyMemory(from: $0.baseAddress!, byteCount: size) }
        msync(persistent, size, MS_SYNC)
    }

    func commit(_ p: PersistentFile, _ runs: [DirtyRun]) throws -> CommitStats {
        try runs.withUnsafeBufferPointer {
            try p.commit(runs: $0, working: working, persistent: persistent, fileLength: size)
        }
    }
}

enum ChildResult: Equatable {
    case exited(Int32)
    case signaled(Int32)
}

/// Runs `body` in a forked child with the given environment (re-read by the engine) and returns how
/// it ended. stderr of the child goes to `stderrPath` when given.
func runChild(env: [String: String] = [:], stderrPath: String? = nil, _ body: () throws -> Void) -> ChildResult {
    let pid = fork()
    precondition(pid >= 0, "fork failed")
    if pid == 0 {
        if let p = stderrPath {
            let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            dup2(fd, 2)
        }
        for (k, v) in env { setenv(k, v, 1) }
        SnapshotEnvironment.reloadForTesting()
        do {
            try body()
            _exit(0)
        } catch {
            writeStderr("child failed: \(error)")
            _exit(1)
        }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
    return .signaled(status & 0x7f)
}

func expectError(_ code: Int32, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> SnapshotError? {
    do {
        try body()
        XCTFail("expected error \(code), got success", file: file, line: line)
    } catch let e as SnapshotError {
        XCTAssertEqual(e.code, code, "\(e.description)", file: file, line: line)
        return e
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}

/// Byte-image equality without dumping megabytes into the log: reports the first difference.
func assertSameImage(_ a: [UInt8], _ b: [UInt8], _ message: @autoclosure () -> String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
    if a == b { return }
    if a.count != b.count {
        return XCTFail("images differ in size: \(a.count) vs \(b.count) \(message())", file: file, line: line)
    }
    let i = a.indices.first { a[$0] != b[$0] }!
    XCTFail("images differ first at byte \(i) (\(a[i]) vs \(b[i])) \(message())", file: file, line: line)
}

func assertDifferentImage(_ a: [UInt8], _ b: [UInt8], _ message: @autoclosure () -> String = "",
                          file: StaticString = #filePath, line: UInt = #line) {
    if a == b { XCTFail("images are identical \(message())", file: file, line: line) }
}
