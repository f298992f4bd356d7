// snapshot-cc / snapshot-c++: a drop-in clang that instruments every write for the Snapshot
// runtime and links that runtime, and puts snapshot.h on the include path. README.md ("Using it
// as a drop-in compiler") has the user view; Command.swift what is added to clang's command.
//
// Flow: classify the arguments (response files expanded only for that), locate the toolchain from
// our own path, check that each piece this invocation needs exists (one clear error line if not),
// then execv clang with the user's arguments unchanged plus ours.
import Glibc

let argv = CommandLine.arguments
driverName = basename(argv.first ?? "snapshot-cc")
// snapshot-c++ is a symlink to snapshot-cc; any name ending in "++" (snapshot-clang++, …) is C++.
let cxx = driverName.hasSuffix("++")
let userArgs = Array(argv.dropFirst())
let expanded = expandResponseFiles(userArgs)
let invocation = classify(expanded)
let layout = Layout.locate()
let config = LazyConfig(path: layout.config)

if invocation.versionRequest { printVersionReport(layout: layout, config: config) }

let compiler = chooseCompiler(cxx: cxx, config: config)
requireCompiler(compiler)

var added: AddedFlags? = nil
// Each piece must exist only if this invocation uses it: the plugin when something is compiled,
// the runtime when something is linked. `-v`, `-###` alone, --version, -print-*: nothing is added.
if invocation.instrument && (invocation.compiles || invocation.links || invocation.preprocesses) {
    if invocation.compiles && !isReadableFile(layout.plugin) {
        fail("plugin not found at \(layout.plugin) — rebuild with `make` or reinstall (or pass -fno-snapshot for a plain build)")
    }
    if invocation.links {
        if invocation.staticLink {
            fail("-static cannot be used: the Snapshot runtime is the shared library \(layout.runtime) (drop -static, or pass -fno-snapshot for a plain static build)")
        }
        if !isReadableFile(layout.runtime) {
            fail("runtime not found at \(layout.runtime) — rebuild with `make` or reinstall (or pass -fno-snapshot for a plain build)")
        }
    }
    added = AddedFlags(plugin: layout.plugin, runtimeLibDir: layout.libDir, includeDir: layout.includeDir)
}

execCompiler(buildCommand(argv: userArgs, expanded: expanded, inv: invocation,
                          compiler: compiler, added: added))
