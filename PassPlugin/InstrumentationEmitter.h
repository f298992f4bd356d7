// Turns planned write sites into IR:
//
//   %off = sub (ptrtoint %addr), @__snapshot_working_base
//   %in  = icmp ult %off, @__snapshot_working_size
//   br %in, label %record, label %cont, !prof {1, 2^20-1}     ; unlikely
// record:
//   call @__snapshot_record_N(%addr)  (or __snapshot_record(%addr, %len), _cstring(%addr))
//
// before the write (stores, atomics, intrinsics) or after it (library calls, whose extent is
// known only from their result). Every inserted instruction carries the site's debug location.
#pragma once
#include "LoopPlanner.h"
#include "ObjectFlags.h"
#include "RuntimeABI.h"
#include "WriteSite.h"
#include "llvm/ADT/DenseMap.h"

namespace llvm {
class ScalarEvolution;
}

namespace snapshot {
class InstrumentationEmitter {
public:
  explicit InstrumentationEmitter(RuntimeABI &ABI) : ABI(ABI) {}
  // Call per function; sites must be in program order (the first site of a segment loads the
  // range globals for the rest of it).
  void beginFunction() {
    Bounds.clear();
    LoopBounds.clear();
  }
  // Loop ranges: first expand every range (SCEV must see the function unchanged), then emit.
  struct ExpandedRange {
    llvm::Value *Lo, *Len;
  };
  ExpandedRange expandLoopRange(const LoopRange &R, llvm::ScalarEvolution &SE);
  void emitLoopRange(const LoopRange &R, ExpandedRange E);
  void emitObjectFlag(ObjectFlag &F);
  void emitSite(WriteSite &S, const std::vector<ObjectFlag> &Flags);
  unsigned checksEmitted() const { return Checks; }

private:
  struct RangeValues {
    llvm::Value *Base, *Size;
  };
  // Loads of the range globals valid at InsertPt (cached per segment / per loop preheader).
  RangeValues bounds(const WriteSite *S, llvm::Instruction *InsertPt);
  RangeValues loadBounds(llvm::Instruction *InsertPt);
  // Inline check at InsertPt on Addr; returns the terminator of the (unlikely) record block.
  llvm::Instruction *check(llvm::Value *Addr, RangeValues RV, llvm::Instruction *InsertPt);
  llvm::DebugLoc Loc;  // of the site being emitted
  void recordFixed(llvm::Value *Addr, uint64_t Size, RangeValues RV, llvm::Instruction *At);
  void recordLen(llvm::Value *Addr, llvm::Value *Len, RangeValues RV, llvm::Instruction *At);
  void recordCString(llvm::Value *Addr, RangeValues RV, llvm::Instruction *At);
  void emitMasked(WriteSite &S, RangeValues RV);
  void emitScatter(WriteSite &S, RangeValues RV);
  void emitX86Scatter(WriteSite &S, RangeValues RV);
  void emitLibCall(WriteSite &S);
  llvm::Instruction *afterCall(llvm::CallBase &CB);

  RuntimeABI &ABI;
  llvm::DenseMap<unsigned, RangeValues> Bounds;               // per segment
  llvm::DenseMap<llvm::Instruction *, RangeValues> LoopBounds; // per preheader terminator
  unsigned Checks = 0;
};
} // namespace snapshot
