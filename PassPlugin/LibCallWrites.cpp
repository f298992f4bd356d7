// Table of C library functions that write through a pointer argument, and their recognition.
#include "LibCallWrites.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"
#include <iterator>
#include <string>
#include <vector>

using namespace llvm;

namespace snapshot {
namespace {
// Name, range rule, dst, A, B, slot, minimum argument count. The __*_chk entries are the glibc
// _FORTIFY_SOURCE forms (Debian builds packages with -D_FORTIFY_SOURCE=2), with shifted indices.
const LibCallSpec Table[] = {
    {"read", LibRange::RetBytes, 1, -1, -1, -1, 3},
    {"__read_chk", LibRange::RetBytes, 1, -1, -1, -1, 4},
    {"pread", LibRange::RetBytes, 1, -1, -1, -1, 4},
    {"pread64", LibRange::RetBytes, 1, -1, -1, -1, 4},
    {"__pread_chk", LibRange::RetBytes, 1, -1, -1, -1, 5},
    {"__pread64_chk", LibRange::RetBytes, 1, -1, -1, -1, 5},
    {"recv", LibRange::RetBytes, 1, -1, -1, -1, 4},
    {"__recv_chk", LibRange::RetBytes, 1, -1, -1, -1, 5},
    {"recvfrom", LibRange::Recvfrom, 1, 4, 5, -1, 6},
    {"__recvfrom_chk", LibRange::Recvfrom, 1, 5, 6, -1, 7},
    {"readlink", LibRange::RetBytes, 1, -1, -1, -1, 3},
    {"__readlink_chk", LibRange::RetBytes, 1, -1, -1, -1, 4},
    {"readlinkat", LibRange::RetBytes, 2, -1, -1, -1, 4},
    {"fread", LibRange::FreadItems, 0, 1, 2, -1, 4},
    {"fread_unlocked", LibRange::FreadItems, 0, 1, 2, -1, 4},
    {"__fread_chk", LibRange::FreadItems, 0, 2, 3, -1, 5},
    {"__fread_unlocked_chk", LibRange::FreadItems, 0, 2, 3, -1, 5},
    {"fgets", LibRange::Fgets, 0, 1, -1, -1, 3},
    {"fgets_unlocked", LibRange::Fgets, 0, 1, -1, -1, 3},
    {"__fgets_chk", LibRange::Fgets, 0, 2, -1, -1, 4},
    {"__fgets_unlocked_chk", LibRange::Fgets, 0, 2, -1, -1, 4},
    {"strcpy", LibRange::CString, 0, -1, -1, -1, 2},
    {"__strcpy_chk", LibRange::CString, 0, -1, -1, -1, 3},
    {"stpcpy", LibRange::CString, 0, -1, -1, -1, 2},
    {"__stpcpy_chk", LibRange::CString, 0, -1, -1, -1, 3},
    {"strcat", LibRange::CString, 0, -1, -1, -1, 2},
    {"__strcat_chk", LibRange::CString, 0, -1, -1, -1, 3},
    {"strncat", LibRange::CString, 0, -1, -1, -1, 3},
    {"__strncat_chk", LibRange::CString, 0, -1, -1, -1, 4},
    {"strncpy", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__strncpy_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"stpncpy", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__stpncpy_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"sprintf", LibRange::Sprintf, 0, -1, -1, -1, 2},
    {"vsprintf", LibRange::Sprintf, 0, -1, -1, -1, 3},
    {"__sprintf_chk", LibRange::Sprintf, 0, -1, -1, -1, 4},
    {"__vsprintf_chk", LibRange::Sprintf, 0, -1, -1, -1, 5},
    {"snprintf", LibRange::Snprintf, 0, 1, -1, -1, 3},
    {"vsnprintf", LibRange::Snprintf, 0, 1, -1, -1, 4},
    {"__snprintf_chk", LibRange::Snprintf, 0, 1, -1, -1, 5},
    {"__vsnprintf_chk", LibRange::Snprintf, 0, 1, -1, -1, 6},
    {"memccpy", LibRange::Memccpy, 0, 3, -1, -1, 4},
    {"bzero", LibRange::ArgBytes, 0, 1, -1, -1, 2},
    {"explicit_bzero", LibRange::ArgBytes, 0, 1, -1, -1, 2},
    {"__explicit_bzero_chk", LibRange::ArgBytes, 0, 1, -1, -1, 3},
    {"memset", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__memset_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"memcpy", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__memcpy_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"memmove", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__memmove_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"mempcpy", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"__mempcpy_chk", LibRange::ArgBytes, 0, 2, -1, -1, 4},
    {"strxfrm", LibRange::ArgBytes, 0, 2, -1, -1, 3},
    {"qsort", LibRange::ArgProduct, 0, 1, 2, -1, 4},
    {"strtok", LibRange::RetCString, -1, -1, -1, -1, 2},
    {"strtok_r", LibRange::RetCString, -1, -1, -1, 2, 3},
    {"strsep", LibRange::RetCString, -1, -1, -1, 0, 2},
};

// libatomic, called by clang for atomics it cannot inline (oversized, or unaligned 16-byte
// operations without -mcx16). Generic forms take the size first: __atomic_store(size, ptr, ...).
const LibCallSpec AtomicGeneric[] = {
    {"__atomic_store", LibRange::ArgBytes, 1, 0, -1, -1, 4},
    {"__atomic_exchange", LibRange::ArgBytes, 1, 0, -1, -1, 5},
    {"__atomic_compare_exchange", LibRange::ArgBytes, 1, 0, -1, -1, 6},
};

const StringMap<const LibCallSpec *> &byName() {
  static std::vector<std::string> Names;  // storage for the generated __atomic_*_N names
  static std::vector<LibCallSpec> Sized;
  static const StringMap<const LibCallSpec *> Map = [] {
    StringMap<const LibCallSpec *> M;
    for (const LibCallSpec &S : Table)
      M[S.Name] = &S;
    for (const LibCallSpec &S : AtomicGeneric)
      M[S.Name] = &S;
    const char *Ops[] = {"store", "exchange", "compare_exchange", "fetch_add", "fetch_sub",
                         "fetch_and", "fetch_or", "fetch_xor", "fetch_nand", "add_fetch",
                         "sub_fetch", "and_fetch", "or_fetch", "xor_fetch", "nand_fetch"};
    const int Sizes[] = {1, 2, 4, 8, 16};
    Names.reserve(std::size(Ops) * std::size(Sizes));
    Sized.reserve(std::size(Ops) * std::size(Sizes));
    for (const char *Op : Ops)
      for (int N : Sizes) {
        Names.push_back(std::string("__atomic_") + Op + "_" + std::to_string(N));
        Sized.push_back({Names.back().c_str(), LibRange::Fixed, 0, N, -1, -1, 2});
        M[Names.back()] = &Sized.back();
      }
    return M;
  }();
  return Map;
}

bool isPtrArg(const CallBase &CB, int Idx) {
  return Idx < 0 || CB.getArgOperand(Idx)->getType()->isPointerTy();
}
bool isIntArg(const CallBase &CB, int Idx) {
  return Idx < 0 || CB.getArgOperand(Idx)->getType()->isIntegerTy();
}

// The shape the range computation relies on (so odd user functions with a libc name but another
// signature are left alone rather than mis-computed).
bool hasShape(const CallBase &CB, const LibCallSpec &S) {
  if (CB.arg_size() < S.MinArgs || !isPtrArg(CB, S.Dst) || !isPtrArg(CB, S.Slot))
    return false;
  Type *Ret = CB.getType();
  switch (S.Range) {
  case LibRange::RetBytes:
    return Ret->isIntegerTy();
  case LibRange::Recvfrom:
    return Ret->isIntegerTy() && isPtrArg(CB, S.A) && isPtrArg(CB, S.B);
  case LibRange::ArgBytes:
  case LibRange::Snprintf:
    return isIntArg(CB, S.A) && (S.Range != LibRange::Snprintf || Ret->isIntegerTy());
  case LibRange::ArgProduct:
    return isIntArg(CB, S.A) && isIntArg(CB, S.B);
  case LibRange::FreadItems:
    return Ret->isIntegerTy() && isIntArg(CB, S.A) && isIntArg(CB, S.B);
  case LibRange::CString:
  case LibRange::Fixed:
    return true;
  case LibRange::Fgets:
    return Ret->isPointerTy() && isIntArg(CB, S.A);
  case LibRange::Sprintf:
    return Ret->isIntegerTy();
  case LibRange::Memccpy:
    return Ret->isPointerTy() && isIntArg(CB, S.A);
  case LibRange::RetCString:
    return Ret->isPointerTy();
  }
  return false;
}
} // namespace

const LibCallSpec *matchLibCall(const CallBase &CB, const TargetLibraryInfoImpl &TLII) {
  const Function *F = CB.getCalledFunction();
  if (!F || F->isIntrinsic() || !F->isDeclaration())
    return nullptr;
  auto It = byName().find(F->getName());
  if (It == byName().end())
    return nullptr;
  const LibCallSpec &S = *It->second;
  // Where LLVM's LibFunc table knows the name, its prototype check must agree (a function that
  // merely shares a libc name is the program's own and is instrumented in its own body). For the
  // names LLVM does not know, our shape check below is the prototype check.
  LibFunc LF;
  if (TLII.getLibFunc(F->getName(), LF) && !TLII.getLibFunc(*F, LF))
    return nullptr;
  return hasShape(CB, S) ? &S : nullptr;
}

std::vector<WrittenExtent> writtenExtents(CallBase &CB, const LibCallSpec &L, IRBuilder<> &B,
                                          Type *IntPtr) {
  auto Arg = [&](int K) { return CB.getArgOperand(K); };
  auto IntArg = [&](int K) { return B.CreateZExtOrTrunc(Arg(K), IntPtr); };
  auto Bytes = [](Value *V) { return [V](IRBuilder<> &) { return V; }; };
  Value *Zero = ConstantInt::get(IntPtr, 0), *One = ConstantInt::get(IntPtr, 1);
  Value *Dst = L.Dst >= 0 ? Arg(L.Dst) : nullptr;
  switch (L.Range) {
  case LibRange::RetBytes:
  case LibRange::Recvfrom: {
    Value *Ret = B.CreateSExtOrTrunc(&CB, IntPtr);
    std::vector<WrittenExtent> Out{
        {nullptr, false, Dst, Bytes(B.CreateSelect(B.CreateICmpSGT(Ret, Zero), Ret, Zero))}};
    if (L.Range == LibRange::Recvfrom) {
      // The source address lands in arg A, its length (socklen_t, updated) in *arg B.
      Value *AddrP = Arg(L.A), *LenP = Arg(L.B);
      Value *HaveAddr = B.CreateIsNotNull(AddrP);
      Value *HaveLen = B.CreateIsNotNull(LenP);
      Value *Both = B.CreateAnd(HaveAddr, HaveLen);
      Out.push_back({Both, false, AddrP, [LenP, IntPtr](IRBuilder<> &G) {
                       Type *I32 = G.getInt32Ty();
                       Value *AL = G.CreateLoad(I32, G.CreatePointerCast(LenP, I32->getPointerTo()));
                       return G.CreateZExt(AL, IntPtr);
                     }});
      Out.push_back({Both, false, LenP, Bytes(ConstantInt::get(IntPtr, 4))});
    }
    return Out;
  }
  case LibRange::ArgBytes:
    return {{nullptr, false, Dst, Bytes(IntArg(L.A))}};
  case LibRange::Fixed:
    return {{nullptr, false, Dst, Bytes(ConstantInt::get(IntPtr, uint64_t(L.A)))}};
  case LibRange::ArgProduct: {
    Value *Count = IntArg(L.A);
    Value *Size = IntArg(L.B);
    return {{nullptr, false, Dst, Bytes(B.CreateMul(Count, Size))}};
  }
  case LibRange::FreadItems: {
    Value *Ret = B.CreateZExtOrTrunc(&CB, IntPtr);
    Value *NMemb = IntArg(L.B);
    Value *Next = B.CreateAdd(Ret, One);
    Value *Items = B.CreateSelect(B.CreateICmpULT(Next, NMemb), Next, NMemb);
    Value *Size = IntArg(L.A);
    return {{nullptr, false, Dst, Bytes(B.CreateMul(Size, Items))}};
  }
  case LibRange::CString:
    return {{nullptr, false, Dst, nullptr}};
  case LibRange::Fgets: {
    Value *N = B.CreateSExtOrTrunc(Arg(L.A), IntPtr);
    Value *Whole = B.CreateSelect(B.CreateICmpSGT(N, Zero), N, Zero);
    Value *Ok = B.CreateIsNotNull(&CB);
    // On error the contents are indeterminate: take the whole buffer.
    return {{Ok, false, Dst, nullptr}, {Ok, true, Dst, Bytes(Whole)}};
  }
  case LibRange::Sprintf: {
    Value *Ret = B.CreateSExtOrTrunc(&CB, IntPtr);
    Value *Ok = B.CreateICmpSGE(Ret, Zero);
    // ret counts embedded NULs, the + 1 is the terminating NUL.
    return {{Ok, false, Dst, [Ret, One](IRBuilder<> &G) { return G.CreateAdd(Ret, One); }},
            {Ok, true, Dst, nullptr}};
  }
  case LibRange::Snprintf: {
    Value *N = IntArg(L.A);
    Value *Ret = B.CreateSExtOrTrunc(&CB, IntPtr);
    Value *NM1 = B.CreateSub(N, One);
    Value *Fit = B.CreateAdd(B.CreateSelect(B.CreateICmpULT(Ret, NM1), Ret, NM1), One);
    Value *Len = B.CreateSelect(B.CreateICmpSLT(Ret, Zero), N, Fit);
    return {{nullptr, false, Dst, Bytes(B.CreateSelect(B.CreateICmpEQ(N, Zero), Zero, Len))}};
  }
  case LibRange::Memccpy: {
    Value *N = IntArg(L.A);
    // (Operands built in separate statements: C++ leaves argument evaluation order open, and
    // the emitted IR should not depend on the host compiler.)
    Value *RetI = B.CreatePtrToInt(&CB, IntPtr);
    Value *DstI = B.CreatePtrToInt(Dst, IntPtr);
    Value *Diff = B.CreateSub(RetI, DstI);
    return {{nullptr, false, Dst, Bytes(B.CreateSelect(B.CreateIsNull(&CB), N, Diff))}};
  }
  case LibRange::RetCString: {
    std::vector<WrittenExtent> Out;
    if (L.Slot >= 0)  // the saved position (strtok_r's saveptr, strsep's *stringp)
      Out.push_back({nullptr, false, Arg(L.Slot),
                     Bytes(ConstantInt::get(
                         IntPtr, CB.getModule()->getDataLayout().getPointerSize()))});
    Out.push_back({B.CreateIsNotNull(&CB), false, &CB, nullptr});
    return Out;
  }
  }
  return {};
}
} // namespace snapshot
