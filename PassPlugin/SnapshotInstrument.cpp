#include "SnapshotInstrument.h"
#include "Filters.h"
#include "FunctionPlan.h"
#include "FunctionVersioning.h"
#include "InstrumentationEmitter.h"
#include "LoopPlanner.h"
#include "LoopVersioning.h"
#include "ObjectFlags.h"
#include "Options.h"
#include "RuntimeABI.h"
#include "SiteMerging.h"
#include "Statistics.h"
#include "WriteSiteCollector.h"

#include "llvm/ADT/Triple.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/PostDominators.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace snapshot {
namespace {
// Marks a module as done, so running the pass twice (e.g. -flto pre-link and opt) never
// instruments the inserted code or the same writes again.
const char *DoneFlag = "snapshot.instrumented";

void debugSite(const Function &F, const WriteSite &S) {
  errs() << "snapshot-instrument: " << F.getName() << ": " << kindName(S.Kind) << " -> "
         << dispositionName(S.Disp);
  if (S.Size)
    errs() << " size=" << S.Size;
  if (S.GroupBase)
    errs() << " group=[" << S.Lo << "," << S.Hi << ")";
  if (S.FlagIdx >= 0)
    errs() << " object-flag=" << S.FlagIdx;
  if (const DebugLoc &DL = S.I->getDebugLoc())
    errs() << " line=" << DL.getLine();
  errs() << " :" << *S.I << "\n";
}

// The function-wide analyses the phases share, taken from the function analysis manager after
// function versioning (phase 3) and left valid by the phases that change the CFG.
struct Analyses {
  LoopInfo &LI;
  DominatorTree &DT;
  ScalarEvolution *SE;  // only when the function has loops
};

// Phase 2 (FunctionPlan.h): the sites that cannot write a working copy.
void classify(std::vector<WriteSite> &Sites) {
  TargetClassifier Classifier;
  for (WriteSite &S : Sites)
    if (S.Ptr)
      S.Disp = Classifier.classify(S.Ptr);
    else if (S.Kind == SiteKind::MaskedScatter &&
             S.I->getOperand(1)->getType()->getScalarType()->getPointerAddressSpace() != 0)
      S.Disp = Disposition::SkipAddrSpace;
    else if (S.Kind == SiteKind::X86Scatter &&
             S.I->getOperand(0)->getType()->getPointerAddressSpace() != 0)
      S.Disp = Disposition::SkipAddrSpace;
}

// Phases 4-6: loops, site merging, object flags.
void planSites(Function &F, FunctionAnalysisManager &FAM, Analyses A, FunctionPlan &P) {
  planLoops(F, A.LI, A.SE, A.DT, P.Sites, P.Ranges);
  mergeSites(F, P.Sites, F.getParent()->getDataLayout(),
             FAM.getResult<PostDominatorTreeAnalysis>(F));
  planObjectFlags(F, A.DT, A.LI, P.Sites, P.Flags);
}

// Phases 7-10.
void emitPlan(Function &F, Analyses A, FunctionPlan &P, InstrumentationEmitter &Emitter,
              ModuleStats &Stats) {
  Emitter.beginFunction();
  std::vector<InstrumentationEmitter::ExpandedRange> Expanded;
  for (const LoopRange &R : P.Ranges)
    Expanded.push_back(Emitter.expandLoopRange(R, *A.SE));
  for (size_t K = 0; K < P.Ranges.size(); ++K)
    Emitter.emitLoopRange(P.Ranges[K], Expanded[K]);
  for (ObjectFlag &OF : P.Flags)
    Emitter.emitObjectFlag(OF);
  Stats.add(Counter::VersionedLoops,
            versionLoops(F, A.DT, A.LI, P.Sites, P.Flags,
                         [&](Instruction *At) { return Emitter.anyMapped(At); }));
  for (WriteSite &S : P.Sites)
    Emitter.emitSite(S, P.Flags);
}
} // namespace

PreservedAnalyses SnapshotInstrumentPass::run(Module &M, ModuleAnalysisManager &MAM) {
  if (M.getModuleFlag(DoneFlag))
    return PreservedAnalyses::all();
  auto &FAM = MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
  // Library functions are recognised by what the C library is, regardless of -fno-builtin:
  // the target's LibFunc table, not the per-function availability view.
  TargetLibraryInfoImpl TLII(Triple(M.getTargetTriple()));
  auto OptOuts = annotatedOptOuts(M);
  RuntimeABI ABI(M);
  InstrumentationEmitter Emitter(ABI);
  ModuleStats Stats;
  bool Changed = false;

  // The functions present now: thunks the pass adds (RuntimeABI) are not program code.
  std::vector<Function *> Worklist;
  for (Function &F : M)
    if (!F.isDeclaration())
      Worklist.push_back(&F);
  for (Function *FP : Worklist) {
    Function &F = *FP;
    FunctionPlan P;
    CollectedSites C;  // phase 1
    collectWriteSites(F, TLII, C);
    P.Sites = std::move(C.Sites);
    Stats.add(Counter::InlineAsm, C.InlineAsmWrites);
    Stats.add(Counter::UnknownIntrinsics, C.UnknownIntrinsics);
    if (const char *Why = functionOptOut(F, OptOuts)) {
      Stats.countOptOut(P.Sites);
      if (OptDebug)
        errs() << "snapshot-instrument: " << F.getName() << ": opted out (" << Why << "), "
               << P.Sites.size() << " write sites left alone\n";
      continue;
    }
    if (P.Sites.empty())
      continue;
    classify(P.Sites);  // phase 2
    // Phase 3, before any analysis of F is taken.
    P.VersionedFunction =
        versionFunction(F, P.Sites, [&](Instruction *At) { return Emitter.anyMapped(At); });
    if (P.VersionedFunction) {
      Stats.add(Counter::VersionedFunctions);
      FAM.invalidate(F, PreservedAnalyses::none());
    }
    auto &LI = FAM.getResult<LoopAnalysis>(F);
    Analyses A{LI, FAM.getResult<DominatorTreeAnalysis>(F),
               LI.empty() ? nullptr : &FAM.getResult<ScalarEvolutionAnalysis>(F)};
    planSites(F, FAM, A, P);  // phases 4-6
    Stats.countSites(P.Sites);
    Stats.add(Counter::LoopRanges, P.Ranges.size());
    for (const LoopRange &R : P.Ranges)
      Stats.add(Counter::StridedRanges, R.Shape != RangeShape::Contiguous);
    if (OptDebug)
      for (const WriteSite &S : P.Sites)
        debugSite(F, S);
    if (!P.emitsAnything())
      continue;
    emitPlan(F, A, P, Emitter, Stats);  // phases 7-10
    FAM.invalidate(F, PreservedAnalyses::none());
    Changed = true;
  }

  Stats.add(Counter::Checks, Emitter.checksEmitted());
  if (OptStats)
    Stats.print(errs(), M.getSourceFileName().empty() ? M.getModuleIdentifier()
                                                      : M.getSourceFileName());
  if (!Changed)
    return PreservedAnalyses::all();
  if (ABI.used())
    ABI.stampVersion();
  M.addModuleFlag(Module::Warning, DoneFlag, 1);
  return PreservedAnalyses::none();
}
} // namespace snapshot
