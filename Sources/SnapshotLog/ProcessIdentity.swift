import CSnapshotPmem

/// This process's pid without a system call per use: commits ask "am I the writer?" every time,
/// and glibc no longer caches getpid(). A forked child looks its own pid up (pthread_atfork).
public func currentProcessID() -> Int32 { snapshot_current_pid() }
