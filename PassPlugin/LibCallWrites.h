// Everything the pass knows about C library functions that write through a pointer: which ones
// (the table in LibCallWrites.cpp), which argument is the destination, and which extents a call
// wrote, computed after the call from its arguments and result (writtenExtents). The emitter
// only records the extents it is handed. Recognition goes through LLVM's LibFunc table (with its
// prototype check) where LLVM knows the function, and through our own name + shape check for the
// rest (recv, explicit_bzero, glibc's _FORTIFY_SOURCE __*_chk variants, ...).
#pragma once
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/IRBuilder.h"
#include <functional>
#include <vector>

namespace llvm {
class CallBase;
class TargetLibraryInfoImpl;
} // namespace llvm

namespace snapshot {
enum class LibRange {
  RetBytes,       // dst, ret bytes if ret > 0                         (read, pread, recv, ...)
  ArgBytes,       // dst, arg[A] bytes                                  (strncpy, bzero, memset, ...)
  ArgProduct,     // dst, arg[A] * arg[B] bytes                         (qsort)
  FreadItems,     // dst, arg[A] * min(ret + 1, arg[B]) bytes (a partial last item is written too)
  CString,        // strlen(dst) + 1 after the call                     (strcpy, strcat, ...)
  Fgets,          // ret ? strlen(dst) + 1 : arg[A] bytes (contents indeterminate on error)
  Sprintf,        // ret >= 0 ? ret + 1 : strlen(dst) + 1 (ret counts embedded NULs)
  Snprintf,       // n = arg[A]: n == 0 ? 0 : ret < 0 ? n : min(ret, n - 1) + 1
  Memccpy,        // ret ? ret - dst : arg[A]
  RetCString,     // ret ? strlen(ret) + 1 (strtok family: the NUL lands at the end of the token)
  Recvfrom,       // RetBytes, plus the address buffer and its length when arg[A]/arg[B] are set
  Fixed,          // dst, A bytes (A is the byte count itself: libatomic's __atomic_*_N)
};

struct LibCallSpec {
  const char *Name;
  LibRange Range;
  int Dst;          // destination pointer argument (-1: none, RetCString)
  int A, B;         // extra argument indices, -1 unused (Fixed: A is the byte count)
  int Slot;         // pointer argument also written as a pointer-sized slot (strtok_r's saveptr), -1
  unsigned MinArgs; // shape check for names LLVM's LibFunc table does not know
};

// The spec for this call site, or null. Calls the module defines itself are instrumented in
// their own body and return null here.
const LibCallSpec *matchLibCall(const llvm::CallBase &CB, const llvm::TargetLibraryInfoImpl &TLII);

// One extent a call wrote.
struct WrittenExtent {
  llvm::Value *When = nullptr;  // i1: written only if true (false, with Unless); null: always
  bool Unless = false;
  llvm::Value *Dst;             // first byte written
  // The byte count, built behind the When test (it may load through a pointer the test checks
  // for null); null for a C string: strlen(Dst) + 1, measured by the runtime.
  std::function<llvm::Value *(llvm::IRBuilder<> &)> Len;
};

// The extents CB (matched as L) wrote, per L.Range. Conditions are built with B, which must be
// positioned after the call; IntPtr is the target's size_t. Extents with the same condition are
// adjacent, the one for true first.
std::vector<WrittenExtent> writtenExtents(llvm::CallBase &CB, const LibCallSpec &L,
                                          llvm::IRBuilder<> &B, llvm::Type *IntPtr);
} // namespace snapshot
