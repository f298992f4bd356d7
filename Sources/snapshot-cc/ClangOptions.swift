// Which clang driver options take their value as the NEXT argument. The driver needs this only to
// tell option values from input files (`-o out`, `-MF deps.d`, `-x c` …), because "are there input
// files?" decides whether an invocation links. Names are clang 14's Separate / JoinedOrSeparate
// driver options (clang/Driver/Options.td); Tests/driver/separate-options.sh checks this table
// against the installed Options.inc so a newer clang's additions are noticed.

/// Options whose value is the next argument when written alone (`-o x`, `-I dir`, `-Xlinker a`).
let separateValueOptions: Set<String> = [
    // output, language, dependency files
    "-o", "--output", "-x", "--language", "-MF", "-MT", "-MQ", "-MJ", "-dependency-file",
    "-dependency-dot", "-serialize-diagnostics", "--serialize-diagnostics",
    "-split-dwarf-file", "-split-dwarf-output", "-object-file-name",
    // preprocessor and include paths
    "-D", "--define-macro", "-U", "--undefine-macro", "-I", "--include-directory",
    "--include-directory-after", "-include", "--include", "-imacros", "--imacros", "-include-pch",
    "-idirafter", "-iquote", "-isystem", "-isystem-after", "-iprefix", "--include-prefix",
    "-iwithprefix", "--include-with-prefix", "--include-with-prefix-after", "-iwithprefixbefore",
    "--include-with-prefix-before", "-iwithsysroot", "-isysroot", "-iframework",
    "-iframeworkwithsysroot", "-imultilib", "-ivfsoverlay", "-cxx-isystem", "-c-isystem",
    "-objc-isystem", "-objcxx-isystem", "-stdlib++-isystem", "--system-header-prefix",
    "--no-system-header-prefix", "-F", "-B", "--prefix", "-A", "--assert", "-working-directory",
    // target and toolchain
    "-target", "-arch", "-arch_only", "--sysroot", "-gcc-toolchain", "-ccc-gcc-name",
    "-ccc-install-dir", "-resource-dir", "--config", "-specs", "--specs", "-G", "-b", "-V",
    "--rtlib", "--stdlib", "--std", "--param", "-fxray-instruction-threshold",
    "-fmodule-implementation-of", "-fnew-alignment", "-ftrapv-handler", "-fdebug-compilation-dir",
    "-fdiagnostics-format", "-ferror-limit", "-ftemplate-depth", "-fconstexpr-depth",
    "-fconstexpr-steps", "-fbracket-depth", "-fvisibility", "-mfpmath", "-mfloat-abi", "-mtp",
    "-meabi", "-mthread-model", "-mregparm", "-mllvm", "-mhwdiv", "--mhwdiv",
    // pass-through to other tools
    "-Xclang", "-Xlinker", "-Xassembler", "-Xpreprocessor", "-Xanalyzer", "-Xarch_device",
    "-Xarch_host", "-Xcuda-fatbinary", "-Xcuda-ptxas", "-Xflang", "-Xopenmp-target",
    "-load", "-plugin", "-add-plugin",
    // linker
    "-L", "--library-directory", "-l", "-T", "-Tbss", "-Tdata", "-Ttext", "-u", "-z", "-e",
    "-rpath", "-filelist", "-Zlinker-input", "--for-linker", "--force-link", "-init",
    "-install_name", "-bundle_loader", "-allowable_client", "-client_name",
    "-compatibility_version", "-current_version", "-dylib_file", "-dylinker_install_name",
    "-exported_symbols_list", "-unexported_symbols_list", "-force_load", "-framework",
    "-weak_framework", "-lazy_framework", "-weak_library", "-lazy_library", "-image_base",
    "-multiply_defined", "-multiply_defined_unused", "-pagezero_size", "-read_only_relocs",
    "-seg1addr", "-seg_addr_table", "-seg_addr_table_filename", "-segs_read_only_addr",
    "-segs_read_write_addr", "-sub_library", "-sub_umbrella", "-umbrella", "-undefined",
    "-weak_reference_mismatches", "-dsym-dir", "--dyld-prefix",
    // information requests with a separate value
    "--print-file-name", "--print-prog-name",
    // misc
    "-J", "--CLASSPATH", "--classpath", "--bootclasspath", "--extdirs", "--encoding",
    "--output-class-directory", "--resource", "-fintrinsic-modules-path", "-gen-cdb-fragment-path",
    "--analyzer-output", "-arcmt-migrate-report-output", "-ccc-arcmt-migrate", "-ccc-objcmt-migrate",
    "-fmodules-user-build-path", "-module-dependency-dir", "-interface-stub-version=",
    "-fxray-always-instrument=", "-fxray-attr-list=", "-fxray-instruction-threshold=",
    "-fxray-instrumentation-bundle=", "-fxray-modes=", "-fxray-never-instrument=",
]

/// Options followed by a fixed number of values (Mach-O leftovers clang still accepts).
let multiValueOptions: [String: Int] = [
    "-sectalign": 3, "-sectcreate": 3, "-sectorder": 3, "-segcreate": 3, "-segprot": 3,
    "-sectobjectsymbols": 2, "-segaddr": 2, "-fget-definition": 3,
]

/// `-Xarch_<arch> value` and `-plugin-arg-<name> value`: joined name, separate value.
let joinedAndSeparatePrefixes = ["-Xarch_", "-plugin-arg-", "-Xopenmp-target="]

/// Number of following arguments that are the value(s) of option `arg`.
func valueCount(of arg: String) -> Int {
    if separateValueOptions.contains(arg) { return 1 }
    if let n = multiValueOptions[arg] { return n }
    for p in joinedAndSeparatePrefixes where arg.hasPrefix(p) && arg.utf8.count > p.utf8.count { return 1 }
    return 0
}
