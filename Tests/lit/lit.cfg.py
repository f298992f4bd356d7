# lit configuration for the Snapshot instrumentation pass. Run through ctest (`ctest -R ^lit$`),
# which uses the lit.site.cfg.py CMake generates in build/Tests/lit.
import os
import lit.formats

config.name = "snapshot-pass"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ll", ".c"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
if not hasattr(config, "snapshot_plugin"):
    lit_config.fatal("run the lit tests through the CMake build (ctest -R ^lit$)")

plugin = config.snapshot_plugin
opt = os.path.join(config.llvm_tools_dir, "opt")
# The .ll tests are written with typed pointers (i8*), which LLVM 14 uses and LLVM 15 still
# infers from the input. LLVM 16 reads them as opaque `ptr` unless told otherwise, and their CHECK
# lines spell the types, so %opt keeps typed pointers there. clang and %plain-opt run in each
# version's default mode (opaque pointers from 15 on): the .c tests match either spelling.
typed_opt = opt + (" -opaque-pointers=0" if int(config.llvm_version_major) >= 16 else "")
# -load makes the plugin's options (-snapshot-stats, ...) known while opt parses its command line;
# -load-pass-plugin registers the pass with the new pass manager.
config.substitutions.append(("%opt", f"{typed_opt} -load={plugin} -load-pass-plugin={plugin}"))
config.substitutions.append(("%plain-opt", opt))
config.substitutions.append(("%clang-snap",
                             f"{config.snapshot_clang} -fplugin={plugin} -fpass-plugin={plugin}"))
config.substitutions.append(("%clang", config.snapshot_clang))
config.substitutions.append(("%plugin", plugin))
config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", "")])
config.available_features.add(f"llvm{config.llvm_version_major}")
