// The module pass: for each function, a plan built by named phases, then emitted (the phases and
// what each assumes: FunctionPlan.h).
#pragma once
#include "llvm/IR/PassManager.h"

namespace snapshot {
struct SnapshotInstrumentPass : llvm::PassInfoMixin<SnapshotInstrumentPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &MAM);
  // Runs on optnone functions and at -O0: a skipped write is lost data, not a missed speed-up.
  static bool isRequired() { return true; }
  static llvm::StringRef name() { return "snapshot-instrument"; }
};
} // namespace snapshot
