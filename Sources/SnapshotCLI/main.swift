import ArgumentParser
import SnapshotLog
struct Snapshot: ParsableCommand { func run() { print(SnapshotLogFormat.version) } }
Snapshot.main()
