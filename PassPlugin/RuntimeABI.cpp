#include "RuntimeABI.h"

#include "snapshot_abi.h"

#include "llvm/ADT/Triple.h"
#include "llvm/ADT/Twine.h"
#include "Options.h"

#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace llvm;

namespace snapshot {
RuntimeABI::RuntimeABI(Module &M) : M(M) {
  LLVMContext &C = M.getContext();
  IntPtrTy = M.getDataLayout().getIntPtrType(C);
  BytePtrTy = Type::getInt8PtrTy(C);
}

// Names shared with the runtime (snapshot_abi.h).
static const char *RangeName = "__snapshot_range";
static const char *RangeCtorName = "__snapshot_range.register";
static const char *RangeDtorName = "__snapshot_range.unregister";
// Constructor priority: before ordinary constructors (65535) and C++ init_priority (101..65535),
// so an image's own constructors already find its copy registered.
static const int RangeHookPriority = 1;

static void putInComdat(Module &M, GlobalObject *GO) {
  if (Triple(M.getTargetTriple()).supportsCOMDAT())
    GO->setComdat(M.getOrInsertComdat(GO->getName()));
}

// The image's copy: hidden, one per linked image (linkonce_odr + comdat), so the checks read it
// PC-relative. Starts as {0, MAX, null}: every write takes the slow path until registration.
GlobalVariable *RuntimeABI::rangeCopy() {
  Used = true;
  if (Range)
    return Range;
  LLVMContext &C = M.getContext();
  RangeTy = StructType::get(C, {IntPtrTy, IntPtrTy, Type::getInt8PtrTy(C)});
  Range = M.getNamedGlobal(RangeName);
  if (!Range) {
    Constant *Init = ConstantStruct::get(
        RangeTy, {ConstantInt::get(IntPtrTy, 0), ConstantInt::getAllOnesValue(IntPtrTy),
                  ConstantPointerNull::get(Type::getInt8PtrTy(C))});
    Range = new GlobalVariable(M, RangeTy, /*isConstant=*/false, GlobalValue::LinkOnceODRLinkage,
                               Init, RangeName);
    Range->setVisibility(GlobalValue::HiddenVisibility);
    Range->setAlignment(Align(64));  // base and size in one line, alone
    putInComdat(M, Range);
    registrationHook(RangeCtorName, "__snapshot_register_range", /*Ctor=*/true);
    registrationHook(RangeDtorName, "__snapshot_unregister_range", /*Ctor=*/false);
  }
  return Range;
}

// A linkonce_odr constructor (or destructor) calling the runtime with the copy's address. Keyed
// by its own comdat, so a linked image runs it once however many modules carry it.
void RuntimeABI::registrationHook(StringRef Name, StringRef RuntimeFn, bool Ctor) {
  LLVMContext &C = M.getContext();
  FunctionCallee Fn = M.getOrInsertFunction(
      RuntimeFn, FunctionType::get(Type::getVoidTy(C), {Range->getType()}, false));
  auto *Hook = Function::Create(FunctionType::get(Type::getVoidTy(C), false),
                                GlobalValue::LinkOnceODRLinkage, Name, M);
  Hook->setVisibility(GlobalValue::HiddenVisibility);
  Hook->addFnAttr(Attribute::NoUnwind);
  putInComdat(M, Hook);
  IRBuilder<> B(BasicBlock::Create(C, "", Hook));
  B.CreateCall(Fn, {Range});
  B.CreateRetVoid();
  if (Ctor)
    appendToGlobalCtors(M, Hook, RangeHookPriority, Hook);
  else
    appendToGlobalDtors(M, Hook, RangeHookPriority, Hook);
}

Constant *RuntimeABI::workingBase() {
  GlobalVariable *R = rangeCopy();
  return ConstantExpr::getInBoundsGetElementPtr(
      RangeTy, R, ArrayRef<Constant *>{ConstantInt::get(Type::getInt32Ty(M.getContext()), 0),
                                       ConstantInt::get(Type::getInt32Ty(M.getContext()), 0)});
}

Constant *RuntimeABI::workingSize() {
  GlobalVariable *R = rangeCopy();
  return ConstantExpr::getInBoundsGetElementPtr(
      RangeTy, R, ArrayRef<Constant *>{ConstantInt::get(Type::getInt32Ty(M.getContext()), 0),
                                       ConstantInt::get(Type::getInt32Ty(M.getContext()), 1)});
}

FunctionCallee RuntimeABI::declare(StringRef Name, ArrayRef<Type *> Params) {
  Used = true;
  FunctionType *FT = FunctionType::get(Type::getVoidTy(M.getContext()), Params, false);
  FunctionCallee FC = M.getOrInsertFunction(Name, FT);
  // The record functions never unwind, so a plain call is valid inside any EH region.
  if (auto *F = dyn_cast<Function>(FC.getCallee()))
    F->addFnAttr(Attribute::NoUnwind);
  return OptPreserveMost ? preserveMostThunk(FC) : FC;
}

// The record call sits on a cold path inside hot code. With the C convention it clobbers every
// caller-saved register, so values live across it (loop counters, pointers) must sit in the six
// callee-saved registers or be spilled, on the hot path too. A per-module thunk with LLVM's
// preserve_most convention (callee saves all general registers but r11) keeps the hot path's
// register allocation as if there were no call; the thunk saves what the C function may clobber.
// The runtime ABI is unchanged: the thunk calls the C entry point.
FunctionCallee RuntimeABI::preserveMostThunk(FunctionCallee Real) {
  auto *RealF = cast<Function>(Real.getCallee());
  std::string Name = (RealF->getName() + ".pm").str();
  if (Function *T = M.getFunction(Name))
    return FunctionCallee(T->getFunctionType(), T);
  Function *T = Function::Create(Real.getFunctionType(), GlobalValue::LinkOnceODRLinkage, Name, M);
  T->setCallingConv(CallingConv::PreserveMost);
  T->setVisibility(GlobalValue::HiddenVisibility);
  putInComdat(M, T);
  T->addFnAttr(Attribute::NoUnwind);
  T->addFnAttr(Attribute::NoInline);
  BasicBlock *BB = BasicBlock::Create(M.getContext(), "", T);
  IRBuilder<> B(BB);
  SmallVector<Value *, 2> Args;
  for (Argument &A : T->args())
    Args.push_back(&A);
  B.CreateCall(Real, Args);
  B.CreateRetVoid();
  return FunctionCallee(T->getFunctionType(), T);
}

CallInst *RuntimeABI::call(IRBuilder<> &B, FunctionCallee F, ArrayRef<Value *> Args) {
  CallInst *CI = B.CreateCall(F, Args);
  if (auto *Fn = dyn_cast<Function>(F.getCallee()))
    CI->setCallingConv(Fn->getCallingConv());
  return CI;
}

FunctionCallee RuntimeABI::recordFixed(uint64_t Size) {
  switch (Size) {
  case 1: case 2: case 4: case 8: case 16: case 32: case 64:
    return declare(("__snapshot_record_" + Twine(Size)).str(), {BytePtrTy});
  default:
    return FunctionCallee();
  }
}

FunctionCallee RuntimeABI::record() { return declare("__snapshot_record", {BytePtrTy, IntPtrTy}); }

FunctionCallee RuntimeABI::recordCString() {
  return declare("__snapshot_record_cstring", {BytePtrTy});
}

void RuntimeABI::stampVersion() {
  static_assert(SNAPSHOT_ABI_VERSION == 3, "update the version symbol name below");
  LLVMContext &C = M.getContext();
  const char *VersionSym = "__snapshot_abi_version_3";
  GlobalVariable *Ver = M.getNamedGlobal(VersionSym);
  if (!Ver)
    Ver = new GlobalVariable(M, Type::getInt32Ty(C), /*isConstant=*/true,
                             GlobalValue::ExternalLinkage, nullptr, VersionSym);
  const char *RefName = "__snapshot_abi_ref";
  if (M.getNamedGlobal(RefName))
    return;
  // linkonce_odr + comdat: one copy per linked image; hidden: never exported; llvm.used: kept
  // (and marked retained) even with --gc-sections, so the undefined reference reaches the linker.
  Constant *Init = ConstantExpr::getPointerCast(Ver, Type::getInt8PtrTy(C));
  auto *Ref = new GlobalVariable(M, Init->getType(), /*isConstant=*/true,
                                 GlobalValue::LinkOnceODRLinkage, Init, RefName);
  Ref->setVisibility(GlobalValue::HiddenVisibility);
  putInComdat(M, Ref);
  appendToUsed(M, {Ref});
}
} // namespace snapshot
