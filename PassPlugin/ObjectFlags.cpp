#include "ObjectFlags.h"
#include "CommitPoints.h"
#include "Options.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"

using namespace llvm;

namespace snapshot {
namespace {
bool flaggable(const WriteSite &S) {
  return S.Disp == Disposition::Instrument && writesOneRangeThroughPointer(S.Kind);
}
} // namespace

void planObjectFlags(Function &F, DominatorTree &DT, LoopInfo &LI, std::vector<WriteSite> &Sites,
                     std::vector<ObjectFlag> &Flags) {
  if (!OptObjectFlags)
    return;
  MapVector<Value *, SmallVector<size_t, 4>> ByBase;  // deterministic order
  for (size_t K = 0; K < Sites.size(); ++K) {
    WriteSite &S = Sites[K];
    if (!flaggable(S))
      continue;
    // Site-merging groups use inbounds offsets only, so the group base is in the same object.
    Value *B = (S.GroupBase ? S.GroupBase : S.Ptr)->stripInBoundsOffsets();
    if (auto *I = dyn_cast<Instruction>(B)) {
      if (isa<InvokeInst>(I) || isa<CallBrInst>(I))
        continue;  // value available only on an edge; keep the per-write check
    } else if (!isa<Argument>(B)) {
      continue;  // constants, globals (skipped anyway), ...
    }
    ByBase[B].push_back(K);
  }
  for (auto &Entry : ByBase) {
    Value *B = Entry.first;
    auto &Idx = Entry.second;
    BasicBlock *D = Sites[Idx[0]].I->getParent();
    for (size_t K : Idx)
      D = DT.findNearestCommonDominator(D, Sites[K].I->getParent());
    // Out of every commit-free loop the object pointer is invariant in (defined outside of). Not
    // out of loops with calls: the gate is evaluated where a commit-free loop is entered anyway,
    // and a flag live across calls costs a callee-saved register or a spill.
    auto *Def = dyn_cast<Instruction>(B);
    for (Loop *L = LI.getLoopFor(D); L; L = L->getParentLoop()) {
      BasicBlock *PH = L->getLoopPreheader();
      if ((Def && L->contains(Def)) || !PH || !isVersionableLoop(*L))
        break;
      D = PH;
    }
    // Only writes in a loop that can be versioned, with the flag outside it, gain from a flag.
    // Elsewhere the per-write size test is as cheap as testing a flag, and holds no register.
    SmallVector<size_t, 4> Gated;
    for (size_t K : Idx) {
      Loop *L = LI.getLoopFor(Sites[K].I->getParent());
      if (L && !L->contains(D) && isVersionableLoop(*L))
        Gated.push_back(K);
    }
    if (Gated.empty())
      continue;
    Instruction *At = D->getTerminator();
    for (size_t K : Idx)
      if (Sites[K].I->getParent() == D && Sites[K].I->comesBefore(At))
        At = Sites[K].I;
    Flags.push_back({B, At});
    for (size_t K : Gated)
      Sites[K].FlagIdx = int(Flags.size() - 1);
  }
}
} // namespace snapshot
