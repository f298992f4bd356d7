import Glibc

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
