// Function versioning: the loop versioning argument (LoopVersioning.h) applied to a whole function
// that cannot commit or synchronise, i.e. whose only calls are to itself and which has no fence or
// acquiring atomic. Its body is cloned before instrumentation:
//
//   snapshot.entry:  br (size != 0), label %instrumented.entry, label %clean.entry
//
// Nothing can become mapped for this thread while such a function runs (its recursive calls test
// again on entry), so the clean copy, which is never instrumented, is exact. It runs always in a
// process that maps nothing: leaf helpers and self-recursive functions (quicksort) then pay one
// compare and branch per call instead of one per write, and their loops keep the code the
// optimiser made (versioning a loop nest inside them would merge both copies at every exit).
#pragma once
#include "llvm/ADT/STLFunctionalExtras.h"
#include <vector>

namespace llvm {
class Function;
class Instruction;
class Value;
} // namespace llvm

namespace snapshot {
struct WriteSite;
// Clones F if it qualifies and has at least two sites still to instrument (which stay in the
// original copy). Call before any analysis of F is taken. Returns whether F was versioned.
bool versionFunction(llvm::Function &F, const std::vector<WriteSite> &Sites,
                     llvm::function_ref<llvm::Value *(llvm::Instruction *)> AnyMapped);
} // namespace snapshot
