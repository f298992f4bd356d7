#include "LoopPlanner.h"
#include "CommitPoints.h"
#include "Options.h"
#include "snapshot_abi.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>

using namespace llvm;

namespace snapshot {
namespace {
bool safeToExpand(const SCEV *S, Instruction *At, ScalarEvolution &SE, const DataLayout &DL) {
#if LLVM_VERSION_MAJOR >= 15
  SCEVExpander Exp(SE, DL, "snapshot.range");
  return Exp.isSafeToExpandAt(S, At);
#else
  (void)DL;
  return isSafeToExpandAt(S, At, SE);
#endif
}

// The runtime's tracking granularity. A gap between written bytes that is shorter than a line
// cannot hold a whole line, so recording across it commits no extra line.
constexpr int64_t LineSize = SNAPSHOT_LINE_SIZE;

// A store at {Start,+,Step} in loop L that runs on every iteration. Stores of one loop whose
// starts differ by a constant (unrolled or vectorised bodies, struct fields) share one chunk when
// the bytes between them are fewer than a line: everything between the lowest and the highest
// byte they write lies inside the object they address, so recording the span never reaches past
// it, and a line-sized gap would commit lines nobody wrote. Stores farther apart get chunks of
// their own.
struct Candidate {
  Loop *L;
  const SCEV *Start, *BTC;
  const SCEV *Step;      // loop-invariant, sign known
  bool Up;               // Step > 0
  int64_t OffLo, OffHi;  // per-iteration bytes written, relative to Start
  Instruction *At;       // where the range is recorded: the start of the loop's exit edge
  DebugLoc Loc;
};

bool candidate(WriteSite &S, Loop *L, ScalarEvolution &SE, DominatorTree &DT, LoopInfo &LI,
               DenseMap<const Loop *, bool> &Releases, Candidate &Out) {
  // Not an atomic store: another thread may read it mid-loop and commit, so it is recorded on
  // both sides of itself (InstrumentationEmitter.h).
  if (S.Kind != SiteKind::Store || S.Size == 0 || S.Disp != Disposition::Instrument ||
      isAtomicWrite(*S.I))
    return false;
  // The range is recorded after the loop: a release inside would publish writes not yet recorded.
  auto Rel = Releases.find(L);
  if (Rel == Releases.end())
    Rel = Releases.insert({L, releasesInside(*L)}).first;
  if (Rel->second) {
    if (OptDebug)
      errs() << "snapshot-instrument: no loop range, the store's loop releases (a store-release, "
                "atomicrmw or cmpxchg):" << *S.I << "\n";
    return false;
  }
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
  // Recorded on the exit edge, after the loop's last write (InstrumentationEmitter.h: never
  // before a write). Start, step and trip count are loop-invariant, so they expand there too.
  BasicBlock *Exit = L->getExitBlock();
  if (!Exit || !isa<BranchInst>(Latch->getTerminator()))
    return false;
  const DataLayout &DL = S.I->getModule()->getDataLayout();
  Instruction *PreAt = PH->getTerminator();
  if (!safeToExpand(AR->getStart(), PreAt, SE, DL) || !safeToExpand(BTC, PreAt, SE, DL) ||
      !safeToExpand(Step, PreAt, SE, DL)) {
    if (OptDebug)
      errs() << "snapshot-instrument: no loop range, cannot expand start " << *AR->getStart()
             << " / trip count " << *BTC << " outside the loop\n";
    return false;
  }
  // An exit block others also reach gets a block of its own on the loop's edge (once per loop:
  // the next store of this loop finds it as the exit).
  Instruction *At = PreAt;
  if (!OptTestRecordBefore) {
    if (Exit->getSinglePredecessor() != Latch)
      Exit = SplitEdge(Latch, Exit, &DT, &LI, nullptr, "snapshot.loop.exit");
    At = &*Exit->getFirstInsertionPt();
  }
  Out = {L, AR->getStart(), BTC, Step, Up, 0, int64_t(S.Size), At, S.I->getDebugLoc()};
  return true;
}

// Whether a store [Off, Off + Size) joins the chunk of C: overlapping it or less than a line away.
bool joinsChunk(const Candidate &C, int64_t Off, int64_t Size) {
  return Off < C.OffHi + LineSize && Off + Size > C.OffLo - LineSize;
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
  uint64_t Width = uint64_t(C.OffHi - C.OffLo);
  const SCEV *Len = SE.getAddExpr(Span, SE.getConstant(I64, Width));
  const SCEV *Count = SE.getAddExpr(N, SE.getOne(I64));
  // Contiguous when consecutive chunks leave fewer than LineSize bytes between them.
  RangeShape Shape = RangeShape::ByGap;
  if (auto *K = dyn_cast<SCEVConstant>(AbsStep))
    Shape = K->getAPInt().ult(Width + LineSize) ? RangeShape::Contiguous : RangeShape::Strided;
  return {C.At, Lo, Len, AbsStep, Count, Width, Shape, C.Loc};
}

// An unrolled strided loop writes one field at m offsets d apart per iteration, with m * d the
// step (p[i].f, p[i+1].f, ... for 4 KiB records: m chunk loops of step 4*4096). Together they
// are one chunk sequence of stride d and m times the count: one loop of records instead of m.
void foldInterleaved(std::vector<std::pair<const Loop *, LoopRange>> &Rs, ScalarEvolution &SE) {
  Type *I64 = nullptr;
  for (size_t K = 0; K < Rs.size(); ++K) {
    LoopRange &R = Rs[K].second;
    auto *S = dyn_cast<SCEVConstant>(R.Stride);
    if (R.Shape != RangeShape::Strided || !S)
      continue;
    I64 = R.Stride->getType();
    // Members: same loop, count, width and stride, Lo a constant distance above R's.
    SmallVector<std::pair<int64_t, size_t>, 8> Members{{0, K}};
    for (size_t J = 0; J < Rs.size(); ++J) {
      const LoopRange &O = Rs[J].second;
      if (J == K || Rs[J].first != Rs[K].first || O.Shape != RangeShape::Strided ||
          O.Stride != R.Stride || O.Count != R.Count || O.Width != R.Width)
        continue;
      auto *D = dyn_cast<SCEVConstant>(SE.getMinusSCEV(O.Lo, R.Lo));
      if (D && D->getAPInt().isStrictlyPositive() && D->getAPInt().getActiveBits() < 32)
        Members.push_back({D->getAPInt().getSExtValue(), J});
    }
    if (Members.size() < 2)
      continue;
    llvm::sort(Members);
    int64_t M = int64_t(Members.size()), Dist = Members[1].first;
    bool Lattice = Dist > 0 && Dist * M == S->getAPInt().getSExtValue();
    for (int64_t J = 0; Lattice && J < M; ++J)
      Lattice = Members[J].first == J * Dist;
    if (!Lattice)
      continue;
    const SCEV *Count = SE.getMulExpr(R.Count, SE.getConstant(I64, uint64_t(M)));
    R.Stride = SE.getConstant(I64, uint64_t(Dist));
    R.Len = SE.getAddExpr(SE.getMulExpr(SE.getMinusSCEV(Count, SE.getOne(I64)), R.Stride),
                          SE.getConstant(I64, R.Width));
    R.Count = Count;
    R.Shape = uint64_t(Dist) < R.Width + LineSize ? RangeShape::Contiguous : RangeShape::Strided;
    // Drop the absorbed members (highest index first keeps the others' indices valid).
    SmallVector<size_t, 8> Drop;
    for (int64_t J = 1; J < M; ++J)
      Drop.push_back(Members[J].second);
    llvm::sort(Drop);
    for (auto It = Drop.rbegin(); It != Drop.rend(); ++It) {
      Rs.erase(Rs.begin() + *It);
      if (*It < K)
        --K;
    }
  }
}
} // namespace

void planLoops(Function &F, LoopInfo &LI, ScalarEvolution *SE, DominatorTree &DT,
               std::vector<WriteSite> &Sites, std::vector<LoopRange> &Ranges) {
  if (LI.empty())
    return;
  CommitFreeLoops Free;
  // After the optimisation pipeline loops need not be in simplified form any more; give every
  // commit-free loop that holds a write site a dedicated preheader (like LICM would), so that
  // ranges and loads placed there run exactly when the loop is entered.
  for (WriteSite &S : Sites) {
    if (S.Disp != Disposition::Instrument)
      continue;
    for (Loop *L = LI.getLoopFor(S.I->getParent()); L && Free.contains(L);
         L = L->getParentLoop())
      if (!L->getLoopPreheader())
        InsertPreheaderForLoop(L, &DT, &LI, nullptr, /*PreserveLCSSA=*/false);
  }
  std::vector<Candidate> Cands;
  DenseMap<const Loop *, bool> Releases;
  for (WriteSite &S : Sites) {
    if (S.Disp != Disposition::Instrument)
      continue;
    Loop *Inner = LI.getLoopFor(S.I->getParent());
    if (!Inner || !Free.contains(Inner)) {
      if (OptDebug && Inner)
        errs() << "snapshot-instrument: no loop range, loop may commit (call, fence or acquire): " << *S.I
               << "\n";
      continue;
    }
    // Outermost enclosing loop that is still commit-free and has a preheader: the range size
    // is loaded once before it.
    Loop *Best = nullptr;
    for (Loop *L = Inner; L && Free.contains(L); L = L->getParentLoop())
      if (L->getLoopPreheader())
        Best = L;
    Instruction *BoundsAt = Best ? Best->getLoopPreheader()->getTerminator() : nullptr;
    if (SE && OptLoopRanges) {
      Candidate C;
      if (candidate(S, Inner, *SE, DT, LI, Releases, C)) {
        S.Disp = Disposition::InLoopRange;
        bool Merged = false;
        for (Candidate &E : Cands) {
          if (E.L != C.L || E.Step != C.Step)
            continue;
          auto *D = dyn_cast<SCEVConstant>(SE->getMinusSCEV(C.Start, E.Start));
          if (!D || D->getAPInt().getMinSignedBits() > 32)
            continue;
          int64_t Off = D->getAPInt().getSExtValue();
          if (!joinsChunk(E, Off, int64_t(S.Size)))
            continue;
          E.OffLo = std::min(E.OffLo, Off);
          E.OffHi = std::max(E.OffHi, Off + int64_t(S.Size));
          Merged = true;
          break;
        }
        if (!Merged)
          Cands.push_back(C);
        continue;
      }
    }
    if (OptLoopBounds)
      S.BoundsAt = BoundsAt;
  }
  std::vector<std::pair<const Loop *, LoopRange>> Rs;
  for (const Candidate &C : Cands)
    Rs.push_back({C.L, finish(C, *SE)});
  foldInterleaved(Rs, *SE);
  for (auto &R : Rs)
    Ranges.push_back(R.second);
}
} // namespace snapshot
