#include "LoopPlanner.h"
#include "Options.h"
#include "WriteSiteCollector.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>

using namespace llvm;

namespace snapshot {
namespace {
class CallFreeLoops {
public:
  bool isCallFree(const Loop *L) {
    auto It = Cache.find(L);
    if (It != Cache.end())
      return It->second;
    bool Free = true;
    for (const BasicBlock *BB : L->blocks()) {
      for (const Instruction &I : *BB)
        if (endsSegment(I)) {
          Free = false;
          break;
        }
      if (!Free)
        break;
    }
    Cache[L] = Free;
    return Free;
  }

private:
  DenseMap<const Loop *, bool> Cache;
};

bool safeToExpand(const SCEV *S, Instruction *At, ScalarEvolution &SE, const DataLayout &DL) {
#if LLVM_VERSION_MAJOR >= 15
  SCEVExpander Exp(SE, DL, "snapshot.range");
  return Exp.isSafeToExpandAt(S, At);
#else
  (void)DL;
  return isSafeToExpandAt(S, At, SE);
#endif
}

// A store at {Start,+,Step} in loop L that runs on every iteration. Stores of one loop whose
// starts differ by a constant (unrolled or vectorised bodies, struct fields) share one range:
// everything between the lowest and the highest byte they write lies inside the object they
// address, so recording the span never reaches past it.
struct Candidate {
  Loop *L;
  const SCEV *Start, *BTC;
  const SCEV *Step;      // loop-invariant, sign known
  bool Up;               // Step > 0
  int64_t OffLo, OffHi;  // per-iteration bytes written, relative to Start
  Instruction *At, *BoundsAt;
  DebugLoc Loc;
};

bool candidate(WriteSite &S, Loop *L, ScalarEvolution &SE, DominatorTree &DT, Candidate &Out) {
  if (S.Kind != SiteKind::Store || S.Size == 0 || S.Disp != Disposition::Instrument)
    return false;
  BasicBlock *Latch = L->getLoopLatch();
  BasicBlock *PH = L->getLoopPreheader();
  // Single exit at the latch, store block dominating the latch: the store runs on every
  // iteration, so the recorded range is exactly what the loop writes.
  if (!Latch || !PH || L->getExitingBlock() != Latch || !DT.dominates(S.I->getParent(), Latch)) {
    if (OptDebug)
      errs() << "snapshot-instrument: no loop range, loop shape (latch " << (Latch != nullptr)
             << ", preheader " << (PH != nullptr) << ", exit at latch "
             << (Latch && L->getExitingBlock() == Latch) << ")\n";
    return false;
  }
  auto *AR = dyn_cast<SCEVAddRecExpr>(SE.getSCEV(S.Ptr));
  if (!AR || AR->getLoop() != L || !AR->isAffine()) {
    if (OptDebug)
      errs() << "snapshot-instrument: no loop range, address is " << *SE.getSCEV(S.Ptr) << "\n";
    return false;
  }
  // The step may be any loop-invariant value of known sign (a[k] with k += i in a sieve).
  const SCEV *Step = AR->getStepRecurrence(SE);
  bool Up = SE.isKnownPositive(Step), Down = !Up && SE.isKnownNegative(Step);
  const SCEV *BTC = SE.getBackedgeTakenCount(L);
  if (OptDebug && ((!Up && !Down) || isa<SCEVCouldNotCompute>(BTC)))
    errs() << "snapshot-instrument: no loop range, step sign or trip count unknown for " << *AR
           << "\n";
  if ((!Up && !Down) || isa<SCEVCouldNotCompute>(BTC) || !BTC->getType()->isIntegerTy() ||
      BTC->getType()->getIntegerBitWidth() > 64 || Step->getType()->getIntegerBitWidth() > 64)
    return false;
  Instruction *At = PH->getTerminator();
  const DataLayout &DL = S.I->getModule()->getDataLayout();
  if (!safeToExpand(AR->getStart(), At, SE, DL) || !safeToExpand(BTC, At, SE, DL) ||
      !safeToExpand(Step, At, SE, DL)) {
    if (OptDebug)
      errs() << "snapshot-instrument: no loop range, cannot expand start " << *AR->getStart()
             << " / trip count " << *BTC << " before the loop\n";
    return false;
  }
  Out = {L, AR->getStart(), BTC, Step, Up, 0, int64_t(S.Size), At, nullptr, S.I->getDebugLoc()};
  return true;
}

LoopRange finish(const Candidate &C, ScalarEvolution &SE) {
  Type *I64 = Type::getInt64Ty(C.At->getContext());
  const SCEV *N = SE.getZeroExtendExpr(C.BTC, I64);
  const SCEV *Step = SE.getSignExtendExpr(C.Step, I64);
  const SCEV *AbsStep = C.Up ? Step : SE.getNegativeSCEV(Step);
  const SCEV *Span = SE.getMulExpr(N, AbsStep);
  const SCEV *Lo = SE.getAddExpr(C.Start, SE.getConstant(I64, uint64_t(C.OffLo), true));
  if (!C.Up)
    Lo = SE.getMinusSCEV(Lo, Span);
  const SCEV *Len = SE.getAddExpr(Span, SE.getConstant(I64, uint64_t(C.OffHi - C.OffLo)));
  return {C.At, Lo, Len, C.Loc, C.BoundsAt ? C.BoundsAt : C.At};
}
} // namespace

void planLoops(Function &F, LoopInfo &LI, ScalarEvolution *SE, DominatorTree &DT,
               std::vector<WriteSite> &Sites, std::vector<LoopRange> &Ranges) {
  if (LI.empty())
    return;
  CallFreeLoops Free;
  // After the optimisation pipeline loops need not be in simplified form any more; give every
  // call-free loop that holds a write site a dedicated preheader (like LICM would), so that
  // ranges and loads placed there run exactly when the loop is entered.
  for (WriteSite &S : Sites) {
    if (S.Disp != Disposition::Instrument)
      continue;
    for (Loop *L = LI.getLoopFor(S.I->getParent()); L && Free.isCallFree(L);
         L = L->getParentLoop())
      if (!L->getLoopPreheader())
        InsertPreheaderForLoop(L, &DT, &LI, nullptr, /*PreserveLCSSA=*/false);
  }
  std::vector<Candidate> Cands;
  for (WriteSite &S : Sites) {
    if (S.Disp != Disposition::Instrument)
      continue;
    Loop *Inner = LI.getLoopFor(S.I->getParent());
    if (!Inner || !Free.isCallFree(Inner)) {
      if (OptDebug && Inner)
        errs() << "snapshot-instrument: no loop range, loop has a call or acquire: " << *S.I
               << "\n";
      continue;
    }
    // Outermost enclosing loop that is still call-free and has a preheader: the range size
    // is loaded once before it.
    Loop *Best = nullptr;
    for (Loop *L = Inner; L && Free.isCallFree(L); L = L->getParentLoop())
      if (L->getLoopPreheader())
        Best = L;
    Instruction *BoundsAt = Best ? Best->getLoopPreheader()->getTerminator() : nullptr;
    if (SE && OptLoopRanges) {
      Candidate C;
      if (candidate(S, Inner, *SE, DT, C)) {
        S.Disp = Disposition::LoopHoisted;
        bool Merged = false;
        for (Candidate &E : Cands) {
          if (E.L != C.L || E.Step != C.Step)
            continue;
          auto *D = dyn_cast<SCEVConstant>(SE->getMinusSCEV(C.Start, E.Start));
          if (!D || D->getAPInt().getMinSignedBits() > 32)
            continue;
          int64_t Off = D->getAPInt().getSExtValue();
          E.OffLo = std::min(E.OffLo, Off);
          E.OffHi = std::max(E.OffHi, Off + int64_t(S.Size));
          Merged = true;
          break;
        }
        if (!Merged) {
          C.BoundsAt = OptLoopBounds ? BoundsAt : nullptr;
          Cands.push_back(C);
        }
        continue;
      }
    }
    if (OptLoopBounds)
      S.BoundsAt = BoundsAt;
  }
  for (const Candidate &C : Cands)
    Ranges.push_back(finish(C, *SE));
}
} // namespace snapshot
