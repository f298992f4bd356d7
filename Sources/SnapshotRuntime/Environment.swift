// The environment is read once, at the first shared file mapping (never at load time).
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

func envFlag(_ name: String) -> Bool {
    guard let v = getenv(name) else { return false }
    let s = String(cString: v)
    return !(s.isEmpty || s == "0")
}

func envString(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    return String(cString: v)
}

/// SNAPSHOT_STRICT_FAMS=1: the strict failure-atomic-msync contract — changes not committed by an
/// explicit msync/fsync are dropped at munmap, exit and exec (with a message). Default: clean
/// endings commit them, as POSIX write-back would eventually have written them.
var strictFams = false

/// Called under the global lock. Sets snapshot_state to READY or DISABLED.
func readEnvironmentOnce() {
    if snapshot_state != SNAPSHOT_STATE_UNINIT { return }
    snapshot_quiet = envFlag("SNAPSHOT_QUIET") ? 1 : 0
    snapshot_verify = envFlag("SNAPSHOT_VERIFY") ? 1 : 0
    strictFams = envFlag("SNAPSHOT_STRICT_FAMS")
    if let faults = envString("SNAPSHOT_TEST_FAULT")?.split(separator: ",") {
        if faults.contains("drop-thread") { snapshot_store_faults |= SNAPSHOT_STORE_FAULT_DROP_THREAD }
        if faults.contains("split-or") { snapshot_store_faults |= SNAPSHOT_STORE_FAULT_SPLIT_OR }
        if faults.contains("split-clear") { snapshot_store_faults |= SNAPSHOT_STORE_FAULT_SPLIT_CLEAR }
    }
    if let ex = envString("SNAPSHOT_EXCLUDE") {
        excludedPrefixes = ex.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }
    let disabled = envFlag("SNAPSHOT_DISABLE")
    if !disabled { snapshot_install_fork_handlers() }
    // Plain store is fine: readers only compare against DISABLED/ACTIVE, both set under the lock.
    snapshot_state = disabled ? SNAPSHOT_STATE_DISABLED : SNAPSHOT_STATE_READY
}
