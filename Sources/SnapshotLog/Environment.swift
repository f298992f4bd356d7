import Glibc

/// The engine's environment knobs, read once, lazily (at the first managed file), never at load.
/// With none of them set every hook below is one predictable branch on a constant.
final class SnapshotEnvironment {
    /// Initialised at first use (swift_once), i.e. at the first managed file, never at load.
    nonisolated(unsafe) static var shared = SnapshotEnvironment()

    /// Tests only: re-read the environment (e.g. in a forked child after setenv). Files opened
    /// earlier keep the trace writers they captured.
    static func reloadForTesting() { shared = SnapshotEnvironment() }

    enum TestFault {
        case none
        /// Test-only negative control: commits write no undo entries.
        case skipUndo
        /// Test-only negative control: the log is invalidated (and persisted) before the data runs
        /// are copied and drained.
        case earlyInvalidate
    }

    /// SNAPSHOT_CRASH_AT=N: die at the N-th persistence event (0 = off).
    let crashAt: UInt64
    /// SNAPSHOT_CRASH_MODE=kill: SIGKILL instead of _exit(86).
    let crashKill: Bool
    /// SNAPSHOT_CRASH_LIST=1: print every event.
    let crashList: Bool
    /// Either of the above: events must be counted.
    let eventsActive: Bool
    /// SNAPSHOT_PMTRACE=<path>.
    let pmTrace: PMTraceWriter?
    /// SNAPSHOT_TRACE=<path>.
    let commitTrace: CommitTraceWriter?
    /// SNAPSHOT_TEST_FAULT=skip-undo|early-invalidate (other values belong to the runtime).
    let fault: TestFault
    /// SNAPSHOT_QUIET=1.
    let quiet: Bool

    /// Either trace: commits need a per-process epoch.
    var tracing: Bool { pmTrace != nil || commitTrace != nil }

    private init() {
        func env(_ name: String) -> String? {
            guard let v = getenv(name) else { return nil }
            let s = String(cString: v)
            return s.isEmpty ? nil : s
        }
        var at: UInt64 = 0
        if let s = env("SNAPSHOT_CRASH_AT") {
            if let n = UInt64(s), n > 0 {
                at = n
            } else {
                writeStderr("snapshot: ignoring SNAPSHOT_CRASH_AT=\(s): not a positive integer")
            }
        }
        crashAt = at
        let mode = env("SNAPSHOT_CRASH_MODE") ?? "exit"
        if mode != "exit" && mode != "kill" {
            writeStderr("snapshot: SNAPSHOT_CRASH_MODE=\(mode) is neither exit nor kill; using exit")
        }
        crashKill = mode == "kill"
        crashList = (env("SNAPSHOT_CRASH_LIST") ?? "0") != "0"
        eventsActive = crashAt > 0 || crashList
        pmTrace = env("SNAPSHOT_PMTRACE").flatMap { PMTraceWriter(path: $0) }
        commitTrace = env("SNAPSHOT_TRACE").flatMap { CommitTraceWriter(path: $0) }
        switch env("SNAPSHOT_TEST_FAULT") {
        case "skip-undo": fault = .skipUndo
        case "early-invalidate": fault = .earlyInvalidate
        default: fault = .none
        }
        quiet = (env("SNAPSHOT_QUIET") ?? "0") != "0"
    }
}

/// A pthread mutex at a stable address (Swift values may move; a mutex must not).
final class Mutex {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        pthread_mutex_init(m, nil)
    }
    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }
    @inline(__always)
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
