// Finds every instruction of a function that may write memory through a pointer, before any
// change is made.
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
} // namespace snapshot
