#include "FunctionVersioning.h"
#include "Options.h"
#include "WriteSite.h"
#include "CommitPoints.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace snapshot {
namespace {
const unsigned MaxInstructions = 4000;  // bound the code growth

bool qualifies(Function &F) {
  unsigned N = 0;
  for (BasicBlock &BB : F) {
    if (BB.hasAddressTaken() || BB.isEHPad())
      return false;
    for (Instruction &I : BB) {
      if (++N > MaxInstructions)
        return false;
      if (!mayCommit(I))
        continue;
      auto *CB = dyn_cast<CallInst>(&I);
      if (!CB || CB->getCalledFunction() != &F || CB->isMustTailCall())
        return false;  // a call elsewhere, a fence or an acquire
    }
  }
  return true;
}
} // namespace

bool versionFunction(Function &F, const std::vector<WriteSite> &Sites,
                     function_ref<Value *(Instruction *)> AnyMapped) {
  if (!OptFunctionVersioning)
    return false;
  unsigned Checked = 0;
  for (const WriteSite &S : Sites)
    Checked += S.Disp == Disposition::Instrument;
  if (Checked < 2 || !qualifies(F))
    return false;

  // Static allocas stay in the (new) entry block, shared by both copies.
  BasicBlock *OldEntry = &F.getEntryBlock();
  SmallVector<AllocaInst *, 8> Static;
  for (Instruction &I : *OldEntry)
    if (auto *AI = dyn_cast<AllocaInst>(&I))
      if (AI->isStaticAlloca())
        Static.push_back(AI);
  BasicBlock *Entry = BasicBlock::Create(F.getContext(), "snapshot.entry", &F, OldEntry);
  IRBuilder<> B(Entry);
  ValueToValueMapTy VMap;
  for (AllocaInst *AI : Static) {
    AI->moveBefore(*Entry, Entry->end());
    VMap[AI] = AI;
  }

  SmallVector<BasicBlock *, 16> Originals;
  for (BasicBlock &BB : F)
    if (&BB != Entry)
      Originals.push_back(&BB);
  SmallVector<BasicBlock *, 16> Clones;
  for (BasicBlock *BB : Originals) {
    BasicBlock *C = CloneBasicBlock(BB, VMap, ".snapshot.clean", &F);
    VMap[BB] = C;
    Clones.push_back(C);
  }
  remapInstructionsInBlocks(Clones, VMap);
  // One dbg.declare per variable: the clone's would describe the shared allocas a second time.
  for (BasicBlock *C : Clones)
    for (Instruction &I : make_early_inc_range(*C))
      if (isa<DbgDeclareInst>(I))
        I.eraseFromParent();

  Instruction *Br = B.CreateUnreachable();  // placeholder, so AnyMapped has an insertion point
  Value *Any = AnyMapped(Br);
  BranchInst::Create(OldEntry, cast<BasicBlock>(VMap[OldEntry]), Any, Br);
  Br->eraseFromParent();
  return true;
}
} // namespace snapshot
