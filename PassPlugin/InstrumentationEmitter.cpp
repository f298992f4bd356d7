#include "InstrumentationEmitter.h"
#include "CommitPoints.h"
#include "LibCallWrites.h"
#include "Options.h"
#include "snapshot_abi.h"

#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include <algorithm>

using namespace llvm;

namespace snapshot {
InstrumentationEmitter::RangeValues InstrumentationEmitter::loadBounds(Instruction *InsertPt, const DebugLoc &Loc) {
  IRBuilder<> B(InsertPt);
  B.SetCurrentDebugLocation(Loc);
  // Plain loads: the range changes only when the first managed mapping appears, and a thread can
  // only write into a mapping after synchronising with its creation (a call or an acquire, both
  // of which end the loop these loads are hoisted out of).
  Value *Base = B.CreateLoad(ABI.intPtrTy(), ABI.workingBase(), "snapshot.base");
  Value *Size = B.CreateLoad(ABI.intPtrTy(), ABI.workingSize(), "snapshot.size");
  return {Base, Size};
}

InstrumentationEmitter::RangeValues InstrumentationEmitter::bounds(const WriteSite *S,
                                                                   Instruction *InsertPt, const DebugLoc &Loc) {
  if (S && S->BoundsAt) {
    // Only the size: a base held in a register lets loop strength reduction turn `addr - base`
    // into induction variables of its own, paid on every iteration of the loop's inner loops.
    auto It = LoopBounds.find(S->BoundsAt);
    if (It != LoopBounds.end())
      return It->second;
    IRBuilder<> B(S->BoundsAt);
    B.SetCurrentDebugLocation(Loc);
    RangeValues RV{nullptr, B.CreateLoad(ABI.intPtrTy(), ABI.workingSize(), "snapshot.size")};
    LoopBounds[S->BoundsAt] = RV;
    return RV;
  }
  // Outside loops each check loads the size itself (x86 folds it into a compare with memory,
  // holding no register across the code in between) and the base only behind the size test.
  IRBuilder<> B(InsertPt);
  B.SetCurrentDebugLocation(Loc);
  return {nullptr, B.CreateLoad(ABI.intPtrTy(), ABI.workingSize(), "snapshot.size")};
}

// Two levels. A process that has mapped nothing has size 0: one compare with memory and a branch
// around the rest. Otherwise the full range test, weighted unlikely.
Instruction *InstrumentationEmitter::check(Value *Addr, RangeValues RV, Instruction *InsertPt, const DebugLoc &Loc) {
  IRBuilder<> B(InsertPt);
  B.SetCurrentDebugLocation(Loc);
  Value *Any = B.CreateICmpNE(RV.Size, ConstantInt::get(ABI.intPtrTy(), 0), "snapshot.any");
  Instruction *Inner = SplitBlockAndInsertIfThen(Any, InsertPt, /*Unreachable=*/false);
  Inner->setDebugLoc(Loc);
  Inner->getParent()->getSinglePredecessor()->getTerminator()->setDebugLoc(Loc);
  Inner->getParent()->setName("snapshot.mapped");
  IRBuilder<> IB(Inner);
  IB.SetCurrentDebugLocation(Loc);
  Value *Base = RV.Base ? RV.Base : IB.CreateLoad(ABI.intPtrTy(), ABI.workingBase(), "snapshot.base");
  Value *A = IB.CreatePtrToInt(Addr, ABI.intPtrTy());
  Value *Off = IB.CreateSub(A, Base, "snapshot.off");
  Value *In = IB.CreateICmpULT(Off, RV.Size, "snapshot.in");
  Instruction *Then = SplitBlockAndInsertIfThen(In, Inner, /*Unreachable=*/false,
                                                unlikelyWeights(InsertPt->getContext()));
  Then->setDebugLoc(Loc);
  Then->getParent()->getSinglePredecessor()->getTerminator()->setDebugLoc(Loc);
  Then->getParent()->setName("snapshot.record");
  ++Checks;
  return Then;
}

void InstrumentationEmitter::recordFixed(Value *Addr, uint64_t Size, RangeValues RV,
                                         Instruction *At, const DebugLoc &Loc) {
  Instruction *Then = check(Addr, RV, At, Loc);
  IRBuilder<> B(Then);
  B.SetCurrentDebugLocation(Loc);
  Value *P = B.CreatePointerCast(Addr, ABI.bytePtrTy());
  if (FunctionCallee F = ABI.recordFixed(Size))
    ABI.call(B, F, {P});
  else
    ABI.call(B, ABI.record(), {P, ConstantInt::get(ABI.intPtrTy(), Size)});
}

void InstrumentationEmitter::recordLen(Value *Addr, Value *Len, RangeValues RV, Instruction *At, const DebugLoc &Loc) {
  if (auto *K = dyn_cast<ConstantInt>(Len))
    if (ABI.recordFixed(K->getZExtValue())) {
      recordFixed(Addr, K->getZExtValue(), RV, At, Loc);
      return;
    }
  Instruction *Then = check(Addr, RV, At, Loc);
  IRBuilder<> B(Then);
  B.SetCurrentDebugLocation(Loc);
  Value *P = B.CreatePointerCast(Addr, ABI.bytePtrTy());
  Value *L = B.CreateZExtOrTrunc(Len, ABI.intPtrTy());
  ABI.call(B, ABI.record(), {P, L});
}

void InstrumentationEmitter::recordCString(Value *Addr, RangeValues RV, Instruction *At, const DebugLoc &Loc) {
  Instruction *Then = check(Addr, RV, At, Loc);
  IRBuilder<> B(Then);
  B.SetCurrentDebugLocation(Loc);
  Value *P = B.CreatePointerCast(Addr, ABI.bytePtrTy());
  ABI.call(B, ABI.recordCString(), {P});
}

InstrumentationEmitter::ExpandedRange
InstrumentationEmitter::expandLoopRange(const LoopRange &R, ScalarEvolution &SE) {
  const DataLayout &DL = R.RecordAt->getModule()->getDataLayout();
  SCEVExpander Exp(SE, DL, "snapshot.range");
  Exp.setInsertPoint(R.RecordAt);
  Value *Lo = Exp.expandCodeFor(R.Lo, ABI.bytePtrTy(), R.RecordAt);
  Value *Len = Exp.expandCodeFor(R.Len, ABI.intPtrTy(), R.RecordAt);
  if (R.Shape == RangeShape::Contiguous)
    return {Lo, Len};
  Value *Stride = Exp.expandCodeFor(R.Stride, ABI.intPtrTy(), R.RecordAt);
  Value *Count = Exp.expandCodeFor(R.Count, ABI.intPtrTy(), R.RecordAt);
  return {Lo, Len, Stride, Count};
}

void InstrumentationEmitter::recordChunks(const LoopRange &R, ExpandedRange E, Instruction *At, const DebugLoc &Loc) {
  BasicBlock *Pre = At->getParent();
  BasicBlock *Tail = SplitBlock(Pre, At);
  LLVMContext &Ctx = Pre->getContext();
  BasicBlock *Body = BasicBlock::Create(Ctx, "snapshot.chunks", Pre->getParent(), Tail);
  Pre->getTerminator()->setSuccessor(0, Body);
  IRBuilder<> B(Body);
  B.SetCurrentDebugLocation(Loc);
  Type *IntPtr = ABI.intPtrTy();
  PHINode *K = B.CreatePHI(IntPtr, 2, "snapshot.chunk");
  K->addIncoming(ConstantInt::get(IntPtr, 0), Pre);
  Value *P = B.CreateGEP(B.getInt8Ty(), E.Lo, B.CreateMul(K, E.Stride), "snapshot.chunk.at");
  if (FunctionCallee F = ABI.recordFixed(R.Width))
    ABI.call(B, F, {P});
  else
    ABI.call(B, ABI.record(), {P, ConstantInt::get(IntPtr, R.Width)});
  Value *Next = B.CreateAdd(K, ConstantInt::get(IntPtr, 1), "snapshot.chunk.next");
  K->addIncoming(Next, Body);
  B.CreateCondBr(B.CreateICmpEQ(Next, E.Count), Tail, Body);
}

void InstrumentationEmitter::emitLoopRange(const LoopRange &R, ExpandedRange E) {
  const DebugLoc &Loc = R.Loc;
  // The size is loaded here, after the loop: loaded in a preheader it would hold a register
  // through the loop.
  RangeValues RV = bounds(nullptr, R.RecordAt, Loc);
  if (R.Shape == RangeShape::Contiguous) {
    recordLen(E.Lo, E.Len, RV, R.RecordAt, Loc);
    return;
  }
  // Every chunk lies in the object Lo points into: one check of Lo decides for all of them.
  Instruction *Then = check(E.Lo, RV, R.RecordAt, Loc);
  if (R.Shape == RangeShape::Strided) {
    recordChunks(R, E, Then, Loc);
    return;
  }
  // Stride known only now: contiguous when the gap between chunks is shorter than a line.
  IRBuilder<> B(Then);
  B.SetCurrentDebugLocation(Loc);
  Value *Dense = B.CreateICmpULT(
      E.Stride, ConstantInt::get(ABI.intPtrTy(), R.Width + SNAPSHOT_LINE_SIZE), "snapshot.dense");
  Instruction *One, *Chunks;
  SplitBlockAndInsertIfThenElse(Dense, Then, &One, &Chunks);
  One->setDebugLoc(Loc);
  Chunks->setDebugLoc(Loc);
  IRBuilder<> OB(One);
  OB.SetCurrentDebugLocation(Loc);
  ABI.call(OB, ABI.record(), {OB.CreatePointerCast(E.Lo, ABI.bytePtrTy()), E.Len});
  recordChunks(R, E, Chunks, Loc);
}

void InstrumentationEmitter::emitMasked(WriteSite &S, RangeValues RV, Instruction *At, const DebugLoc &Loc) {
  auto &II = cast<IntrinsicInst>(*S.I);
  const DataLayout &DL = II.getModule()->getDataLayout();
  auto *VT = dyn_cast<FixedVectorType>(II.getArgOperand(0)->getType());
  Value *Mask = II.getArgOperand(S.Kind == SiteKind::MaskedStore ? 3 : 2);
  Type *Elt = VT ? VT->getElementType() : nullptr;
  uint64_t EltSize = Elt ? DL.getTypeStoreSize(Elt).getFixedValue() : 0;
  if (!VT || Elt->getPrimitiveSizeInBits() != EltSize * 8) {
    // Elements that are not whole bytes: record the full vector (over-approximation).
    recordFixed(S.Ptr, DL.getTypeStoreSize(II.getArgOperand(0)->getType()).getFixedValue(), RV,
                At, Loc);
    return;
  }
  IRBuilder<> B(At);
  B.SetCurrentDebugLocation(Loc);
  unsigned N = VT->getNumElements();
  Type *MaskIntTy = B.getIntNTy(N);
  Type *IntPtr = ABI.intPtrTy();
  Value *Bits = B.CreateBitCast(Mask, MaskIntTy);
  Value *Addr, *Count;
  if (S.Kind == SiteKind::CompressStore) {
    // popcount(mask) consecutive elements from the start.
    Addr = S.Ptr;
    Count = B.CreateUnaryIntrinsic(Intrinsic::ctpop, Bits);
  } else {
    // Lanes first..last active, where first = cttz(mask), last + 1 = N - ctlz(mask); inactive
    // lanes in between are recorded too (they are inside the vector the program addresses).
    Value *First = B.CreateBinaryIntrinsic(Intrinsic::cttz, Bits, B.getFalse());
    Value *Lead = B.CreateBinaryIntrinsic(Intrinsic::ctlz, Bits, B.getFalse());
    Value *End = B.CreateSub(ConstantInt::get(MaskIntTy, N), Lead);
    Value *None = B.CreateICmpEQ(Bits, ConstantInt::get(MaskIntTy, 0));
    Count = B.CreateSelect(None, ConstantInt::get(MaskIntTy, 0), B.CreateSub(End, First));
    Value *FirstBytes =
        B.CreateMul(B.CreateZExtOrTrunc(First, IntPtr), ConstantInt::get(IntPtr, EltSize));
    Addr = B.CreateGEP(B.getInt8Ty(), B.CreatePointerCast(S.Ptr, ABI.bytePtrTy()), FirstBytes,
                       "snapshot.masked.first");
  }
  Value *Len = B.CreateMul(B.CreateZExtOrTrunc(Count, IntPtr), ConstantInt::get(IntPtr, EltSize));
  recordLen(Addr, Len, RV, At, Loc);
}

void InstrumentationEmitter::emitScatter(WriteSite &S, RangeValues RV, Instruction *At, const DebugLoc &Loc) {
  auto &II = cast<IntrinsicInst>(*S.I);
  const DataLayout &DL = II.getModule()->getDataLayout();
  auto *VT = dyn_cast<FixedVectorType>(II.getArgOperand(0)->getType());
  if (!VT)
    return;
  Value *Ptrs = II.getArgOperand(1);
  Value *Mask = II.getArgOperand(II.getIntrinsicID() == Intrinsic::masked_scatter ? 3 : 2);
  uint64_t EltSize = DL.getTypeStoreSize(VT->getElementType()).getFixedValue();
  // One check per lane; an inactive lane checks null, which is never in the working range.
  for (unsigned L = 0, N = VT->getNumElements(); L < N; ++L) {
    IRBuilder<> B(At);
    B.SetCurrentDebugLocation(Loc);
    Value *P = B.CreateExtractElement(Ptrs, B.getInt64(L));
    Value *M = B.CreateExtractElement(Mask, B.getInt64(L));
    Value *A = B.CreateSelect(M, P, Constant::getNullValue(P->getType()), "snapshot.lane");
    recordFixed(A, EltSize, RV, At, Loc);
  }
}

void InstrumentationEmitter::emitX86Scatter(WriteSite &S, RangeValues RV, Instruction *At, const DebugLoc &Loc) {
  // (i8* base, mask: <N x i1> or iN, <K x iM> index, <L x T> values, i32 scale)
  auto &II = cast<IntrinsicInst>(*S.I);
  const DataLayout &DL = II.getModule()->getDataLayout();
  Value *Base = II.getArgOperand(0), *Mask = II.getArgOperand(1), *Idx = II.getArgOperand(2);
  auto *IdxTy = dyn_cast<FixedVectorType>(Idx->getType());
  auto *ValTy = dyn_cast<FixedVectorType>(II.getArgOperand(3)->getType());
  auto *Scale = dyn_cast<ConstantInt>(II.getArgOperand(4));
  if (!IdxTy || !ValTy || !Scale)
    return;
  uint64_t EltSize = DL.getTypeStoreSize(ValTy->getElementType()).getFixedValue();
  unsigned Lanes = std::min(IdxTy->getNumElements(), ValTy->getNumElements());
  Type *IntPtr = ABI.intPtrTy();
  for (unsigned L = 0; L < Lanes; ++L) {
    IRBuilder<> B(At);
    B.SetCurrentDebugLocation(Loc);
    Value *Bit;
    if (Mask->getType()->isVectorTy())
      Bit = B.CreateExtractElement(Mask, B.getInt64(L));
    else
      Bit = B.CreateTrunc(B.CreateLShr(Mask, L), B.getInt1Ty());
    Value *Off = B.CreateMul(B.CreateSExtOrTrunc(B.CreateExtractElement(Idx, B.getInt64(L)), IntPtr),
                             ConstantInt::get(IntPtr, Scale->getZExtValue()));
    Value *P = B.CreateGEP(B.getInt8Ty(), B.CreatePointerCast(Base, ABI.bytePtrTy()), Off);
    Value *A = B.CreateSelect(Bit, P, Constant::getNullValue(P->getType()), "snapshot.lane");
    recordFixed(A, EltSize, RV, At, Loc);
  }
}

// The first instruction after a write, where its record goes (see the header: never before).
Instruction *InstrumentationEmitter::afterWrite(Instruction &I) {
  if (auto *II = dyn_cast<InvokeInst>(&I)) {
    BasicBlock *NB = SplitEdge(II->getParent(), II->getNormalDest());
    return &*NB->getFirstInsertionPt();
  }
  if (I.isTerminator())
    return nullptr;  // callbr: neither a library call nor a store
  return I.getNextNode();
}

// Library calls are recorded after the call, for the extents LibCallWrites computes from its
// arguments and result, each behind its condition: one block for extents sharing a condition,
// a diamond for a condition and its negation.
void InstrumentationEmitter::emitLibCall(WriteSite &S, const DebugLoc &Loc) {
  auto &CB = cast<CallBase>(*S.I);
  if (StringRef(S.Lib->Name).startswith("__atomic_")) {
    // libatomic: an atomic write, recorded before the call as well (see emitSite). Its extent
    // comes from the arguments alone.
    IRBuilder<> BB(&CB);
    BB.SetCurrentDebugLocation(Loc);
    for (WrittenExtent &E : writtenExtents(CB, *S.Lib, BB, ABI.intPtrTy()))
      if (!E.When && E.Len) {
        IRBuilder<> LB(&CB);
        LB.SetCurrentDebugLocation(Loc);
        recordLen(E.Dst, E.Len(LB), bounds(&S, &CB, Loc), &CB, Loc);
      }
  }
  Instruction *At = afterWrite(CB);
  if (!At)
    return;
  RangeValues RV = bounds(&S, At, Loc);
  IRBuilder<> B(At);  // the conditions, before any block is split
  B.SetCurrentDebugLocation(Loc);
  std::vector<WrittenExtent> Extents = writtenExtents(CB, *S.Lib, B, ABI.intPtrTy());
  auto Record = [&](WrittenExtent &E, Instruction *In) {
    if (!E.Len) {
      recordCString(E.Dst, RV, In, Loc);
      return;
    }
    IRBuilder<> LB(In);
    LB.SetCurrentDebugLocation(Loc);
    recordLen(E.Dst, E.Len(LB), RV, In, Loc);
  };
  auto Located = [&](Instruction *T) {
    T->setDebugLoc(Loc);
    return T;
  };
  Value *GuardCond = nullptr;
  bool GuardUnless = false;
  Instruction *Guard = nullptr, *Other = nullptr;  // insertion points: When true / false
  for (WrittenExtent &E : Extents) {
    if (!E.When) {
      Record(E, At);
      continue;
    }
    if (E.When != GuardCond) {
      GuardCond = E.When;
      GuardUnless = E.Unless;
      Guard = Other = nullptr;
      bool BothSides = llvm::any_of(Extents, [&](const WrittenExtent &F) {
        return F.When == E.When && F.Unless != E.Unless;
      });
      if (BothSides) {
        Instruction *T, *F;
        SplitBlockAndInsertIfThenElse(E.When, At, &T, &F);
        Guard = Located(T);
        Other = Located(F);
        if (E.Unless)
          std::swap(Guard, Other);
      } else {
        IRBuilder<> NB(At);  // fresh: earlier records split the block before At
        NB.SetCurrentDebugLocation(Loc);
        Value *C = E.Unless ? NB.CreateNot(E.When) : E.When;
        Guard = Located(SplitBlockAndInsertIfThen(C, At, /*Unreachable=*/false));
      }
      Guard->getParent()->getSinglePredecessor()->getTerminator()->setDebugLoc(Loc);
    }
    Record(E, E.Unless == GuardUnless ? Guard : Other);
  }
}

Value *InstrumentationEmitter::anyMapped(Instruction *InsertPt) {
  IRBuilder<> B(InsertPt);
  B.SetCurrentDebugLocation(InsertPt->getDebugLoc());
  Value *Size = B.CreateLoad(ABI.intPtrTy(), ABI.workingSize(), "snapshot.size");
  return B.CreateICmpNE(Size, ConstantInt::get(ABI.intPtrTy(), 0), "snapshot.mapped");
}

void InstrumentationEmitter::emitObjectFlag(ObjectFlag &F) {
  const DebugLoc &Loc = F.InsertBefore->getDebugLoc();
  RangeValues RV = loadBounds(F.InsertBefore, Loc);
  IRBuilder<> B(F.InsertBefore);
  B.SetCurrentDebugLocation(Loc);
  Value *A = B.CreatePtrToInt(F.Base, ABI.intPtrTy());
  Value *Off = B.CreateSub(A, RV.Base);
  // <=: the pointer may be one past the end of an object that ends the working range.
  F.Flag = B.CreateICmpULE(Off, RV.Size, "snapshot.object");
}

void InstrumentationEmitter::emitSite(WriteSite &S, const std::vector<ObjectFlag> &Flags) {
  if (S.Disp != Disposition::Instrument)
    return;
  const DebugLoc &Loc = S.I->getDebugLoc();
  if (S.Kind == SiteKind::LibCall) {
    emitLibCall(S, Loc);
    return;
  }
  if (isAtomicWrite(*S.I) && S.Size && !OptTestRecordBefore) {
    // Another thread may read an atomic as soon as it lands, and then commit: recorded before it
    // too, the line is dirty by then (the record after still covers a commit that took the bit
    // in between).
    recordFixed(S.Ptr, S.Size, bounds(&S, S.I, Loc), S.I, Loc);
  }
  Instruction *At = OptTestRecordBefore && S.Kind == SiteKind::Store ? S.I : afterWrite(*S.I);
  if (!At)
    return;
  RangeValues RV;
  if (S.FlagIdx >= 0) {
    // Object in the working range? Only then the full check, with its own loads (this block
    // dominates nothing else, so nothing is cached from it).
    Instruction *Next = At;
    At = SplitBlockAndInsertIfThen(Flags[S.FlagIdx].Flag, Next, /*Unreachable=*/false,
                                   unlikelyWeights(S.I->getContext()));
    At->setDebugLoc(Loc);
    At->getParent()->getSinglePredecessor()->getTerminator()->setDebugLoc(Loc);
    At->getParent()->setName("snapshot.object.in");
    RV = bounds(nullptr, At, Loc);
  } else {
    RV = bounds(&S, At, Loc);
  }
  switch (S.Kind) {
  case SiteKind::MaskedStore:
  case SiteKind::CompressStore:
    emitMasked(S, RV, At, Loc);
    return;
  case SiteKind::MaskedScatter:
    emitScatter(S, RV, At, Loc);
    return;
  case SiteKind::X86Scatter:
    emitX86Scatter(S, RV, At, Loc);
    return;
  default:
    break;
  }
  if (S.GroupBase) {
    // GroupBase is the keeper's own pointer. A union starting there, or at a member of the
    // keeper's block (written whenever the keeper is), is an ordinary fixed-size record. One
    // reaching below it to a member on a path not taken (possibly outside the object) is checked
    // on the keeper's address, which is written whenever this record runs, and recorded through
    // the entry point that clips to the working range.
    uint64_t Size = uint64_t(S.Hi - S.Lo);
    if (S.Lo == 0) {
      recordFixed(S.GroupBase, Size, RV, At, Loc);
      return;
    }
    if (S.GroupInBlock) {
      IRBuilder<> B(At);
      B.SetCurrentDebugLocation(Loc);
      Value *Lo = B.CreateGEP(B.getInt8Ty(), B.CreatePointerCast(S.GroupBase, ABI.bytePtrTy()),
                              B.getInt64(uint64_t(S.Lo)), "snapshot.group");
      recordFixed(Lo, Size, RV, At, Loc);
      return;
    }
    Instruction *Then = check(S.GroupBase, RV, At, Loc);
    IRBuilder<> B(Then);
    B.SetCurrentDebugLocation(Loc);
    Value *Base = B.CreatePointerCast(S.GroupBase, ABI.bytePtrTy());
    Value *Lo = B.CreateGEP(B.getInt8Ty(), Base, B.getInt64(uint64_t(S.Lo)), "snapshot.group");
    ABI.call(B, ABI.record(), {Lo, ConstantInt::get(ABI.intPtrTy(), Size)});
    return;
  }
  if (S.Size) {
    recordFixed(S.Ptr, S.Size, RV, At, Loc);
    return;
  }
  if (S.Len) {
    recordLen(S.Ptr, S.Len, RV, At, Loc);
    return;
  }
  // Scalable-vector store: vscale x the known minimum size.
  IRBuilder<> B(At);
  B.SetCurrentDebugLocation(Loc);
  Type *VT = cast<StoreInst>(S.I)->getValueOperand()->getType();
  uint64_t Min = S.I->getModule()->getDataLayout().getTypeStoreSize(VT).getKnownMinValue();
  recordLen(S.Ptr, B.CreateVScale(ConstantInt::get(ABI.intPtrTy(), Min)), RV, At, Loc);
}
} // namespace snapshot
