// Loop versioning. For each write that still needs a check, the outermost loop around it that is
// commit-free (CommitPoints.h: no call, fence or acquire) all the way in to the write is cloned:
//
//   preheader:  br (flag1 | flag2 | ... [| size != 0]), label %instrumented.loop, label %clean.loop
//
// where the flags are the object flags (ObjectFlags.h) computed before the loop for its gated
// writes, and "size != 0" (anything mapped in the process) is added when some write is not gated
// by such a flag. Nothing can become mapped for this thread while it runs a commit-free loop (the
// same argument as for hoisting the range loads), so the clean copy, which has no
// instrumentation at all, is exact: it runs always in a program that maps nothing, and for heap
// loops in one that does. Ranges recorded on the loop's exit edge (LoopPlanner.h) run for both copies.
// The outermost such loop, not the innermost: versioning only innermost loops leaves an outer
// loop's own checks (and quicksort's scan loops carrying the checked swap's induction variables)
// in the clean path, measured +15% instructions on sort (PassPlugin/README.md).
#pragma once
#include "ObjectFlags.h"
#include "WriteSite.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <vector>

namespace llvm {
class Function;
class Instruction;
class Value;
class DominatorTree;
class LoopInfo;
class Loop;
} // namespace llvm

namespace snapshot {
// Call after object flags and loop ranges are emitted and before the sites are. Returns the
// number of loops versioned. Leaves DT and LI valid.
unsigned versionLoops(llvm::Function &F, llvm::DominatorTree &DT, llvm::LoopInfo &LI,
                      std::vector<WriteSite> &Sites, const std::vector<ObjectFlag> &Flags,
                      llvm::function_ref<llvm::Value *(llvm::Instruction *)> AnyMapped);
} // namespace snapshot
