// Loop versioning. An innermost call-free loop (no call, fence or acquire) with writes that still
// need a check is cloned:
//
//   preheader:  br (flag1 | flag2 | ... [| size != 0]), label %instrumented.loop, label %clean.loop
//
// where the flags are the object flags (ObjectFlags.h) computed before the loop for its gated
// writes, and "size != 0" (anything mapped in the process) is added when some write is not gated
// by such a flag. Nothing can become mapped for this thread while it runs a call-free loop (the
// same argument as for hoisting the range loads), so the clean copy, which has no
// instrumentation at all, is exact: it runs always in a program that maps nothing, and for heap
// loops in one that does. Ranges recorded before the loop (LoopPlanner.h) run for both copies.
// Only innermost loops: cloning a nest makes the exits of every inner loop merge two copies, and
// the register copies that costs in the inner loops (measured: quicksort's scan loops) outweigh
// the checks saved on the outer loop's own writes.
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
// Innermost, call-free, with a preheader and not an EH pad: a loop versionLoops may clone, and so
// the only loops object flags are worth computing for.
bool isVersioningCandidate(const llvm::Loop &L);

// Call after object flags and loop ranges are emitted and before the sites are. Returns the
// number of loops versioned. Leaves DT and LI valid.
unsigned versionLoops(llvm::Function &F, llvm::DominatorTree &DT, llvm::LoopInfo &LI,
                      std::vector<WriteSite> &Sites, const std::vector<ObjectFlag> &Flags,
                      llvm::function_ref<llvm::Value *(llvm::Instruction *)> AnyMapped);
} // namespace snapshot
