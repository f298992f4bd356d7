// @file response files. The driver expands them only to *classify* the command (does it link? is
// an own flag hidden inside?); the original @file argument is what clang receives, so long command
// lines keep working. Tokenisation follows clang's on Linux (GNU rules): whitespace separates,
// '…' and "…" group, a backslash escapes the next character (also inside quotes).
// Nested @file names are relative to the working directory, as clang 14 resolves them.
import Glibc

/// One argument as clang will see it after response-file expansion.
struct ExpandedArg {
    var text: String
    /// Index of the command-line argument it came from.
    var origin: Int
    /// True when it came from inside a response file (it cannot be removed from the command line
    /// without rewriting that file).
    var fromResponseFile: Bool
}

func expandResponseFiles(_ args: [String]) -> [ExpandedArg] {
    var out: [ExpandedArg] = []
    out.reserveCapacity(args.count)
    for (i, a) in args.enumerated() {
        expand(a, origin: i, nested: false, depth: 0, into: &out)
    }
    return out
}

private func expand(_ arg: String, origin: Int, nested: Bool, depth: Int, into out: inout [ExpandedArg]) {
    // Like clang: an unreadable @file stays an argument (clang then reports it as a missing input),
    // and a cycle is cut off rather than looping.
    if arg.hasPrefix("@") && arg.utf8.count > 1 && depth < 20,
       let bytes = readFile(String(arg.dropFirst())) {
        for token in tokenizeGNU(bytes) {
            expand(token, origin: origin, nested: true, depth: depth + 1, into: &out)
        }
        return
    }
    out.append(ExpandedArg(text: arg, origin: origin, fromResponseFile: nested))
}

func tokenizeGNU(_ bytes: [UInt8]) -> [String] {
    // Matches LLVM's GNU tokeniser (which clang uses), quirks included: a backslash escapes the
    // next character inside both kinds of quotes too, and an empty token ("") is dropped.
    var tokens: [String] = []
    var current: [UInt8] = []
    var i = 0
    let n = bytes.count
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    while i < n {
        let c = bytes[i]
        if isSpace(c) {
            if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)); current.removeAll() }
            i += 1
        } else if c == UInt8(ascii: "\\") && i + 1 < n {
            current.append(bytes[i + 1])
            i += 2
        } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
            i += 1
            while i < n && bytes[i] != c {
                if bytes[i] == UInt8(ascii: "\\") && i + 1 < n { i += 1 }
                current.append(bytes[i])
                i += 1
            }
            i += 1                       // the closing quote (or past the end)
        } else {
            current.append(c)
            i += 1
        }
    }
    if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
    return tokens
}
