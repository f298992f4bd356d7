// `snapshot-cc --snapshot-version`: versions and every path the driver would use, so a user (or a
// bug report) can see at once which clang, plugin and runtime a build picks up.
import Glibc

/// The runtime embeds a what(1)-style marker "@(#)libsnapshot <version>"; read it from the file
/// so the reported version is the one of the library actually on disk.
func runtimeVersionMarker(_ path: String) -> String? {
    guard let bytes = readFile(path) else { return nil }
    let marker = Array("@(#)libsnapshot ".utf8)
    let n = bytes.count, m = marker.count
    var i = 0
    while i + m <= n {
        if bytes[i] == marker[0] && bytes[i..<(i + m)].elementsEqual(marker) {
            var version: [UInt8] = []
            var j = i + m
            while j < n && bytes[j] != 0 && version.count < 64 { version.append(bytes[j]); j += 1 }
            return String(decoding: version, as: UTF8.self)
        }
        i += 1
    }
    return nil
}

func printVersionReport(layout: Layout, config: LazyConfig) -> Never {
    let conf = ToolchainConfig.load(config.path)
    var problems = 0
    func status(_ ok: Bool) -> String {
        if !ok { problems += 1 }
        return ok ? "" : "  (MISSING)"
    }
    let project = conf?["version"] ?? "unknown"
    printOut("\(driverName) (Snapshot) \(project)")
    printOut("LLVM:          \(conf?["llvm_version"] ?? "unknown")")
    let runtimeVersion: String
    if let v = runtimeVersionMarker(layout.runtime) {
        runtimeVersion = v == project ? v : "\(v)  (differs from the driver's \(project): mixed installs?)"
    } else if isReadableFile(layout.runtime) {
        runtimeVersion = "\(project) (per toolchain.conf; libsnapshot.so carries no version marker)"
    } else {
        runtimeVersion = "unknown"
    }
    printOut("runtime:       \(runtimeVersion)")
    let c = conf == nil && environment("SNAPSHOT_CLANG") == nil ? nil : chooseCompilerQuietly(cxx: false, conf)
    let cx = conf == nil && environment("SNAPSHOT_CLANGXX") == nil && environment("SNAPSHOT_CLANG") == nil
        ? nil : chooseCompilerQuietly(cxx: true, conf)
    for (label, choice) in [("clang:        ", c), ("clang++:      ", cx)] {
        if let ch = choice {
            let args = ch.extraLeadingArgs.isEmpty ? "" : " " + ch.extraLeadingArgs.joined(separator: " ")
            let from = ch.source.hasPrefix("SNAPSHOT_") ? " (from \(ch.source))" : ""
            printOut("\(label) \(ch.path)\(args)\(from)\(status(isExecutableFile(ch.path)))")
        } else {
            printOut("\(label) unknown\(status(false))")
        }
    }
    printOut("plugin:        \(layout.plugin)\(status(isReadableFile(layout.plugin)))")
    printOut("runtime lib:   \(layout.runtime)\(status(isReadableFile(layout.runtime)))")
    printOut("toolchain.conf: \(layout.config)\(status(conf != nil))")
    exit(problems == 0 ? 0 : 1)
}

private func chooseCompilerQuietly(cxx: Bool, _ conf: ToolchainConfig?) -> CompilerChoice? {
    if cxx {
        if let p = environment("SNAPSHOT_CLANGXX") { return CompilerChoice(path: p, source: "SNAPSHOT_CLANGXX") }
        if let p = environment("SNAPSHOT_CLANG") {
            return CompilerChoice(path: p, extraLeadingArgs: ["--driver-mode=g++"], source: "SNAPSHOT_CLANG")
        }
        return conf?["clangxx"].map { CompilerChoice(path: $0, source: "toolchain.conf") }
    }
    if let p = environment("SNAPSHOT_CLANG") { return CompilerChoice(path: p, source: "SNAPSHOT_CLANG") }
    return conf?["clang"].map { CompilerChoice(path: $0, source: "toolchain.conf") }
}
