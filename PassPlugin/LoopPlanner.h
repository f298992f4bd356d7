// Loop-level savings, both only for loops that contain no call, fence or acquiring atomic (so no
// commit can happen and the range globals cannot change while the loop runs):
//  * the range size is loaded once in the preheader of the outermost such loop;
//  * a store executed on every iteration at an affine address {start,+,step} is recorded once,
//    as the exact range the loop will write, before the loop (SCEV gives start and trip count).
#pragma once
#include "WriteSite.h"
#include "llvm/IR/DebugLoc.h"
#include <vector>

namespace llvm {
class Function;
class LoopInfo;
class ScalarEvolution;
class DominatorTree;
class SCEV;
} // namespace llvm

namespace snapshot {
struct LoopRange {
  llvm::Instruction *InsertBefore;  // the preheader's terminator
  const llvm::SCEV *Lo;             // lowest address written (pointer)
  const llvm::SCEV *Len;            // bytes (i64)
  llvm::DebugLoc Loc;
  llvm::Instruction *BoundsAt;      // where the range size is loaded for this loop nest
};

void planLoops(llvm::Function &F, llvm::LoopInfo &LI, llvm::ScalarEvolution *SE,
               llvm::DominatorTree &DT, std::vector<WriteSite> &Sites,
               std::vector<LoopRange> &Ranges);
} // namespace snapshot
