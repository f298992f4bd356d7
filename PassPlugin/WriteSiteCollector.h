// Finds every instruction of a function that may write memory through a pointer, before any
// change is made. endsSegment() names the instructions after which a commit may have happened:
// merging, flags and versioning only reason across stretches without them.
#pragma once
#include "WriteSite.h"
#include <vector>

namespace llvm {
class Function;
class TargetLibraryInfoImpl;
class Instruction;
} // namespace llvm

namespace snapshot {
struct CollectedSites {
  std::vector<WriteSite> Sites;
  unsigned InlineAsmWrites = 0;    // inline asm that may write memory: not visible to any pass
  unsigned UnknownIntrinsics = 0;  // intrinsics that may write memory and are not understood
};

void collectWriteSites(llvm::Function &F, const llvm::TargetLibraryInfoImpl &TLII,
                       CollectedSites &Out);

// True for instructions after which a commit (msync in this or, after an acquire, in another
// thread) may have happened, or the range globals may have changed: calls other than known
// intrinsics, fences, and atomics with acquire semantics.
bool endsSegment(const llvm::Instruction &I);
} // namespace snapshot
