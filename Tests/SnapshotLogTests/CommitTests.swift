import Glibc
import XCTest
import CSnapshotPmem
@testable import SnapshotLog

final class CommitTests: XCTestCase {
    func testCommitCopiesRunsAndLeavesCleanLog() throws {
        let f = TestFile(size: 64 * 1024 + 100)  // final line partial
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        XCTAssertEqual(p.recoveredLines, 0)
        let lastLine = (f.size - 1) / 64
        let runs = f.dirty(lines: [0, 1, 2, 10, 500, lastLine], value: 0xA0)
        XCTAssertEqual(runs.count, 4)
        let stats = try f.commit(p, runs)
        XCTAssertEqual(stats.lines, 6)
        XCTAssertEqual(stats.dataBytes, 5 * 64 + (f.size - lastLine * 64))
        assertSameImage(f.content(), f.workingImage())

        // A second commit on top.
        let runs2 = f.dirty(lines: [3, 501], value: 0x11)
        _ = try f.commit(p, runs2)
        assertSameImage(f.content(), f.workingImage())
        p.close()

        let r = PersistentFile.inspect(dataPath: f.path)
        XCTAssertEqual(r.state, .clean)
        XCTAssertEqual(r.epoch, 2)
        XCTAssertNotNil(r.commitTimeNs)
        XCTAssertEqual(r.belongsToFile, true)
        XCTAssertTrue(r.isHealthy, "\(r.problems)")
        XCTAssertFalse(r.lockedByWriter)
        XCTAssertFalse(try PersistentFile.recoverIfNeeded(dataPath: f.path))

        // Epochs continue across opens.
        let p2 = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        _ = try f.commit(p2, f.dirty(lines: [7], value: 0x22))
        p2.close()
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).epoch, 3)
        assertSameImage(f.content(), f.workingImage())
    }

    func testEmptyCommitWritesNothing() throws {
        let f = TestFile(size: 4096)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        let before = TestFile.read(f.logPath)
        let s = try f.commit(p, [])
        XCTAssertEqual(s.lines, 0)
        XCTAssertEqual(s.logBytes, 0)
        XCTAssertEqual(TestFile.read(f.logPath), before)
        p.close()
    }

    func testLargeCommitGrowsLogAndLogShrinksOnClose() throws {
        let f = TestFile(size: 8 << 20)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        let lines = Array(0..<(f.size / 64))
        let s = try f.commit(p, f.dirty(lines: lines, value: 3))
        XCTAssertEqual(s.lines, lines.count)
        assertSameImage(f.content(), f.workingImage())
        var st = stat()
        stat(f.logPath, &st)
        XCTAssertGreaterThanOrEqual(Int(st.st_size), f.size)
        p.close()
        stat(f.logPath, &st)
        XCTAssertEqual(Int(st.st_size), LogFormat.initialCapacity)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }

    /// Issue 4's budget: bytes written to the medium per committed dirty byte <= 2.1 for scattered
    /// lines (64 B data + 64 B undo + descriptor + amortised header).
    func testBytesWrittenPerDirtyByteForScatteredLines() throws {
        let f = TestFile(size: 16 << 20)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        defer { p.close() }
        for (count, stride) in [(1000, 97), (10000, 23), (100, 2500)] {
            let lines = (0..<count).map { $0 * stride }
            let s = try f.commit(p, f.dirty(lines: lines, value: UInt8(truncatingIfNeeded: count)))
            let ratio = Double(s.logBytes + s.dataBytes) / Double(s.dataBytes)
            XCTAssertLessThanOrEqual(ratio, 2.1, "\(count) lines every \(stride): \(ratio)")
            assertSameImage(f.content(), f.workingImage())
        }
    }

    func testSecondWriterGetsEBUSYNamingTheFile() throws {
        let f = TestFile(size: 4096)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        let e = expectError(EBUSY) { _ = try PersistentFile(dataPath: f.path, dataFD: f.fd) }
        XCTAssertTrue(e?.description.contains(f.path) ?? false)
        XCTAssertTrue(PersistentFile.inspect(dataPath: f.path).lockedByWriter)
        if case .busy = try PersistentFile.recover(dataPath: f.path, adopt: false) {} else { XCTFail("expected busy") }
        XCTAssertFalse(try PersistentFile.recoverIfNeeded(dataPath: f.path))
        p.close()
        // Released on close.
        let p2 = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        p2.close()
        // Released when the holder dies, too.
        let r = runChild {
            _ = try PersistentFile(dataPath: f.path, dataFD: f.fd)
            kill(getpid(), SIGKILL)
        }
        XCTAssertEqual(r, .signaled(SIGKILL))
        let p3 = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        p3.close()
    }

    /// A forked child shares the parent's lock; it must not commit through the parent's object.
    func testForkedChildCannotCommitThroughParentsFile() throws {
        let f = TestFile(size: 8192)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        let image = f.content()
        let runs = f.dirty(lines: [1], value: 4)
        let r = runChild {
            do {
                _ = try f.commit(p, runs)
                _exit(3)
            } catch let e as SnapshotError where e.code == EPERM {
                p.close()  // must not disturb the parent's log
                _exit(0)
            }
        }
        XCTAssertEqual(r, .exited(0))
        assertSameImage(f.content(), image)
        _ = try f.commit(p, runs)
        assertSameImage(f.content(), f.workingImage())
        p.close()
    }

    /// A failed ordering point fails the commit and applies nothing; the changes can be committed
    /// again. A failed data fence (fsyncgate: the kernel may have dropped the dirty pages) makes
    /// the engine re-apply the whole lap from the log before it trusts the next data fence.
    func testFailedOrderingPointsFailTheCommitAndAreRepaired() throws {
        let f = TestFile(size: 256 * 1024)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        defer { p.close() }
        let committed = f.content()
        let runs = f.dirty(lines: [0, 1, 100], value: 0x66)
        // The record's fence fails: the commit is not acknowledged and nothing is applied.
        p.ops.testFailNextFence = .log
        let e = expectError(EIO) { _ = try f.commit(p, runs) }
        XCTAssertTrue(e?.description.contains("log fence") ?? false, e?.description ?? "")
        assertSameImage(f.content(), committed)
        XCTAssertEqual(p.lastCommittedEpoch, 0)
        // The same dirty set commits fine afterwards (in a new lap: the failed record is dead).
        _ = try f.commit(p, runs)
        assertSameImage(f.content(), f.workingImage())
        XCTAssertEqual(p.lastCommittedEpoch, 1)

        // A commit too big for the rest of the lap needs a new one, whose data fence fails: it fails and
        // the previous lap stays (every commit in it still replayable).
        let big = f.dirty(lines: Array(0..<(f.size / 64)), value: 0x77)
        p.ops.testFailNextFence = .data
        _ = expectError(EIO) { _ = try f.commit(p, big) }
        XCTAssertEqual(p.lastCommittedEpoch, 1)
        // Simulate the kernel having dropped the pages the failed fence reported: zero them in the
        // file behind the engine's back. The retry re-applies the lap before fencing again. (The
        // kernel drops pages without touching mtime; the pwrite moved it, so it is put back, or the
        // engine rightly reports an outside change.)
        var before = stat()
        XCTAssertEqual(fstat(f.fd, &before), 0)
        let zeros = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(pwrite(f.fd, zeros, 64, 0), 64)
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(futimens(f.fd, &times), 0)
        _ = try f.commit(p, big)
        assertSameImage(f.content(), f.workingImage())
        XCTAssertEqual(p.lastCommittedEpoch, 2)
    }

    func testMalformedRunsAreRejectedWithoutWriting() throws {
        let f = TestFile(size: 8192)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        defer { p.close() }
        let image = f.content()
        _ = f.dirty(lines: [0, 1, 2], value: 9)
        for bad in [[DirtyRun(offset: 32, length: 64)],
                    [DirtyRun(offset: 128, length: 64), DirtyRun(offset: 0, length: 64)],
                    [DirtyRun(offset: 0, length: 128), DirtyRun(offset: 64, length: 64)],
                    [DirtyRun(offset: 8192, length: 64)],
                    [DirtyRun(offset: 0, length: 0)],
                    [DirtyRun(offset: 0, length: 100)],
                    [DirtyRun(offset: -64, length: 64)],
                    [DirtyRun(offset: 8128, length: 128)],
                    [DirtyRun(offset: 64, length: -64)],
                    [DirtyRun(offset: 0, length: 64), DirtyRun(offset: Int.max - 63, length: 64)]] {
            _ = expectError(EINVAL) { _ = try f.commit(p, bad) }
        }
        assertSameImage(f.content(), image)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }

    /// A page list with a negative file size is refused, not taken for lines inside the file.
    func testNegativeFileLengthIsRejectedWithoutWriting() throws {
        let f = TestFile(size: 8192)
        let p = try PersistentFile(dataPath: f.path, dataFD: f.fd)
        defer { p.close() }
        let image = f.content()
        _ = f.dirty(lines: [0], value: 9)
        var page = snapshot_dirty_page(page: 0, bits: 1)
        var desc = [UInt8](repeating: 0, count: 64)
        var lines = 0
        let bytes = snapshot_desc_encode(&page, 1, &desc, &lines)
        XCTAssertEqual(bytes, 4)
        _ = expectError(EINVAL) {
            _ = try withUnsafePointer(to: &page) { pp in
                try p.commit(pages: UnsafeBufferPointer(start: pp, count: 1), descriptors: desc, descBytes: Int(bytes),
                             lines: lines, working: f.working, persistent: f.persistent, fileLength: -1)
            }
        }
        assertSameImage(f.content(), image)
        XCTAssertEqual(PersistentFile.inspect(dataPath: f.path).state, .clean)
    }

    /// Several files committed concurrently from several threads (engine state shared between
    /// files: environment, traces, event counter) - each file ends with its last committed image.
    func testConcurrentCommitsOfDifferentFiles() throws {
        final class Box { let f: TestFile; let p: PersistentFile; var error: Error?
            init(_ f: TestFile) throws { self.f = f; p = try PersistentFile(dataPath: f.path, dataFD: f.fd) } }
        let boxes = try (0..<4).map { try Box(TestFile(size: 256 * 1024, seed: UInt8($0))) }
        var threads: [pthread_t] = []
        for b in boxes {
            var t = pthread_t()
            let ctx = Unmanaged.passRetained(b).toOpaque()
            XCTAssertEqual(pthread_create(&t, nil, { arg in
                let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
                do {
                    for i in 0..<50 {
                        let lines = (0..<(1 + i % 7)).map { ($0 * 131 + i * 17) % 4096 }
                        _ = try b.f.commit(b.p, b.f.dirty(lines: Array(Set(lines)), value: UInt8(truncatingIfNeeded: i)))
                    }
                } catch { b.error = error }
                return nil
            }, ctx), 0)
            threads.append(t)
        }
        for t in threads { pthread_join(t, nil) }
        for b in boxes {
            XCTAssertNil(b.error)
            assertSameImage(b.f.content(), b.f.workingImage())
            b.p.close()
            XCTAssertEqual(PersistentFile.inspect(dataPath: b.f.path).epoch, 50)
        }
    }

    func testNotARegularFile() {
        let fd = open("/dev/null", O_RDWR)
        defer { close(fd) }
        _ = expectError(EINVAL) { _ = try PersistentFile(dataPath: "/dev/null", dataFD: fd) }
    }
}
