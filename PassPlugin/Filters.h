// Which functions and which write sites need no instrumentation, and why.
#pragma once
#include "WriteSite.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include <vector>

namespace llvm {
class Function;
class Module;
class Value;
class DataLayout;
} // namespace llvm

namespace snapshot {
// Functions the user opted out with __attribute__((annotate("snapshot_skip"))).
llvm::SmallPtrSet<const llvm::Function *, 8> annotatedOptOuts(llvm::Module &M);

// Why a whole function is left alone, or null: "annotate(snapshot_skip)", "naked",
// "disable_sanitizer_instrumentation", "runtime" (the __snapshot_* entry points themselves).
const char *functionOptOut(const llvm::Function &F,
                           const llvm::SmallPtrSetImpl<const llvm::Function *> &Annotated);

// Classifies the object a site writes: stack (non-escaping alloca/byval), global, constant
// global, other address space, or Instrument. Capture results are cached per function.
class TargetClassifier {
public:
  Disposition classify(const llvm::Value *Ptr);

private:
  bool isLocalStack(const llvm::Value *Obj);
  llvm::DenseMap<const llvm::Value *, bool> NotCaptured;
};
} // namespace snapshot
