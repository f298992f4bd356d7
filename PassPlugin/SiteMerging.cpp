#include "SiteMerging.h"
#include "Options.h"
#include "CommitPoints.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/PostDominators.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Operator.h"
#include <algorithm>

using namespace llvm;

namespace snapshot {
namespace {
const int64_t MaxSpan = 256;        // bytes, for unions with gaps or across blocks
const unsigned MaxRegionBlocks = 32; // compile-time bound on the path search between two sites
const unsigned MaxGroup = 64;        // sites of one address expression considered pairwise

// An address as Base + sum(Var[i].first * Var[i].second) + Off, through inbounds GEPs only (so
// every write of a group lies in the object Base points into, which object flags rely on).
struct AddrExpr {
  Value *Base = nullptr;
  SmallVector<std::pair<Value *, APInt>, 2> Var;  // sorted by Value pointer: a canonical key
  int64_t Off = 0;

  bool sameSymbolicAddress(const AddrExpr &O) const {
    if (Base != O.Base || Var.size() != O.Var.size())
      return false;
    for (size_t K = 0; K < Var.size(); ++K)
      if (Var[K].first != O.Var[K].first || Var[K].second != O.Var[K].second)
        return false;
    return true;
  }
};

// Loop rotation leaves `p = phi [gep B, i0, f], [gep B, i1, f]` next to `i = phi [i0], [i1]`:
// then p is `gep B, i, f`. Returns the first incoming GEP and sets Idx (its operand that varies)
// and IdxPhi (the phi that stands for it), or null.
GEPOperator *phiOfGEPs(PHINode *PN, unsigned &Idx, PHINode *&IdxPhi) {
  auto *G0 = dyn_cast<GEPOperator>(PN->getIncomingValue(0));
  if (!G0 || !G0->isInBounds() || PN->getNumIncomingValues() < 2)
    return nullptr;
  unsigned Varying = 0, N = G0->getNumOperands();
  for (unsigned I = 1; I < PN->getNumIncomingValues(); ++I) {
    auto *G = dyn_cast<GEPOperator>(PN->getIncomingValue(I));
    if (!G || !G->isInBounds() || G->getNumOperands() != N ||
        G->getSourceElementType() != G0->getSourceElementType())
      return nullptr;
    for (unsigned K = 0; K < N; ++K)
      if (G->getOperand(K) != G0->getOperand(K)) {
        if (K == 0 || (Varying && Varying != K))
          return nullptr;
        Varying = K;
      }
  }
  if (!Varying)
    return nullptr;
  for (PHINode &P : PN->getParent()->phis()) {
    bool Matches = P.getType() == G0->getOperand(Varying)->getType();
    for (unsigned I = 0; Matches && I < PN->getNumIncomingValues(); ++I) {
      auto *G = cast<GEPOperator>(PN->getIncomingValue(I));
      Matches = P.getIncomingValueForBlock(PN->getIncomingBlock(I)) == G->getOperand(Varying);
    }
    if (Matches) {
      Idx = Varying;
      IdxPhi = &P;
      return G0;
    }
  }
  return nullptr;
}

AddrExpr decompose(Value *Ptr, const DataLayout &DL) {
  AddrExpr E;
  MapVector<Value *, APInt> Vars;
  Value *V = Ptr->stripPointerCasts();
  // A phi standing for a GEP: decompose that GEP, with the phi in place of its varying index.
  Value *Replaced = nullptr;
  PHINode *ReplacedBy = nullptr;
  if (auto *PN = dyn_cast<PHINode>(V)) {
    unsigned Idx;
    if (GEPOperator *G0 = phiOfGEPs(PN, Idx, ReplacedBy)) {
      Replaced = G0->getOperand(Idx);
      V = G0;
    }
  }
  while (auto *GEP = dyn_cast<GEPOperator>(V)) {
    if (!GEP->isInBounds())
      break;
    unsigned Bits = DL.getIndexTypeSizeInBits(GEP->getType());
    if (Bits > 64)
      break;
    MapVector<Value *, APInt> VO;
    APInt C(Bits, 0);
    if (!GEP->collectOffset(DL, Bits, VO, C))
      break;
    E.Off += C.getSExtValue();
    for (auto &P : VO) {
      Value *Key = P.first == Replaced ? ReplacedBy : P.first;
      auto It = Vars.find(Key);
      if (It == Vars.end())
        Vars.insert({Key, P.second.sextOrTrunc(64)});
      else
        It->second += P.second.sextOrTrunc(64);
    }
    Replaced = nullptr;  // only the phi's own GEP has the varying index
    V = GEP->getPointerOperand()->stripPointerCasts();
  }
  E.Base = V;
  for (auto &P : Vars)
    if (!P.second.isZero())
      E.Var.push_back({P.first, P.second});
  llvm::sort(E.Var, [](const std::pair<Value *, APInt> &A, const std::pair<Value *, APInt> &B) {
    return A.first < B.first;
  });
  return E;
}

class RegionChecker {
public:
  explicit RegionChecker(const AddrExpr &E) {
    if (auto *I = dyn_cast<Instruction>(E.Base))
      Defs.insert(I);
    for (auto &P : E.Var)
      if (auto *I = dyn_cast<Instruction>(P.first))
        Defs.insert(I);
  }

  // The record just after K covers the earlier write at D, K post-dominating D: everything from
  // D up to the first arrival at K is harmless (D may run again on the way; it is then scanned
  // again).
  bool recordAfter(Instruction *K, Instruction *D) { return clear(D, K); }

private:
  SmallPtrSet<const Instruction *, 4> Defs;  // of the address operands: a redefinition between
                                             // the two sites changes the address

  bool harmless(BasicBlock::iterator B, BasicBlock::iterator E) {
    for (; B != E; ++B)
      if (mayCommitOrRelease(*B) || Defs.count(&*B))
        return false;
    return true;
  }

  bool clear(Instruction *From, Instruction *To) {
    if (mayCommitOrRelease(*From) || mayCommitOrRelease(*To))
      return false;
    BasicBlock *FB = From->getParent(), *TB = To->getParent();
    // One block, From first: the straight stretch between them is the first arrival at To.
    if (FB == TB && From->comesBefore(To))
      return harmless(std::next(From->getIterator()), To->getIterator());
    // Blocks that can reach To's block: only paths through them matter.
    SmallPtrSet<BasicBlock *, 16> CanReach;
    SmallVector<BasicBlock *, 16> Work{TB};
    CanReach.insert(TB);
    while (!Work.empty()) {
      BasicBlock *BB = Work.pop_back_val();
      for (BasicBlock *P : predecessors(BB))
        if (CanReach.insert(P).second) {
          if (CanReach.size() > 4 * MaxRegionBlocks)
            return false;
          Work.push_back(P);
        }
    }
    if (!harmless(std::next(From->getIterator()), FB->end()))
      return false;
    SmallPtrSet<BasicBlock *, 16> Seen;
    for (BasicBlock *S : successors(FB))
      if (CanReach.count(S) && Seen.insert(S).second)
        Work.push_back(S);
    while (!Work.empty()) {
      BasicBlock *BB = Work.pop_back_val();
      if (Seen.size() > MaxRegionBlocks)
        return false;
      if (BB == TB) {
        if (!harmless(BB->begin(), To->getIterator()))
          return false;
        continue;  // the first arrival at the keeper records
      } else if (!harmless(BB->begin(), BB->end())) {
        return false;
      }
      for (BasicBlock *S : successors(BB))
        if (CanReach.count(S) && Seen.insert(S).second)
          Work.push_back(S);
    }
    return true;
  }
};

// Not atomics: another thread may see one at once, so each is recorded on both sides of itself
// (InstrumentationEmitter::emitSite), which a keeper elsewhere cannot do for it.
bool mergeable(const WriteSite &S) {
  return writesOneRangeThroughPointer(S.Kind) && S.Size != 0 && S.Disp == Disposition::Instrument &&
         !isAtomicWrite(*S.I);
}

bool postDominates(PostDominatorTree &PDT, const Instruction *K, const Instruction *D) {
  if (K->getParent() == D->getParent())
    return D->comesBefore(K);
  return PDT.dominates(K->getParent(), D->getParent());
}

struct Keeper {
  int64_t Lo, Hi;          // union, in the group's offsets
  bool OneBlock = true;    // every member in the keeper's block
  bool Contiguous = true;
  bool Merged = false;
};
} // namespace

void mergeSites(Function &F, std::vector<WriteSite> &Sites, const DataLayout &DL,
                PostDominatorTree &PDT) {
  if (!OptMergeSites)
    return;
  // Group by address expression, in program order.
  struct Member {
    size_t Site;
    AddrExpr E;
  };
  MapVector<Value *, SmallVector<SmallVector<Member, 4>, 1>> ByBase;
  for (size_t K = 0; K < Sites.size(); ++K) {
    if (!mergeable(Sites[K]))
      continue;
    AddrExpr E = decompose(Sites[K].Ptr, DL);
    auto &Groups = ByBase[E.Base];
    auto It = llvm::find_if(Groups, [&](const SmallVector<Member, 4> &G) {
      return G.front().E.sameSymbolicAddress(E);
    });
    if (It == Groups.end())
      Groups.push_back({{K, E}});
    else if (It->size() < MaxGroup)
      It->push_back({K, E});
  }
  for (auto &Entry : ByBase)
    for (auto &G : Entry.second) {
      if (G.size() < 2)
        continue;
      RegionChecker Region(G.front().E);
      SmallVector<bool, 8> Absorbed(G.size(), false), IsKeeper(G.size(), false);
      // Latest first: a keeper records after itself, so the last write of a run is the one that
      // can cover the others.
      for (size_t A = G.size(); A-- > 0;) {
        if (Absorbed[A])
          continue;
        WriteSite &KS = Sites[G[A].Site];
        Keeper Kp{G[A].E.Off, G[A].E.Off + int64_t(KS.Size)};
        for (size_t B = 0; B < G.size(); ++B) {
          if (B == A || Absorbed[B] || IsKeeper[B])
            continue;
          WriteSite &DS = Sites[G[B].Site];
          int64_t Lo = G[B].E.Off, Hi = Lo + int64_t(DS.Size);
          int64_t NLo = std::min(Kp.Lo, Lo), NHi = std::max(Kp.Hi, Hi);
          bool OneBlock = Kp.OneBlock && DS.I->getParent() == KS.I->getParent();
          bool Contiguous = Kp.Contiguous && Lo <= Kp.Hi && Hi >= Kp.Lo;
          // In one block with no gap every recorded byte is written: no bound needed.
          if (!(OneBlock && Contiguous) && NHi - NLo > MaxSpan)
            continue;
          if (!postDominates(PDT, KS.I, DS.I) || !Region.recordAfter(KS.I, DS.I))
            continue;
          Kp.Lo = NLo;
          Kp.Hi = NHi;
          Kp.OneBlock = OneBlock;
          Kp.Contiguous = Contiguous;
          Kp.Merged = true;
          Absorbed[B] = true;
          DS.Disp = Disposition::Merged;
        }
        if (Kp.Merged) {
          IsKeeper[A] = true;
          // Relative to the keeper's own pointer, which is available where it records.
          KS.GroupBase = KS.Ptr;
          KS.Lo = Kp.Lo - G[A].E.Off;
          KS.Hi = Kp.Hi - G[A].E.Off;
          KS.GroupInBlock = Kp.OneBlock;
        }
      }
    }
}
} // namespace snapshot
