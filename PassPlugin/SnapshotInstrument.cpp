// Placeholder registration; the instrumentation itself lands with the pass issue.
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
using namespace llvm;
namespace {
struct SnapshotInstrumentPass : PassInfoMixin<SnapshotInstrumentPass> {
  PreservedAnalyses run(Module &, ModuleAnalysisManager &) { return PreservedAnalyses::all(); }
  static bool isRequired() { return true; }
};
} // namespace
extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "snapshot-instrument", "0.1", [](PassBuilder &PB) {
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name != "snapshot-instrument") return false;
                  MPM.addPass(SnapshotInstrumentPass());
                  return true;
                });
          }};
}
