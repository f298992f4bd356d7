import Glibc

/// The engine's environment knobs, read once, lazily (at the first managed file), never at load.
/// With none of them set every hook below is one predictable branch on a constant.
final class SnapshotEnvironment {
    /// Initialised at first use (swift_once), i.e. at the first managed file, never at load.
    nonisolated(unsafe) static var shared = SnapshotEnvironment()

    /// Tests only: re-read the environment (e.g. in a forked child after setenv). Files opened
    /// earlier keep the trace writers they captured.
    static func reloadForTesting() { shared = SnapshotEnvironment() }

    /// Test-only negative controls: each breaks one invariant of the commit protocol
    /// (PersistentFile.swift), so the crash harness can show that its models catch it.
    struct TestFaults: OptionSet {
        let rawValue: Int
        /// I1 broken: a commit's data is applied before its record is written.
        static let applyBeforeLog = TestFaults(rawValue: 1)
        /// I3 broken: a lap ends (new salt) without the data fence before it.
        static let noCheckpointFence = TestFaults(rawValue: 2)
        /// I2 broken: recovery replays a record whose body fails its checksum.
        static let acceptTornRecords = TestFaults(rawValue: 4)
        /// The runtime's own (SnapshotRuntime reads it); listed so that it is not reported unknown.
        static let dropThread = TestFaults(rawValue: 8)
        /// Failure injection (not a broken invariant): the first fence of a commit record, or the
        /// first data fence at a lap end, fails with EIO, as a failing disk's fdatasync would.
        static let eioRecordFence = TestFaults(rawValue: 16)
        static let eioDataFence = TestFaults(rawValue: 32)
        /// Broken under the per-thread fence model: on persistent memory a record's fence is
        /// skipped when another thread fenced after the record was written ("its drain covered
        /// mine"), which holds only if one thread's sfence drained every CPU's stores.
        static let borrowFence = TestFaults(rawValue: 64)
        /// The runtime's own, like dropThread: the store path's dirty-bit OR split into a load and
        /// a store (the negative control of the unlocked OR, Tests/e2e/signals.c).
        static let splitOr = TestFaults(rawValue: 128)
        /// The runtime's own too: the scan's clear of level-3 summary bits split into a load and a
        /// store (the negative control of Tests/e2e/large.c's writer threads).
        static let splitClear = TestFaults(rawValue: 256)

        static let names: [(String, TestFaults)] = [("apply-before-log", .applyBeforeLog),
            ("no-checkpoint-fence", .noCheckpointFence), ("accept-torn-records", .acceptTornRecords),
            ("drop-thread", .dropThread), ("eio-record-fence", .eioRecordFence), ("eio-data-fence", .eioDataFence),
            ("borrow-fence", .borrowFence), ("split-or", .splitOr), ("split-clear", .splitClear)]

        /// Comma-separated names; unknown names are reported, never silently ignored.
        static func parse(_ text: String?) -> TestFaults {
            var f = TestFaults()
            guard let text = text else { return f }
            for part in text.split(separator: ",") {
                if let (_, v) = names.first(where: { $0.0 == part }) {
                    f.insert(v)
                } else {
                    writeStderr("snapshot: SNAPSHOT_TEST_FAULT: unknown fault '\(part)' (known: \(names.map { $0.0 }.joined(separator: ", ")))")
                }
            }
            return f
        }
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
    /// SNAPSHOT_TEST_FAULT=name,name,...
    let faults: TestFaults
    /// SNAPSHOT_TEST_LOG_LIMIT=bytes (tests only): the log starts at and grows by itself only up to
    /// this size, so that short workloads go through many laps.
    let logLimit: Int?
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
        faults = TestFaults.parse(env("SNAPSHOT_TEST_FAULT"))
        var limit: Int? = nil
        if let s = env("SNAPSHOT_TEST_LOG_LIMIT") {
            if let n = Int(s), n >= 16384 { limit = n } else {
                writeStderr("snapshot: ignoring SNAPSHOT_TEST_LOG_LIMIT=\(s): not a size of at least 16384 bytes")
            }
        }
        logLimit = limit
        quiet = (env("SNAPSHOT_QUIET") ?? "0") != "0"
    }
}

