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

} // namespace snapshot
