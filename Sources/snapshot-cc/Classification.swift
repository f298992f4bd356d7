// What an invocation does, decided the way clang decides it: which arguments are the driver's own,
// whether anything is compiled, and whether the invocation ends in a link. Compile-only and
// information modes must never get link flags (clang would warn "argument unused", and -Werror
// builds would break); every real link must get the runtime.

/// Own flags: consumed here, never passed to clang.
enum OwnFlag {
    case enable          // -fsnapshot (default; undoes an earlier -fno-snapshot)
    case disable         // -fno-snapshot: plain clang, no plugin, no runtime
    case stats           // -fsnapshot-stats: the pass prints its statistics per translation unit
    case noStats         // -fno-snapshot-stats
    case version         // --snapshot-version

    init?(_ arg: String) {
        switch arg {
        case "-fsnapshot": self = .enable
        case "-fno-snapshot": self = .disable
        case "-fsnapshot-stats": self = .stats
        case "-fno-snapshot-stats": self = .noStats
        case "--snapshot-version": self = .version
        default: return nil
        }
    }
}

struct Invocation {
    var instrument = true
    var stats = false
    var versionRequest = false
    /// Indices (into argv) of own flags given directly on the command line.
    var ownFlagArgs: Set<Int> = []
    /// Indices (into the expanded list) of every own flag, wherever it came from.
    var ownFlagExpanded: Set<Int> = []
    /// An own flag sits inside a response file: the command must be passed expanded.
    var ownFlagInResponseFile = false
    /// -c, -S, -E, -M, -MM, -fsyntax-only, -r, --analyze …: no final link.
    var stopsBeforeLink = false
    /// --version, --help, -print-*, -dumpversion …: clang answers and exits.
    var informationOnly = false
    var staticLink = false
    var userPassesMllvm = false
    var inputCount = 0
    /// Inputs clang runs through the LLVM pipeline (sources, preprocessed files, IR).
    var compilableInputs = 0
    /// Inputs that are headers (clang makes a PCH of them, never links).
    var headerInputs = 0
    /// Inputs clang runs the preprocessor on (sources, headers, .S): include paths are used.
    var preprocessedInputs = 0

    /// clang will link (an executable, or a shared library with -shared).
    var links: Bool { !stopsBeforeLink && !informationOnly && inputCount > headerInputs }
    /// clang will run a code generation pipeline (the plugin and -mllvm options are used).
    var compiles: Bool { !informationOnly && compilableInputs > 0 }
    /// clang will preprocess something (an include directory is used, not "argument unused").
    var preprocesses: Bool { !informationOnly && preprocessedInputs > 0 }
}

private let compileOnlyFlags: Set<String> = [
    "-c", "--compile", "-S", "--assemble", "-E", "--preprocess", "-M", "--dependencies", "-MM",
    "--user-dependencies", "-fsyntax-only", "--analyze", "-r", "--precompile", "-emit-ast",
    "-fdriver-only",
]

private let informationFlags: Set<String> = [
    "--version", "-help", "--help", "--help-hidden", "-dumpversion", "-dumpmachine", "-dumpspecs",
    "--print-diagnostic-categories",
]

/// Extensions clang compiles (by its types table); anything else is a linker input.
private let sourceExtensions: Set<String> = [
    "c", "i", "cc", "cp", "cxx", "cpp", "CPP", "c++", "C", "ii", "m", "mi", "mm", "M", "mii",
    "ll", "bc", "cu", "cui", "hip", "cl", "clcpp",
]
private let headerExtensions: Set<String> = ["h", "hh", "hpp", "hxx", "h++", "H"]
/// Extensions of inputs clang preprocesses (not .i/.ii/.mi/.mii, IR or plain .s).
private let preprocessedExtensions: Set<String> = [
    "c", "cc", "cp", "cxx", "cpp", "CPP", "c++", "C", "m", "mm", "M", "cu", "hip", "cl", "clcpp",
    "S", "sx", "h", "hh", "hpp", "hxx", "h++", "H",
]

/// Whether clang preprocesses an input of this -x language.
private func isPreprocessed(language: String) -> Bool {
    !(language.hasSuffix("cpp-output") || language == "assembler" || language == "ir" ||
      language == "lto-ir" || language == "ast" || language == "pcm")
}

func classify(_ args: [ExpandedArg]) -> Invocation {
    var inv = Invocation()
    var language: String? = nil      // from the last -x, applies to following inputs
    var i = 0
    var onlyInputsFollow = false     // after "--"
    while i < args.count {
        let arg = args[i].text
        defer { i += 1 }
        if onlyInputsFollow { countInput(arg, language, &inv); continue }
        if arg == "--" { onlyInputsFollow = true; continue }
        if arg == "-" || !arg.hasPrefix("-") { countInput(arg, language, &inv); continue }

        if let own = OwnFlag(arg) {
            switch own {
            case .enable: inv.instrument = true
            case .disable: inv.instrument = false
            case .stats: inv.stats = true
            case .noStats: inv.stats = false
            case .version: inv.versionRequest = true
            }
            inv.ownFlagExpanded.insert(i)
            if args[i].fromResponseFile { inv.ownFlagInResponseFile = true } else { inv.ownFlagArgs.insert(args[i].origin) }
            continue
        }

        let values = valueCount(of: arg)
        if values > 0 {
            let value = i + 1 < args.count ? args[i + 1].text : ""
            switch arg {
            case "-x", "--language": language = value == "none" ? nil : value
            case "-mllvm": inv.userPassesMllvm = true
            case "--print-file-name", "--print-prog-name": inv.informationOnly = true
            default: break
            }
            i += values
            continue
        }
        if arg.hasPrefix("-x") {                                   // -xc
            let l = String(arg.dropFirst(2)); language = l == "none" ? nil : l
        } else if arg.hasPrefix("--language=") {
            let l = String(arg.dropFirst(11)); language = l == "none" ? nil : l
        } else if compileOnlyFlags.contains(arg) {
            inv.stopsBeforeLink = true
        } else if informationFlags.contains(arg) || arg.hasPrefix("-print-") || arg.hasPrefix("--print-") {
            inv.informationOnly = true
        } else if arg == "-static" || arg == "--static" || arg == "-static-pie" {
            inv.staticLink = true
        }
    }
    return inv
}

private func countInput(_ arg: String, _ language: String?, _ inv: inout Invocation) {
    inv.inputCount += 1
    if let lang = language {
        if isPreprocessed(language: lang) { inv.preprocessedInputs += 1 }
        if lang.hasSuffix("-header") || lang.hasSuffix("header-unit") { inv.headerInputs += 1 }
        else if lang != "assembler" && lang != "assembler-with-cpp" { inv.compilableInputs += 1 }
        return
    }
    guard let dot = arg.lastIndex(of: "."), !arg[dot...].contains("/") else { return }
    let ext = String(arg[arg.index(after: dot)...])
    if preprocessedExtensions.contains(ext) { inv.preprocessedInputs += 1 }
    if sourceExtensions.contains(ext) { inv.compilableInputs += 1 }
    else if headerExtensions.contains(ext) { inv.headerInputs += 1 }
}
