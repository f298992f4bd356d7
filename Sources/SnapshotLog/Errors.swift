import Glibc

/// A failure of the persistence engine: `code` is an errno value, `description` one line naming the
/// file and, where there is one, the fix.
public struct SnapshotError: Error, CustomStringConvertible {
    public var code: Int32
    public var description: String

    public init(code: Int32, description: String) {
        self.code = code
        self.description = description
    }

    /// `what` failed with the current `errno`: "snapshot: <what>: <strerror>".
    static func errno(_ what: String, code: Int32 = Glibc.errno) -> SnapshotError {
        SnapshotError(code: code, description: "snapshot: \(what): \(errorText(code))")
    }
}

/// strerror text without Foundation.
func errorText(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "error \(code)" }
    return String(cString: s)
}

/// A run of dirty 64-byte lines, as file byte offsets: 64-aligned, sorted, disjoint, coalesced.
/// `length` is a multiple of 64, except that a run ending at or beyond the end of the file may be
/// clipped to it.
public struct DirtyRun {
    public var offset: Int
    public var length: Int
    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}

/// What one commit wrote.
public struct CommitStats {
    /// Dirty 64-byte lines committed.
    public var lines: Int
    /// Bytes written to the undo log (descriptors + undo images + header words).
    public var logBytes: Int
    /// Bytes written to the data file.
    public var dataBytes: Int
    public init(lines: Int = 0, logBytes: Int = 0, dataBytes: Int = 0) {
        self.lines = lines
        self.logBytes = logBytes
        self.dataBytes = dataBytes
    }
}

/// Writes a line to stderr without stdio buffering (safe right before _exit).
func writeStderr(_ line: String) {
    var s = line
    if !s.hasSuffix("\n") { s += "\n" }
    s.withUTF8 { buf in
        var p = buf.baseAddress!
        var left = buf.count
        while left > 0 {
            let n = write(2, p, left)
            if n <= 0 { if n < 0 && Glibc.errno == EINTR { continue }; return }
            p += n
            left -= n
        }
    }
}
