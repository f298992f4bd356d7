// Where the pieces are. The build tree and every installed prefix share one layout:
//   <prefix>/bin/snapshot-cc            (snapshot-c++ is a symlink to it)
//   <prefix>/lib/libsnapshot.so         the runtime
//   <prefix>/lib/snapshot/SnapshotInstrument.so, toolchain.conf
//   <prefix>/include/snapshot.h, snapshot_abi.h
// so everything is located from /proc/self/exe and no build path is baked into the binary.
// toolchain.conf (written by CMake) only names system tools: the clang matching the plugin's LLVM.
import Glibc

struct Layout {
    let prefix: String
    var libDir: String { prefix + "/lib" }
    var privateDir: String { prefix + "/lib/snapshot" }
    var plugin: String { privateDir + "/SnapshotInstrument.so" }
    var runtime: String { libDir + "/libsnapshot.so" }
    var config: String { privateDir + "/toolchain.conf" }
    var includeDir: String { prefix + "/include" }

    static func locate() -> Layout {
        guard let exe = executablePath() else {
            fail("cannot read /proc/self/exe (\(errnoText(errno))) to find the Snapshot toolchain — is /proc mounted?")
        }
        return Layout(prefix: dirname(dirname(exe)))
    }
}

/// The key=value record CMake writes at configure time.
struct ToolchainConfig {
    var values: [String: String] = [:]
    subscript(key: String) -> String? { values[key] }

    /// Parses the file; nil (errno set) if it cannot be read. Blank lines and '#' comments skipped.
    static func load(_ path: String) -> ToolchainConfig? {
        guard let bytes = readFile(path) else { return nil }
        var config = ToolchainConfig()
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = String(decoding: rawLine, as: UTF8.self)
            if line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = trimmed(String(line[..<eq]))
            let value = trimmed(String(line[line.index(after: eq)...]))
            if !key.isEmpty { config.values[key] = value }
        }
        return config
    }
}

private func trimmed(_ s: String) -> String {
    var chars = Substring(s)
    while let c = chars.first, c == " " || c == "\t" || c == "\r" { chars.removeFirst() }
    while let c = chars.last, c == " " || c == "\t" || c == "\r" { chars.removeLast() }
    return String(chars)
}

/// The toolchain.conf, read at most once and only when something needs it (an overridden clang
/// does not).
final class LazyConfig {
    let path: String
    private var cached: ToolchainConfig?
    init(path: String) { self.path = path }

    var config: ToolchainConfig {
        if let c = cached { return c }
        guard let c = ToolchainConfig.load(path) else {
            fail("toolchain record not found at \(path) (\(errnoText(errno))) — rebuild with `make` or reinstall (or set SNAPSHOT_CLANG)")
        }
        cached = c
        return c
    }

    func require(_ key: String) -> String {
        guard let v = config[key], !v.isEmpty else {
            fail("toolchain record \(path) has no '\(key)=' entry — rebuild with `make` or reinstall")
        }
        return v
    }
}

func environment(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    let s = String(cString: p)
    return s.isEmpty ? nil : s
}

/// The clang to run: the one recorded at configure time (it matches the plugin's LLVM), never the
/// `clang` on PATH, which may be another LLVM. SNAPSHOT_CLANG / SNAPSHOT_CLANGXX override. When only
/// SNAPSHOT_CLANG is set, C++ runs it in g++ driver mode, so both languages use the same LLVM.
struct CompilerChoice {
    var path: String
    var extraLeadingArgs: [String] = []
    var source: String   // where the path came from, for messages and --snapshot-version
}

func chooseCompiler(cxx: Bool, config: LazyConfig) -> CompilerChoice {
    if cxx {
        if let p = environment("SNAPSHOT_CLANGXX") { return CompilerChoice(path: resolveInPath(p), source: "SNAPSHOT_CLANGXX") }
        if let p = environment("SNAPSHOT_CLANG") {
            return CompilerChoice(path: resolveInPath(p), extraLeadingArgs: ["--driver-mode=g++"], source: "SNAPSHOT_CLANG")
        }
        return CompilerChoice(path: config.require("clangxx"), source: config.path)
    }
    if let p = environment("SNAPSHOT_CLANG") { return CompilerChoice(path: resolveInPath(p), source: "SNAPSHOT_CLANG") }
    return CompilerChoice(path: config.require("clang"), source: config.path)
}

/// An override given as a bare name (SNAPSHOT_CLANG=clang-15) is looked up in PATH: the user asked
/// for that program explicitly. The recorded default is always an absolute path.
func resolveInPath(_ name: String) -> String {
    if name.contains("/") { return name }
    for dir in (environment("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
        if isExecutableFile(candidate) { return candidate }
    }
    return name
}

func requireCompiler(_ c: CompilerChoice) {
    if isExecutableFile(c.path) { return }
    if c.source.hasPrefix("SNAPSHOT_") {
        fail("clang not found at \(c.path) (from \(c.source)) — fix or unset \(c.source)")
    }
    fail("clang not found at \(c.path) (recorded in \(c.source)) — install it (scripts/install-deps.sh) or set SNAPSHOT_CLANG")
}
