#include "CommitPoints.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"

using namespace llvm;

namespace snapshot {
bool acquires(AtomicOrdering O) {
  return O == AtomicOrdering::Acquire || O == AtomicOrdering::AcquireRelease ||
         O == AtomicOrdering::SequentiallyConsistent;
}

bool releases(AtomicOrdering O) {
  return O == AtomicOrdering::Release || O == AtomicOrdering::AcquireRelease ||
         O == AtomicOrdering::SequentiallyConsistent;
}

bool isMarkerIntrinsic(const IntrinsicInst &II) {
  switch (II.getIntrinsicID()) {
  case Intrinsic::lifetime_start:
  case Intrinsic::lifetime_end:
  case Intrinsic::assume:
  case Intrinsic::experimental_noalias_scope_decl:
  case Intrinsic::pseudoprobe:
  case Intrinsic::invariant_start:
  case Intrinsic::invariant_end:
  case Intrinsic::launder_invariant_group:
  case Intrinsic::strip_invariant_group:
    return true;
  default:
    return false;
  }
}

namespace {
// Intrinsics that neither call back into program code nor synchronise: a commit cannot happen
// inside them, so they do not end a segment.
bool isQuietIntrinsic(const IntrinsicInst &II) {
  if (isa<DbgInfoIntrinsic>(II) || isa<AnyMemIntrinsic>(II) || isMarkerIntrinsic(II))
    return true;
  switch (II.getIntrinsicID()) {
  case Intrinsic::masked_store:
  case Intrinsic::masked_scatter:
  case Intrinsic::masked_compressstore:
  case Intrinsic::masked_load:
  case Intrinsic::masked_gather:
  case Intrinsic::masked_expandload:
  case Intrinsic::prefetch:
  case Intrinsic::objectsize:
    return true;
  default:
    return II.doesNotAccessMemory();
  }
}

} // namespace

bool mayCommit(const Instruction &I) {
  if (isa<FenceInst>(I))
    return true;
  if (auto *L = dyn_cast<LoadInst>(&I))
    return L->isAtomic() && acquires(L->getOrdering());
  if (auto *RMW = dyn_cast<AtomicRMWInst>(&I))
    return acquires(RMW->getOrdering());
  if (auto *CX = dyn_cast<AtomicCmpXchgInst>(&I))
    return acquires(CX->getSuccessOrdering()) ||
           acquires(CX->getFailureOrdering());
  if (auto *II = dyn_cast<IntrinsicInst>(&I))
    return !isQuietIntrinsic(*II);
  return isa<CallBase>(I);
}

bool mayCommitOrRelease(const Instruction &I) {
  if (mayCommit(I))
    return true;
  if (auto *S = dyn_cast<StoreInst>(&I))
    return S->isAtomic() && releases(S->getOrdering());
  if (auto *RMW = dyn_cast<AtomicRMWInst>(&I))
    return releases(RMW->getOrdering());
  if (auto *CX = dyn_cast<AtomicCmpXchgInst>(&I))
    return releases(CX->getSuccessOrdering());
  return false;
}

static bool anyInstruction(const Loop &L, bool (*P)(const Instruction &)) {
  for (const BasicBlock *BB : L.blocks())
    for (const Instruction &I : *BB)
      if (P(I))
        return true;
  return false;
}

bool isCommitFree(const Loop &L) { return !anyInstruction(L, mayCommit); }

bool releasesInside(const Loop &L) { return anyInstruction(L, mayCommitOrRelease); }

bool CommitFreeLoops::contains(const Loop *L) {
  auto It = Cache.find(L);
  if (It != Cache.end())
    return It->second;
  return Cache[L] = isCommitFree(*L);
}

bool isVersionableLoop(const Loop &L) {
  return L.getLoopPreheader() && !L.getHeader()->isEHPad() && isCommitFree(L);
}

MDNode *unlikelyWeights(LLVMContext &C) {
  return MDBuilder(C).createBranchWeights(1, UnlikelyWeight);
}
} // namespace snapshot
