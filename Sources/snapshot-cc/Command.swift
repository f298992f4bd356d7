// The clang command line: the user's arguments unchanged and in order, plus what instrumentation
// needs. Our additions go at the end (before a "--", after which everything is an input), so
// -lsnapshot follows every object that references it.

struct AddedFlags {
    var plugin: String
    var runtimeLibDir: String
    var includeDir: String    // snapshot.h, snapshot_abi.h
}

func buildCommand(argv: [String], expanded: [ExpandedArg], inv: Invocation,
                  compiler: CompilerChoice, added: AddedFlags?) -> [String] {
    // The user's arguments minus our own flags. If an own flag hides inside a response file, that
    // file cannot be passed as is, so its expansion is passed instead (rare; ARG_MAX is large).
    var user: [String] = []
    if inv.ownFlagInResponseFile {
        for (i, e) in expanded.enumerated() where !inv.ownFlagExpanded.contains(i) { user.append(e.text) }
    } else {
        for (i, a) in argv.enumerated() where !inv.ownFlagArgs.contains(i) { user.append(a) }
    }

    var ours: [String] = []
    if let added = added {
        let needsEarlyLoad = inv.compiles && (inv.stats || inv.userPassesMllvm)
        if needsEarlyLoad {
            // clang 14 parses -mllvm before it loads -fpass-plugin libraries, so the plugin's own
            // options (-snapshot-stats …) would be "Unknown command line argument". Loading it as a
            // frontend plugin too registers them in time; dlopen returns the same handle twice.
            ours += ["-Xclang", "-load", "-Xclang", added.plugin]
        }
        // Only when something goes through code generation: clang warns "argument unused" for
        // -fpass-plugin when it only assembles (.s) and it is useless for a link of objects.
        if inv.compiles { ours.append("-fpass-plugin=" + added.plugin) }
        if inv.stats && inv.compiles { ours += ["-mllvm", "-snapshot-stats"] }
        // `#include <snapshot.h>` with no -I, as mpicc does for mpi.h. -idirafter: searched
        // after the user's -I/-isystem and the system directories, so it never shadows a header
        // of the program's own and never reorders the system ones (#include_next keeps working,
        // even for an install under /usr). Only when something is preprocessed: clang warns
        // "argument unused" otherwise, fatal under -Werror.
        if inv.preprocesses { ours += ["-idirafter", added.includeDir] }
        if inv.links {
            // --no-as-needed: libsnapshot interposes mmap/msync/fsync; a distro default of
            // --as-needed must not drop it from DT_NEEDED.
            ours += ["-L" + added.runtimeLibDir,
                     "-Wl,--push-state,--no-as-needed", "-lsnapshot", "-Wl,--pop-state",
                     "-Wl,-rpath," + added.runtimeLibDir]
        }
    }

    var command = [compiler.path] + compiler.extraLeadingArgs
    if let dd = user.firstIndex(of: "--") {
        command += user[..<dd] + ours + user[dd...]
    } else {
        command += user + ours
    }
    return command
}
