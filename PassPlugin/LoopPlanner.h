// Loop-level savings, both only for commit-free loops (CommitPoints.h: no call, fence or
// acquire, so no commit can happen and the range globals cannot change while the loop runs):
//  * the range size is loaded once in the preheader of the outermost such loop;
//  * a store executed on every iteration at an affine address {start,+,step} is recorded once,
//    after the loop, on its exit edge (SCEV gives start and trip count), as exactly the lines the
//    loop wrote: one contiguous range when the gap between the chunks of consecutive iterations
//    is shorter than a line (every line of the span is then written), otherwise one record per
//    chunk, made by a small loop of record calls on the exit edge (a 4 KiB-strided field must not
//    commit the 63 lines between its chunks). A step whose value is only known at run time gets
//    both forms behind a test of the gap. After, not before: a commit on another thread while the
//    loop runs must not take the bits of lines the loop has yet to write
//    (InstrumentationEmitter.h). The loop has a single exit, at its latch, so that edge is the
//    only way out. Not in a loop that releases (a store-release, say), nor for an atomic store:
//    a thread acquiring or reading it mid-loop could commit before the range is recorded.
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
// How a loop range is recorded (see above).
enum class RangeShape {
  Contiguous,  // [Lo, Lo + Len): the chunks leave no whole line unwritten between them
  Strided,     // Count chunks of Width bytes at Lo + k * Stride: gaps of a line or more
  ByGap,       // stride known at run time only: Contiguous or Strided, decided before the loop
};

struct LoopRange {
  llvm::Instruction *RecordAt;      // first instruction of the loop's exit edge
  const llvm::SCEV *Lo;             // lowest address written (pointer)
  const llvm::SCEV *Len;            // bytes (i64), first to last byte written
  const llvm::SCEV *Stride;         // |step| in bytes (i64)
  const llvm::SCEV *Count;          // iterations (i64): backedge-taken count + 1
  uint64_t Width;                   // bytes written per iteration, relative to the chunk start
  RangeShape Shape;
  llvm::DebugLoc Loc;
};

void planLoops(llvm::Function &F, llvm::LoopInfo &LI, llvm::ScalarEvolution *SE,
               llvm::DominatorTree &DT, std::vector<WriteSite> &Sites,
               std::vector<LoopRange> &Ranges);
} // namespace snapshot
