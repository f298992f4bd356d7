#include "SnapshotInstrument.h"
#include "Filters.h"
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
    CollectedSites C;
    collectWriteSites(F, TLII, C);
    Stats.InlineAsm += C.InlineAsmWrites;
    Stats.UnknownIntrinsics += C.UnknownIntrinsics;
    if (const char *Why = functionOptOut(F, OptOuts)) {
      Stats.countOptOut(C.Sites);
      if (OptDebug)
        errs() << "snapshot-instrument: " << F.getName() << ": opted out (" << Why << "), "
               << C.Sites.size() << " write sites left alone\n";
      continue;
    }
    if (C.Sites.empty())
      continue;

    TargetClassifier Classifier;
    for (WriteSite &S : C.Sites)
      if (S.Ptr)
        S.Disp = Classifier.classify(S.Ptr);
      else if (S.Kind == SiteKind::MaskedScatter &&
               S.I->getOperand(1)->getType()->getScalarType()->getPointerAddressSpace() != 0)
        S.Disp = Disposition::SkipAddrSpace;
      else if (S.Kind == SiteKind::X86Scatter &&
               S.I->getOperand(0)->getType()->getPointerAddressSpace() != 0)
        S.Disp = Disposition::SkipAddrSpace;

    if (versionFunction(F, C.Sites, [&](Instruction *At) { return Emitter.anyMapped(At); })) {
      ++Stats.VersionedFunctions;
      FAM.invalidate(F, PreservedAnalyses::none());
    }
    auto &LI = FAM.getResult<LoopAnalysis>(F);
    auto &DT = FAM.getResult<DominatorTreeAnalysis>(F);
    ScalarEvolution *SE = LI.empty() ? nullptr : &FAM.getResult<ScalarEvolutionAnalysis>(F);
    std::vector<LoopRange> Ranges;
    planLoops(F, LI, SE, DT, C.Sites, Ranges);
    mergeSites(F, C.Sites, M.getDataLayout(), DT, FAM.getResult<PostDominatorTreeAnalysis>(F));
    std::vector<ObjectFlag> Flags;
    planObjectFlags(F, DT, LI, C.Sites, Flags);
    Stats.countSites(C.Sites);
    Stats.LoopRanges += Ranges.size();
    if (OptDebug)
      for (const WriteSite &S : C.Sites)
        debugSite(F, S);

    bool Any = !Ranges.empty();
    for (const WriteSite &S : C.Sites)
      Any |= S.Disp == Disposition::Instrument;
    if (!Any)
      continue;

    Emitter.beginFunction();
    std::vector<InstrumentationEmitter::ExpandedRange> Expanded;
    for (const LoopRange &R : Ranges)
      Expanded.push_back(Emitter.expandLoopRange(R, *SE));
    for (size_t K = 0; K < Ranges.size(); ++K)
      Emitter.emitLoopRange(Ranges[K], Expanded[K]);
    for (ObjectFlag &OF : Flags)
      Emitter.emitObjectFlag(OF);
    Stats.VersionedLoops += versionLoops(F, DT, LI, C.Sites, Flags, [&](Instruction *At) {
      return Emitter.anyMapped(At);
    });
    for (WriteSite &S : C.Sites)
      Emitter.emitSite(S, Flags);
    FAM.invalidate(F, PreservedAnalyses::none());
    Changed = true;
  }

  Stats.Checks = Emitter.checksEmitted();
  Stats.publishToLLVM();
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
