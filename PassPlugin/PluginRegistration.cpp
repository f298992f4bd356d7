// Registers the pass with the host's PassBuilder:
//  * `opt -load-pass-plugin=SnapshotInstrument.so -passes=snapshot-instrument`
//  * `clang -fpass-plugin=SnapshotInstrument.so`: at the end of the optimisation pipeline, where
//    the sanitizers run, so every store created by earlier optimisations (memcpy expansion into
//    stores, vectorisation into masked stores, SROA splitting, ...) is seen. LLVM 14-16 run
//    OptimizerLast callbacks in the -O0 pipeline as well (checked by Tests/lit/opt-levels.c).
#include "SnapshotInstrument.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

using namespace llvm;

#if LLVM_VERSION_MAJOR < 14
#error "Snapshot needs LLVM 14 or newer (OptimizationLevel and the new pass manager plugin API)"
#endif

static void registerCallbacks(PassBuilder &PB) {
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
        if (Name != "snapshot-instrument")
          return false;
        MPM.addPass(snapshot::SnapshotInstrumentPass());
        return true;
      });
  PB.registerOptimizerLastEPCallback([](ModulePassManager &MPM, OptimizationLevel) {
    MPM.addPass(snapshot::SnapshotInstrumentPass());
  });
}

// Exported explicitly: the library is built with hidden visibility by default.
extern "C" __attribute__((visibility("default"))) LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo
llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "snapshot-instrument", "1.0", registerCallbacks};
}
