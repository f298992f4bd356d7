// Messages from the driver itself. Everything clang prints reaches the user untouched (we exec it),
// so the driver only ever speaks when it cannot hand over to clang: one line, naming what is wrong
// and how to fix it, then exit status 1.
import Glibc

/// The name the user invoked us by (basename of argv[0]), used as the prefix of our messages.
var driverName = "snapshot-cc"

func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buf in
        var done = 0
        while done < buf.count {
            let n = write(fd, buf.baseAddress! + done, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}

func printOut(_ line: String) { writeAll(1, line + "\n") }

/// Prints "<driver>: <message>" on stderr and exits with status 1.
func fail(_ message: String) -> Never {
    writeAll(2, "\(driverName): \(message)\n")
    exit(1)
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
