import CSnapshotPmem
import Glibc

/// Persistence events: the points between persistent steps of commit and recovery, numbered from 1
/// across the whole process. SNAPSHOT_CRASH_AT=N dies right after event N has happened (its write or
/// fence done, nothing after it), so sweeping N visits every intermediate persistent state.
///
/// Names (one per step; `data-run`, `recover-run` repeat per run):
///   log-grow             the log was extended (fallocate + fdatasync) before a commit
///   undo-written         descriptors, undo images and header body stored (not yet durable)
///   undo-persisted       ... and made durable
///   log-valid            tag set to pending (commit in flight)
///   log-valid-persisted  ... durable
///   data-run             one dirty run copied working -> persistent
///   data-persisted       drain / msync of the data
///   log-invalidated      tag set to clean
///   log-invalidated-persisted
///   recover-run          one undo image copied back to the data file
///   recover-persisted    drain / msync of the restored data
///   recover-invalidated  tag set to clean after recovery
///   recover-invalidated-persisted
enum CrashPoints {
    @inline(__always)
    static func event(_ name: StaticString, _ path: String) {
        let env = SnapshotEnvironment.shared
        if _slowPath(env.eventsActive) { happened(name, path, env) }
    }

    @inline(never)
    static func happened(_ name: StaticString, _ path: String, _ env: SnapshotEnvironment) {
        let n = snapshot_event_next()
        if env.crashList { writeStderr("snapshot-event \(n) \(name) \(path)") }
        if n == env.crashAt {
            if env.crashKill {
                kill(getpid(), SIGKILL)
            }
            _exit(86)
        }
    }
}
