// Hand the process over to clang with execv: clang's exit status, stdout and stderr become ours
// with no copying, no waiting, and no second process in the build's process tree.
import Glibc

func execCompiler(_ command: [String]) -> Never {
    if environment("SNAPSHOT_CC_PRINT") != nil {
        // Debug aid: the exact command, shell-quoted, before it runs.
        writeAll(2, "\(driverName): exec " + command.map(shellQuoted).joined(separator: " ") + "\n")
    }
    var cArgs: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) }
    cArgs.append(nil)
    execv(command[0], &cArgs)
    let code = errno
    fail("cannot run clang at \(command[0]): \(errnoText(code)) — install it (scripts/install-deps.sh) or set SNAPSHOT_CLANG")
}

func shellQuoted(_ s: String) -> String {
    let safe = s.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) ||
        c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "/") ||
        c == UInt8(ascii: ".") || c == UInt8(ascii: ",") || c == UInt8(ascii: "=") ||
        c == UInt8(ascii: "+") || c == UInt8(ascii: ":") || c == UInt8(ascii: "@")
    }
    if safe && !s.isEmpty { return s }
    var out = "'"
    for ch in s { if ch == "'" { out += "'\\''" } else { out.append(ch) } }
    return out + "'"
}
