// Object flags: one range check per pointed-to object instead of one per write.
//
// A write through `gep inbounds B, ...` stays inside the allocated object B points into (or one
// past its end): otherwise the address is poison and the write undefined. That object is either a
// managed working copy (wholly inside the runtime's working reservation) or something else (heap,
// stack, globals, other mappings: wholly outside, since the reservation is a kernel-placed range of
// its own). And while the object is live, which of the two it is cannot change. So
//     flag(B) = (B - workingBase) <= workingSize        ("<=": B may be one past the end)
// computed once, where B is available and before the writes (hoisted out of loops in which B is
// invariant), decides for every write based on B: when false nothing needs recording; when true
// the write takes the full per-address check. Programs that map nothing pay a test and a branch
// per write on such bases, with the range loaded once per base, not once per write.
#pragma once
#include "WriteSite.h"
#include <vector>

namespace llvm {
class Function;
class DominatorTree;
class LoopInfo;
class Value;
class Instruction;
} // namespace llvm

namespace snapshot {
struct ObjectFlag {
  llvm::Value *Base;                 // the object pointer (inbounds offsets stripped)
  llvm::Instruction *InsertBefore;   // dominates every site that uses the flag
  llvm::Value *Flag = nullptr;       // set by the emitter
};

// Assigns WriteSite::FlagIdx for sites whose flag can be computed outside a loop the writes are
// in (the flags also let LoopVersioning run a clean copy of the loop).
void planObjectFlags(llvm::Function &F, llvm::DominatorTree &DT, llvm::LoopInfo &LI,
                     std::vector<WriteSite> &Sites, std::vector<ObjectFlag> &Flags);
} // namespace snapshot
