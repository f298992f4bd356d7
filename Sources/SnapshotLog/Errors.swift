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
