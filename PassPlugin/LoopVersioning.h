// Loop versioning on object flags. When every write in a call-free loop that still needs a check
// is gated by an object flag computed before the loop (ObjectFlags.h), the loop is cloned:
//
//   preheader:  br (flag1 | flag2 | ...), label %instrumented.loop, label %clean.loop
//
// The clean copy has no instrumentation at all; it runs whenever none of the objects the loop
// writes through is in the working range (always, in a program that maps nothing, and for heap
// loops in one that does). Ranges recorded before the loop (LoopPlanner.h) run for both copies.
#pragma once
#include "ObjectFlags.h"
#include "WriteSite.h"
#include <vector>

namespace llvm {
class Function;
class DominatorTree;
class LoopInfo;
} // namespace llvm

namespace snapshot {
// Call after object flags and loop ranges are emitted and before the sites are. Returns the
// number of loops versioned. Leaves DT and LI valid.
unsigned versionLoops(llvm::Function &F, llvm::DominatorTree &DT, llvm::LoopInfo &LI,
                      const std::vector<WriteSite> &Sites, const std::vector<ObjectFlag> &Flags);
} // namespace snapshot
