// libFuzzer harness over the engine's log parser and recovery (built by Tests/fuzz/build.sh into
// one module with Sources/SnapshotLog, so it calls exactly the code a program runs).
//
// Each input is a whole log file, written beside one fixed data file (same inode every time, so
// the log's identity can match it), after which `PersistentFile.recover` runs in-process.
// Properties checked, each an abort() that libFuzzer reports:
//  - no crash and no hang (libFuzzer's own detectors, -timeout);
//  - a refused log (any thrown error) leaves the data file byte-identical;
//  - an accepted log leaves the file stable: a second recovery finds nothing to do and changes
//    nothing.
// SNAPSHOT_FUZZ_SEEDS=<dir>: at start-up, also write real logs (commits left in the log, several
// laps, a grown log, a version-1 undo log) into <dir> as a seed corpus.
import CSnapshotPmem
import Glibc

private let dataSize = 64 * 1024
private var dir = ""
private var dataPath = ""
private var logPath = ""
private var dataFD: Int32 = -1
private var pristine = [UInt8](repeating: 0, count: dataSize)

private func die(_ why: String) -> Never {
    writeStderr("recovery fuzz: PROPERTY VIOLATED: \(why)")
    abort()
}

private func readAll(_ fd: Int32) -> [UInt8] {
    var st = stat()
    fstat(fd, &st)
    var b = [UInt8](repeating: 0, count: Int(st.st_size))
    if !b.isEmpty { _ = pread(fd, &b, b.count, 0) }
    return b
}

private func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    if bytes.count > 0 { _ = pwrite(fd, bytes.baseAddress, bytes.count, 0) }
    close(fd)
}

/// Puts the data file back to its pristine bytes (same inode).
private func resetData() {
    _ = ftruncate(dataFD, off_t(dataSize))
    _ = pristine.withUnsafeBytes { pwrite(dataFD, $0.baseAddress, dataSize, 0) }
}

private func setUp() {
    var template = Array("/dev/shm/snapshot-fuzz-XXXXXX".utf8CString)
    guard let d = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { die("mkdtemp") }
    dir = String(cString: d)
    dataPath = dir + "/data.bin"
    logPath = LogFile.logPath(for: dataPath)
    dataFD = open(dataPath, O_RDWR | O_CREAT, 0o600)
    for i in 0..<dataSize { pristine[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
    resetData()
    if let s = getenv("SNAPSHOT_FUZZ_SEEDS") { makeSeeds(String(cString: s)) }
}

/// Real logs of this data file, captured while the writer still holds them (its lap unretired).
private func makeSeeds(_ out: String) {
    mkdir(out, 0o755)
    let working = UnsafeMutableRawPointer.allocate(byteCount: dataSize, alignment: 64)
    defer { working.deallocate() }
    var n = 0
    func save() {
        let fd = open(logPath, O_RDONLY)
        let bytes = readAll(fd)
        close(fd)
        bytes.withUnsafeBytes { writeFile(out + "/seed-\(n)", $0) }
        n += 1
    }
    for (commits, lines) in [(1, [0]), (3, [1, 2, 3, 500]), (40, [7, 8, 900]), (2, Array(0..<1024))] {
        unlink(logPath)
        resetData()
        guard let persistent = mmap(nil, dataSize, PROT_READ | PROT_WRITE, MAP_SHARED, dataFD, 0), persistent != MAP_FAILED else { die("mmap") }
        working.copyMemory(from: persistent, byteCount: dataSize)
        let p = try! PersistentFile(dataPath: dataPath, dataFD: dataFD)
        for c in 0..<commits {
            var runs: [DirtyRun] = []
            for l in lines where l * 64 < dataSize {
                working.storeBytes(of: UInt8(truncatingIfNeeded: c &+ l), toByteOffset: l * 64, as: UInt8.self)
                if let last = runs.last, last.offset + last.length == l * 64 { runs[runs.count - 1].length += 64 }
                else { runs.append(DirtyRun(offset: l * 64, length: 64)) }
            }
            _ = try! runs.withUnsafeBufferPointer {
                try p.commit(runs: $0, working: working, persistent: persistent, fileLength: dataSize + (c % 3 == 2 ? 4096 : 0))
            }
            if c == 0 || c == commits - 1 { save() }
        }
        p.close()
        save()
        munmap(persistent, dataSize)
    }
    unlink(logPath)
    resetData()
    writeStderr("recovery fuzz: wrote \(n) seeds to \(out)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func recoveryFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if dataFD < 0 { setUp() }
    resetData()
    writeFile(logPath, UnsafeRawBufferPointer(start: data, count: size))
    let before = readAll(dataFD)
    do {
        _ = try PersistentFile.recover(dataPath: dataPath, adopt: false)
    } catch {
        if readAll(dataFD) != before { die("a refused log changed the data file (\(error))") }
        return 0
    }
    let after = readAll(dataFD)
    do {
        let second = try PersistentFile.recover(dataPath: dataPath, adopt: false)
        if case .recovered = second { die("a second recovery found commits to replay") }
    } catch {
        die("the log written by a successful recovery is refused: \(error)")
    }
    if readAll(dataFD) != after { die("a second recovery changed the data file") }
    return 0
}

/// libFuzzer calls this before it reads the corpus directories: the seeds exist by then.
@_cdecl("LLVMFuzzerInitialize")
public func recoveryFuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    if dataFD < 0 { setUp() }
    return 0
}
