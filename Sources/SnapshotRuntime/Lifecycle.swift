// How a process's endings treat changes not committed yet ("POSIX when observed, atomic when
// crashed"). A clean ending commits them, atomically, as POSIX write-back would eventually have
// written them; a crash-like one drops them, and the file keeps its last commit:
//   exit / return from main     commit (libsnapshot's ELF destructor: after every atexit handler
//                               and the program's own destructors, so their writes are included)
//   execve and friends          commit, then exec (exec.c)
//   munmap of the last mapping  commit (Mapping.swift)
//   _exit, abort, a signal      drop: no user-space code runs (or none should: _exit is what a
//                               program calls when it must not run clean-up)
//   a forked child's endings    nothing: the child is not the writer (its changes stay private)
// SNAPSHOT_STRICT_FAMS=1 selects the strict failure-atomic-msync contract: every ending drops,
// with a message naming the file.
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

/// Commits (or, strict, reports dropping) the pending changes of every file this process writes.
private func cleanEnding(_ what: String) {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return }
    // getpid(), not the cached pid behind isOwner: a vfork child runs no atfork handler, shares
    // the parent's memory and must not commit the parent's files while the parent is suspended.
    let pid = getpid()
    for f in rt.files where f.isOwner && f.ownerPID == pid && !f.mappings.isEmpty && f.hasPending {
        f.lock()
        defer { f.unlock() }
        if strictFams {
            warn("\(what) without msync (SNAPSHOT_STRICT_FAMS=1): dropped \(f.dirtyLines()) uncommitted dirty line(s) of \(f.path); the file keeps its last committed state")
        } else if commit(rt, f, what) != 0 {
            warn("\(what): the commit of \(f.path) failed (see above): its uncommitted changes are dropped; the file keeps its last committed state")
        }
    }
}

/// Normal process exit (called from libsnapshot's destructor, exec.c).
@_cdecl("snapshot_rt_exit")
public func snapshotExit() {
    cleanEnding("exit")
    retireLogs()
}

/// At exit, after the last commit: end each file's log lap (data fence, new header), as closing
/// the file would, so that the next process to map it has nothing to replay and says nothing.
/// (Not at exec: if the exec fails the process goes on using its files.)
private func retireLogs() {
    snapshot_global_lock()
    defer { snapshot_global_unlock() }
    guard let rt = runtimeInstance else { return }
    let pid = getpid()
    for f in rt.files where f.isOwner && f.ownerPID == pid {
        f.lock()
        f.log?.close()
        f.unlock()
    }
}

/// About to exec: the new program image cannot commit this one's working copies.
@_cdecl("snapshot_rt_exec")
public func snapshotExec() {
    cleanEnding("execve")
}
