import CSnapshotShim
import SnapshotLog

@_cdecl("__snapshot_record") public func snapshotRecord(_ addr: UnsafeMutableRawPointer?, _ size: Int) {}
