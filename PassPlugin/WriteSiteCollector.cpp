#include "WriteSiteCollector.h"
#include "CommitPoints.h"
#include "LibCallWrites.h"
#include "Options.h"

#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace snapshot {
namespace {
// Intrinsics that may write memory but never a working copy (or write nothing persistent).
bool isHarmlessWritingIntrinsic(const IntrinsicInst &II) {
  if (isMarkerIntrinsic(II))
    return true;
  switch (II.getIntrinsicID()) {
  case Intrinsic::prefetch:
  case Intrinsic::sideeffect:
  case Intrinsic::stacksave:
  case Intrinsic::stackrestore:
  case Intrinsic::stackprotector:
  case Intrinsic::vastart:   // the va_list is the caller's own (stack) object
  case Intrinsic::vaend:
  case Intrinsic::vacopy:
  case Intrinsic::trap:
  case Intrinsic::debugtrap:
  case Intrinsic::eh_typeid_for:
    return true;
  default:
    return isa<DbgInfoIntrinsic>(II) ||
           II.getCalledFunction()->getName().startswith("llvm.instrprof") ||
           II.getCalledFunction()->getName().startswith("llvm.coro.");
  }
}

uint64_t storeSize(const DataLayout &DL, Type *T) {
  TypeSize TS = DL.getTypeStoreSize(T);
  return TS.isScalable() ? 0 : TS.getFixedValue();
}

bool collectIntrinsic(IntrinsicInst &II, const DataLayout &DL, CollectedSites &Out) {
  WriteSite S;
  S.I = &II;
  if (auto *MI = dyn_cast<AnyMemIntrinsic>(&II)) {
    S.Kind = SiteKind::MemIntrinsic;
    S.Ptr = MI->getRawDest();
    S.Len = MI->getLength();
    if (auto *C = dyn_cast<ConstantInt>(S.Len)) {
      if (C->isZero())
        return true;  // writes nothing
      S.Size = C->getZExtValue();
    }
    Out.Sites.push_back(S);
    return true;
  }
  StringRef Name = II.getCalledFunction()->getName();
  switch (II.getIntrinsicID()) {
  case Intrinsic::masked_store:
    S.Kind = SiteKind::MaskedStore;
    S.Ptr = II.getArgOperand(1);
    break;
  case Intrinsic::masked_compressstore:
    S.Kind = SiteKind::CompressStore;
    S.Ptr = II.getArgOperand(1);
    break;
  case Intrinsic::masked_scatter:
  case Intrinsic::vp_scatter:
    S.Kind = SiteKind::MaskedScatter;
    break;
  case Intrinsic::vp_store:
    S.Kind = SiteKind::WholeVector;
    S.Ptr = II.getArgOperand(1);
    S.Size = storeSize(DL, II.getArgOperand(0)->getType());
    break;
  default:
    // x86 AVX/SSE2 masked stores written with intrinsics in the source: (ptr, mask, value) and
    // (value, mask, ptr). The whole vector width is recorded, a safe over-approximation.
    if (Name.startswith("llvm.x86.avx.maskstore") || Name.startswith("llvm.x86.avx2.maskstore")) {
      S.Kind = SiteKind::WholeVector;
      S.Ptr = II.getArgOperand(0);
      S.Size = storeSize(DL, II.getArgOperand(2)->getType());
      break;
    }
    if ((Name.startswith("llvm.x86.avx512.mask.scatter") ||
         Name.startswith("llvm.x86.avx512.scatter")) &&
        !Name.startswith("llvm.x86.avx512.scatterpf") && II.arg_size() == 5) {
      S.Kind = SiteKind::X86Scatter;
      break;
    }
    if (Name == "llvm.x86.sse2.maskmov.dqu" || Name == "llvm.x86.mmx.maskmovq") {
      S.Kind = SiteKind::WholeVector;
      S.Ptr = II.getArgOperand(2);
      S.Size = storeSize(DL, II.getArgOperand(0)->getType());
      break;
    }
    return false;
  }
  if (S.Kind == SiteKind::WholeVector && S.Size == 0)
    return false;  // scalable vector: not supported (no scalable vectors on x86)
  Out.Sites.push_back(S);
  return true;
}
} // namespace

const char *kindName(SiteKind K) {
  switch (K) {
  case SiteKind::Store: return "store";
  case SiteKind::AtomicRMW: return "atomicrmw";
  case SiteKind::CmpXchg: return "cmpxchg";
  case SiteKind::MemIntrinsic: return "mem-intrinsic";
  case SiteKind::MaskedStore: return "masked-store";
  case SiteKind::CompressStore: return "compress-store";
  case SiteKind::MaskedScatter: return "scatter";
  case SiteKind::WholeVector: return "vector-store-intrinsic";
  case SiteKind::X86Scatter: return "x86-scatter";
  case SiteKind::LibCall: return "libcall";
  }
  return "?";
}

const char *dispositionName(Disposition D) {
  switch (D) {
  case Disposition::Instrument: return "instrument";
  case Disposition::SkipStack: return "skip-stack";
  case Disposition::SkipConstGlobal: return "skip-constant-global";
  case Disposition::SkipGlobal: return "skip-global";
  case Disposition::SkipAddrSpace: return "skip-address-space";
  case Disposition::Merged: return "merged";
  case Disposition::InLoopRange: return "loop-range";
  }
  return "?";
}

void collectWriteSites(Function &F, const TargetLibraryInfoImpl &TLII, CollectedSites &Out) {
  const DataLayout &DL = F.getParent()->getDataLayout();
  for (BasicBlock &BB : F) {
    for (Instruction &I : BB) {
      // One contiguous write of the value's store size through the pointer operand.
      auto addPointerWrite = [&](SiteKind Kind, Value *Ptr, Type *ValueTy) {
        WriteSite S;
        S.I = &I;
        S.Kind = Kind;
        S.Ptr = Ptr;
        S.Size = storeSize(DL, ValueTy);
        Out.Sites.push_back(S);
      };
      if (auto *SI = dyn_cast<StoreInst>(&I)) {
        addPointerWrite(SiteKind::Store, SI->getPointerOperand(), SI->getValueOperand()->getType());
      } else if (auto *RMW = dyn_cast<AtomicRMWInst>(&I)) {
        addPointerWrite(SiteKind::AtomicRMW, RMW->getPointerOperand(), RMW->getValOperand()->getType());
      } else if (auto *CX = dyn_cast<AtomicCmpXchgInst>(&I)) {
        addPointerWrite(SiteKind::CmpXchg, CX->getPointerOperand(), CX->getNewValOperand()->getType());
      } else if (auto *II = dyn_cast<IntrinsicInst>(&I)) {
        if (!collectIntrinsic(*II, DL, Out) && !II->onlyReadsMemory() &&
            !isHarmlessWritingIntrinsic(*II)) {
          ++Out.UnknownIntrinsics;
          if (OptDebug)
            errs() << "snapshot-instrument: " << F.getName() << ": unhandled writing intrinsic "
                   << II->getCalledFunction()->getName() << "\n";
        }
      } else if (auto *CB = dyn_cast<CallBase>(&I)) {
        if (CB->isInlineAsm()) {
          if (!CB->onlyReadsMemory()) {
            ++Out.InlineAsmWrites;
            if (OptDebug)
              errs() << "snapshot-instrument: " << F.getName()
                     << ": inline asm may write memory (not instrumentable)\n";
          }
        } else if (const LibCallSpec *Spec = matchLibCall(*CB, TLII)) {
          if (!CB->isMustTailCall()) {  // nothing may follow a musttail call
            WriteSite S;
            S.I = &I;
            S.Kind = SiteKind::LibCall;
            S.Lib = Spec;
            S.Ptr = Spec->Dst >= 0 ? CB->getArgOperand(Spec->Dst) : nullptr;
            Out.Sites.push_back(S);
          }
        }
      }
    }
  }
}
} // namespace snapshot
