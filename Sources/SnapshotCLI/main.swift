// `snapshot`: inspect and recover files written by Snapshot programs.
import ArgumentParser
import Glibc
import SnapshotLog

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Inspect and recover files made failure-atomic by Snapshot.",
        discussion: """
            Every file committed by a program built with snapshot-cc has a redo log beside it, \
            named .<basename>.snapshot-log. Commits a crash kept out of the file are replayed \
            from it automatically the next time a Snapshot program maps the file; these commands \
            do it on demand.

            Exit status: 0 = fine, 1 = a problem (message on stderr), 2 = `status` found commits \
            waiting to be replayed and no writer running.
            """,
        subcommands: [Status.self, Recover.self, Verify.self])
}

struct FileArgument: ParsableArguments {
    @Argument(help: "The data file (not its .snapshot-log).")
    var file: String
}

func fail(_ message: String) -> Never {
    var s = message
    if !s.hasSuffix("\n") { s += "\n" }
    fputs(s, stderr)
    exit(1)
}

func formatTime(_ ns: UInt64) -> String {
    var t = time_t(ns / 1_000_000_000)
    var tmv = tm()
    gmtime_r(&t, &tmv)
    var buf = [CChar](repeating: 0, count: 64)
    strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S", &tmv)
    let ms = (ns / 1_000_000) % 1000
    let msText = String(ms)
    return String(cString: buf) + "." + String(repeating: "0", count: 3 - msText.count) + msText + " UTC"
}

extension Snapshot {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the state of a file's log.",
            discussion: "Prints the log state, the last commit (epoch, time, medium), whether a writer holds the file and whether recovery is pending. Exits 2 when commits wait to be replayed and no writer runs, 1 on problems.")
        @OptionGroup var options: FileArgument

        func run() throws {
            let r = PersistentFile.inspect(dataPath: options.file)
            print("file:     \(r.dataPath)")
            print("log:      \(r.logPath)\(r.state == .absent ? " (none)" : " (\(r.logSize) bytes)")")
            let state: String
            switch r.state {
            case .absent: state = "no log: the file has never been committed by Snapshot here, nothing to recover"
            case .empty: state = "clean (empty log)"
            case .clean: state = "clean: the file holds every commit"
            case .recoveryPending where r.lockedByWriter: state = "active: the writer's commits up to epoch \(r.epoch) are in the log"
            case .recoveryPending: state = "RECOVERY PENDING: commits up to epoch \(r.epoch) are in the log and may be missing from the file; run `snapshot recover \(r.dataPath)`"
            case .unreadable: state = "unreadable"
            }
            print("state:    \(state)")
            if r.state == .clean || r.state == .empty {
                if r.epoch == 0 {
                    print("commits:  none recorded")
                } else {
                    var line = "last commit: epoch \(r.epoch)"
                    if let t = r.commitTimeNs { line += ", started \(formatTime(t))" }
                    if let m = r.medium { line += ", \(m)" }
                    if let p = r.writerPid { line += ", pid \(p)" }
                    print(line)
                }
            } else if r.state == .recoveryPending {
                var line = "to replay: \(r.pendingRecords) commit(s) up to epoch \(r.epoch), \(r.pendingLines) lines in \(r.pendingRuns) runs"
                if let t = r.commitTimeNs { line += ", started \(formatTime(t))" }
                if let p = r.writerPid { line += ", pid \(p)" }
                print(line)
            }
            print("writer:   \(r.lockedByWriter ? "a process has the file open for writing" : "none")")
            for n in r.notes { print("note:     \(n)") }
            if !r.problems.isEmpty {
                for p in r.problems { fputs("problem: \(p)\n", stderr) }
                throw ExitCode(1)
            }
            if r.state == .recoveryPending && !r.lockedByWriter { throw ExitCode(2) }
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the commits a crash kept out of the file, if there are any.",
            discussion: "Safe to run at any time: does nothing when the log is clean, and refuses (touching nothing) when the log is damaged or belongs to another file. A crash during recovery is recovered by running it again.")
        @OptionGroup var options: FileArgument
        @Flag(help: "Accept a log recorded for another inode: use only when the file and its log were copied or restored together.")
        var adopt = false
        @Flag(help: "The log the file was being committed through is gone (deleted, or not copied with the file): accept the file as it is, possibly holding a half-applied commit, and stop refusing it.")
        var acceptAsIs = false

        func run() throws {
            do {
                if acceptAsIs {
                    print(try PersistentFile.acceptAsIs(dataPath: options.file))
                    return
                }
                switch try PersistentFile.recover(dataPath: options.file, adopt: adopt) {
                case .noLog: print("\(options.file): no log, nothing to recover")
                case .clean(let e): print("\(options.file): clean (last commit epoch \(e)), nothing to recover")
                case .busy:
                    fail("snapshot: \(options.file) is open for writing by another process, which recovered it when it opened it; nothing done")
                case .recovered(let e, let lines):
                    print("\(options.file): recovered: replayed the log up to commit \(e) (\(lines) lines written); the file holds its last committed contents")
                }
            } catch let e as SnapshotError {
                fail(e.description)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a file's log is well-formed and belongs to the file.",
            discussion: "Checks magic, version, both header copies, every record's checksums and descriptors, and the identity of the data file. Changes nothing. Exits 1 if any check fails.")
        @OptionGroup var options: FileArgument

        func run() throws {
            let r = PersistentFile.inspect(dataPath: options.file)
            for n in r.notes { print("note: \(n)") }
            if !r.problems.isEmpty {
                for p in r.problems { fputs("FAILED: \(p)\n", stderr) }
                throw ExitCode(1)
            }
            switch r.state {
            case .absent: print("\(options.file): no log (nothing to verify)")
            case .recoveryPending: print("\(options.file): OK - log well-formed, belongs to the file, checksums match; \(r.pendingRecords) commit(s) up to epoch \(r.epoch) to replay")
            default: print("\(options.file): OK - log well-formed\(r.belongsToFile == true ? " and bound to this file" : ""), nothing to replay")
            }
        }
    }
}

Snapshot.main()
