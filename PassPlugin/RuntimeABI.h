// The runtime side of snapshot_abi.h as seen from IR: the two range globals, the record entry
// points, and the ABI stamp. Declarations are created on first use, so a module that needs no
// instrumentation is left untouched and links without libsnapshot.
#pragma once
#include "llvm/IR/IRBuilder.h"

namespace snapshot {
class RuntimeABI {
public:
  explicit RuntimeABI(llvm::Module &M);
  llvm::GlobalVariable *workingBase();
  llvm::GlobalVariable *workingSize();
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
  llvm::Module &M;
  llvm::Type *IntPtrTy, *BytePtrTy;
  llvm::GlobalVariable *Base = nullptr, *Size = nullptr;
  bool Used = false;
};
} // namespace snapshot
