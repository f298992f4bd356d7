#include "LoopVersioning.h"
#include "Options.h"
#include "CommitPoints.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace snapshot {
namespace {
// Clones L behind a branch on Any (true: original, instrumented later; false: clean copy).
// Returns false (leaving L as it was, up to unused LCSSA phis) if L cannot be put in LCSSA form.
bool version(Loop &L, Value *Any, DominatorTree &DT, LoopInfo &LI) {
  Function &F = *L.getHeader()->getParent();
  // Values used after the loop must flow through exit-block phis, so that the clean copy's
  // values can be merged there. Inner loops first: LCSSA of L assumes theirs.
  formLCSSARecursively(L, DT, &LI, nullptr);
  if (!L.isRecursivelyLCSSAForm(DT, LI))
    return false;
  BasicBlock *PH = L.getLoopPreheader();
  BasicBlock *OrigPH = SplitBlock(PH, PH->getTerminator(), &DT, &LI, nullptr, "snapshot.checked");
  ValueToValueMapTy VMap;
  SmallVector<BasicBlock *, 16> NewBlocks;
  Loop *Clean = cloneLoopWithPreheader(OrigPH, PH, &L, VMap, ".snapshot.clean", &LI, &DT, NewBlocks);
  remapInstructionsInBlocks(NewBlocks, VMap);
  // Exit blocks receive the clean copy's edges: extend their (LCSSA) phis.
  SmallVector<BasicBlock *, 4> Exits;
  L.getUniqueExitBlocks(Exits);
  for (BasicBlock *E : Exits)
    for (PHINode &Phi : E->phis())
      for (unsigned K = 0, N = Phi.getNumIncomingValues(); K < N; ++K) {
        BasicBlock *In = Phi.getIncomingBlock(K);
        if (!L.contains(In))
          continue;
        Value *V = Phi.getIncomingValue(K);
        auto It = VMap.find(V);
        Value *Mapped = It != VMap.end() ? static_cast<Value *>(It->second) : V;
        Phi.addIncoming(Mapped, cast<BasicBlock>(VMap[In]));
      }
  BasicBlock *CleanPH = Clean->getLoopPreheader();
  Instruction *Old = PH->getTerminator();
  BranchInst *Br = BranchInst::Create(OrigPH, CleanPH, Any, Old);
  Br->setMetadata(LLVMContext::MD_prof, unlikelyWeights(F.getContext()));
  Br->setDebugLoc(Old->getDebugLoc());
  Old->eraseFromParent();
  DT.recalculate(F);
  return true;
}
} // namespace

namespace {
// LCSSA form makes a site after a loop write through an exit-block phi instead of the in-loop
// value the plan captured: re-read the planned values from the sites' operands.
void refreshSiteValues(std::vector<WriteSite> &Sites,
                       const std::vector<SmallVector<Value *, 4>> &OpsBefore) {
  for (size_t K = 0; K < Sites.size(); ++K) {
    WriteSite &S = Sites[K];
    for (unsigned Op = 0; Op < S.I->getNumOperands(); ++Op) {
      Value *Old = OpsBefore[K][Op], *New = S.I->getOperand(Op);
      if (Old == New)
        continue;
      if (S.Ptr == Old)
        S.Ptr = New;
      if (S.Len == Old)
        S.Len = New;
      if (S.GroupBase == Old)
        S.GroupBase = New;
    }
  }
}
} // namespace

unsigned versionLoops(Function &F, DominatorTree &DT, LoopInfo &LI, std::vector<WriteSite> &Sites,
                      const std::vector<ObjectFlag> &Flags,
                      function_ref<Value *(Instruction *)> AnyMapped) {
  if (!OptLoopVersioning || LI.empty())
    return 0;
  // Loop ranges were emitted by splitting blocks without updating the analyses: refresh them.
  DT.recalculate(F);
  LI.releaseMemory();
  LI.analyze(DT);
  DenseMap<const Loop *, bool> CandidateCache;
  auto isCandidate = [&](const Loop *L) {
    auto It = CandidateCache.find(L);
    if (It != CandidateCache.end())
      return It->second;
    return CandidateCache[L] = isVersionableLoop(*L);
  };
  // For every candidate loop holding a site: the flags gating its sites, and whether some site is
  // not gated by a flag computed before the loop (then "anything mapped at all" gates it too).
  MapVector<Loop *, SetVector<Value *>> Gates;
  SmallPtrSet<Loop *, 8> NeedsSizeTest;
  for (const WriteSite &S : Sites) {
    if (S.Disp != Disposition::Instrument)
      continue;
    // The outermost loop around the site that is commit-free all the way in.
    Loop *L = nullptr;
    for (Loop *P = LI.getLoopFor(S.I->getParent()); P && isCandidate(P); P = P->getParentLoop())
      L = P;
    if (!L)
      continue;
    Instruction *FlagI =
        S.FlagIdx >= 0 ? dyn_cast<Instruction>(Flags[S.FlagIdx].Flag) : nullptr;
    auto &G = Gates[L];
    if (!FlagI || L->contains(FlagI->getParent()))
      NeedsSizeTest.insert(L);
    else
      G.insert(FlagI);
  }
  std::vector<SmallVector<Value *, 4>> OpsBefore;
  for (const WriteSite &S : Sites)
    OpsBefore.emplace_back(S.I->value_op_begin(), S.I->value_op_end());
  unsigned N = 0;
  for (auto &G : Gates) {
    Loop *L = G.first;
    BasicBlock *PH = L->getLoopPreheader();
    bool Dominated = true;
    for (Value *V : G.second)
      Dominated &= DT.dominates(cast<Instruction>(V), PH->getTerminator());
    if (!Dominated)
      continue;
    IRBuilder<> B(PH->getTerminator());
    Value *Any = NeedsSizeTest.count(L) ? AnyMapped(PH->getTerminator()) : nullptr;
    for (Value *V : G.second)
      Any = Any ? B.CreateOr(Any, V, "snapshot.any") : V;
    if (!version(*L, Any, DT, LI))
      continue;
    if (OptDebug) {
      errs() << "snapshot-instrument: " << F.getName() << ": versioned loop at "
             << L->getHeader()->getName() << "\n";
      if (verifyFunction(F, &errs()))
        errs() << "snapshot-instrument: BROKEN after versioning\n";
    }
    ++N;
  }
  if (N)
    refreshSiteValues(Sites, OpsBefore);
  return N;
}
} // namespace snapshot
