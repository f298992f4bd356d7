// The runtime side of snapshot_abi.h as seen from IR: the image's copy of the working range (with
// the constructor and destructor that register it), the record entry points, and the ABI stamp.
// Everything is created on first use, so a module that needs no instrumentation is left untouched
// and links without libsnapshot.
#pragma once
#include "llvm/IR/IRBuilder.h"

namespace snapshot {
class RuntimeABI {
public:
  explicit RuntimeABI(llvm::Module &M);
  // Addresses of the base and size fields of the image's hidden range copy.
  llvm::Constant *workingBase();
  llvm::Constant *workingSize();
  // __snapshot_record_N for N in {1,2,4,...,64}, or null for other sizes.
  llvm::FunctionCallee recordFixed(uint64_t Size);
  llvm::FunctionCallee record();         // (ptr, size_t)
  llvm::FunctionCallee recordCString();  // (ptr)
  // Emits a call to one of the above with the callee's calling convention.
  llvm::CallInst *call(llvm::IRBuilder<> &B, llvm::FunctionCallee F,
                       llvm::ArrayRef<llvm::Value *> Args);
  llvm::Type *intPtrTy() const { return IntPtrTy; }
  llvm::Type *bytePtrTy() const { return BytePtrTy; }
  bool used() const { return Used; }
  // References __snapshot_abi_version_N from a hidden, retained global so that linking an
  // instrumented object against another ABI fails. Call once, only if the module was changed.
  void stampVersion();

private:
  llvm::FunctionCallee declare(llvm::StringRef Name, llvm::ArrayRef<llvm::Type *> Params);
  llvm::FunctionCallee preserveMostThunk(llvm::FunctionCallee Real);
  llvm::GlobalVariable *rangeCopy();
  void registrationHook(llvm::StringRef Name, llvm::StringRef RuntimeFn, bool Ctor);
  llvm::Module &M;
  llvm::Type *IntPtrTy, *BytePtrTy;
  llvm::StructType *RangeTy = nullptr;
  llvm::GlobalVariable *Range = nullptr;
  bool Used = false;
};
} // namespace snapshot
