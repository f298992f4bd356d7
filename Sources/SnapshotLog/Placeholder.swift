// Replaced by the undo-log implementation.
public enum SnapshotLogFormat { public static let version: UInt32 = 1 }
