#include "Filters.h"
#include "Options.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/CaptureTracking.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace snapshot {

SmallPtrSet<const Function *, 8> annotatedOptOuts(Module &M) {
  // llvm.global.annotations = [ { ptr fn, ptr str, ptr file, i32 line, ptr args }, ... ]
  SmallPtrSet<const Function *, 8> Out;
  GlobalVariable *GA = M.getNamedGlobal("llvm.global.annotations");
  if (!GA || !GA->hasInitializer())
    return Out;
  auto *Arr = dyn_cast<ConstantArray>(GA->getInitializer());
  if (!Arr)
    return Out;
  for (const Use &U : Arr->operands()) {
    auto *Entry = dyn_cast<ConstantStruct>(U.get());
    if (!Entry || Entry->getNumOperands() < 2)
      continue;
    auto *Fn = dyn_cast<Function>(Entry->getOperand(0)->stripPointerCasts());
    auto *Str = dyn_cast<GlobalVariable>(Entry->getOperand(1)->stripPointerCasts());
    if (!Fn || !Str || !Str->hasInitializer())
      continue;
    auto *Data = dyn_cast<ConstantDataSequential>(Str->getInitializer());
    if (Data && Data->isCString() && Data->getAsCString() == "snapshot_skip")
      Out.insert(Fn);
  }
  return Out;
}

const char *functionOptOut(const Function &F,
                           const SmallPtrSetImpl<const Function *> &Annotated) {
  if (Annotated.count(&F))
    return "annotate(snapshot_skip)";
  // A naked function is all inline asm; nothing may be inserted into it.
  if (F.hasFnAttribute(Attribute::Naked))
    return "naked";
  // Clang's "do not instrument this function at all" attribute, honoured by every sanitizer.
  if (F.hasFnAttribute(Attribute::DisableSanitizerInstrumentation))
    return "disable_sanitizer_instrumentation";
  // The runtime's own entry points (if ever compiled by this pass) must not call themselves.
  if (F.getName().startswith("__snapshot_"))
    return "runtime";
  return nullptr;
}

bool TargetClassifier::isLocalStack(const Value *Obj) {
  // Allocas and byval copies live on the stack. If the address never escapes, no other code can
  // hand it to a commit either way, and the stack is never a managed working copy.
  if (!isa<AllocaInst>(Obj) && !(isa<Argument>(Obj) && cast<Argument>(Obj)->hasByValAttr()))
    return false;
  auto It = NotCaptured.find(Obj);
  if (It != NotCaptured.end())
    return It->second;
  bool Local = !PointerMayBeCaptured(Obj, /*ReturnCaptures=*/true, /*StoreCaptures=*/true);
  NotCaptured[Obj] = Local;
  return Local;
}

Disposition TargetClassifier::classify(const Value *Ptr) {
  if (Ptr->getType()->getPointerAddressSpace() != 0)
    return Disposition::SkipAddrSpace;
  SmallVector<const Value *, 4> Objs;
  getUnderlyingObjects(Ptr, Objs);
  bool AnyStack = false, AnyConst = false;
  for (const Value *O : Objs) {
    if (isLocalStack(O)) {
      AnyStack = true;
      continue;
    }
    if (auto *GV = dyn_cast<GlobalVariable>(O)) {
      // Globals live in the ELF image or static TLS, never inside the runtime's working
      // reservation (an mmap range the kernel places apart from them).
      if (GV->isConstant()) {
        AnyConst = true;
        continue;
      }
      if (OptSkipGlobals && !GV->hasExternalWeakLinkage())
        continue;
    }
    return Disposition::Instrument;
  }
  if (AnyStack)
    return Disposition::SkipStack;
  return AnyConst ? Disposition::SkipConstGlobal : Disposition::SkipGlobal;
}

namespace {
bool isCoalescable(const WriteSite &S) {
  return writesOneRangeThroughPointer(S.Kind) && S.Size != 0 && S.Disp == Disposition::Instrument;
}
} // namespace

namespace {
// A "group" of one site records exactly the site's own range: keep its own pointer (a cast of the
// group base would be a second user of the address, which costs registers in loops).
template <typename IntervalVec>
void dropSingletons(std::vector<WriteSite> &Sites, IntervalVec &Open) {
  for (auto &Iv : Open)
    if (!Iv.Merged)
      Sites[Iv.Anchor].GroupBase = nullptr;
}
} // namespace

void coalesceSites(std::vector<WriteSite> &Sites, const DataLayout &DL) {
  if (!OptCoalesce)
    return;
  struct Interval {
    Value *Base;
    size_t Anchor;
    bool Merged;  // has more than one member
  };
  SmallVector<Interval, 16> Open;
  unsigned Segment = ~0u;
  for (size_t K = 0; K < Sites.size(); ++K) {
    WriteSite &S = Sites[K];
    if (S.Segment != Segment) {
      dropSingletons(Sites, Open);
      Open.clear();
      Segment = S.Segment;
    }
    if (!isCoalescable(S))
      continue;
    int64_t Off = 0;
    // Inbounds offsets only: every member then lies in the object Base points into, which the
    // object flags (ObjectFlags.h) rely on.
    Value *Base = GetPointerBaseWithConstantOffset(S.Ptr, Off, DL, /*AllowNonInbounds=*/false);
    int64_t End = Off + static_cast<int64_t>(S.Size);
    bool Merged = false;
    for (Interval &Iv : Open) {
      WriteSite &A = Sites[Iv.Anchor];
      // Only a contiguous union: every byte recorded is then written by some site of the group,
      // so the record never reaches past the object being written.
      if (Iv.Base != Base || Off > A.Hi || End < A.Lo)
        continue;
      A.Lo = std::min(A.Lo, Off);
      A.Hi = std::max(A.Hi, End);
      Iv.Merged = true;
      S.Disp = Disposition::Coalesced;
      Merged = true;
      break;
    }
    if (!Merged) {
      S.GroupBase = Base;
      S.Lo = Off;
      S.Hi = End;
      Open.push_back({Base, K, false});
    }
  }
  dropSingletons(Sites, Open);
}
} // namespace snapshot
