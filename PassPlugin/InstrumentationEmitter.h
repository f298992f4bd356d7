// Turns planned write sites into IR:
//
//   %size = load @__snapshot_range.size         ; the image's copy (RuntimeABI)
//   %any  = icmp ne %size, 0                      ; anything mapped in this process at all?
//   br %any, label %mapped, label %cont
// mapped:
//   %off = sub (ptrtoint %addr), load @__snapshot_range.base
//   %in  = icmp ult %off, %size
//   br %in, label %record, label %cont, !prof {1, 2^20-1}     ; unlikely
// record:
//   call @__snapshot_record_N(%addr)  (or __snapshot_record(%addr, %len), _cstring(%addr))
//
// always after the write, never before it. A commit may run on another thread (a flusher) or in
// a signal handler at any point: it takes the dirty bits it finds and copies those lines. A record
// made before its write could have its bit taken, and the old bytes copied, before the write
// lands; the new bytes would then be in no later commit until the line is written again. Recorded
// after, a commit either sees the bit with the new bytes in place (the runtime orders its test of
// the bit after the write, record.c) or misses both and the next commit takes them. Loop ranges
// likewise go on the loop's exit edge (and a loop that releases gets none: LoopPlanner.h). An
// atomic write is recorded before it as well: another thread may read it the moment it lands and
// then commit, so its line must be dirty by then; the record after covers a commit that took the
// bit in between.
// Every inserted instruction carries the site's debug location.
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
  // Call per function.
  void beginFunction() {
    LoopBounds.clear();
  }
  // Loop ranges: first expand every range (SCEV must see the function unchanged), then emit.
  struct ExpandedRange {
    llvm::Value *Lo, *Len;
    llvm::Value *Stride = nullptr, *Count = nullptr;  // strided shapes only
  };
  ExpandedRange expandLoopRange(const LoopRange &R, llvm::ScalarEvolution &SE);
  void emitLoopRange(const LoopRange &R, ExpandedRange E);
  void emitObjectFlag(ObjectFlag &F);
  // `size != 0` at InsertPt: has this process mapped anything (loop versioning's gate)?
  llvm::Value *anyMapped(llvm::Instruction *InsertPt);
  void emitSite(WriteSite &S, const std::vector<ObjectFlag> &Flags);
  unsigned checksEmitted() const { return Checks; }

private:
  struct RangeValues {
    llvm::Value *Base, *Size;
  };
  // The range values a check at InsertPt uses: the size, loaded once per loop preheader for sites
  // in commit-free loops and at the site otherwise; the base is left null (the check loads it
  // behind the size test).
  RangeValues bounds(const WriteSite *S, llvm::Instruction *InsertPt, const llvm::DebugLoc &Loc);
  RangeValues loadBounds(llvm::Instruction *InsertPt, const llvm::DebugLoc &Loc);
  // Inline check at InsertPt on Addr; returns the terminator of the (unlikely) record block.
  llvm::Instruction *check(llvm::Value *Addr, RangeValues RV, llvm::Instruction *InsertPt, const llvm::DebugLoc &Loc);
  void recordFixed(llvm::Value *Addr, uint64_t Size, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  void recordLen(llvm::Value *Addr, llvm::Value *Len, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  void recordCString(llvm::Value *Addr, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  // Before At: Count records of Width bytes at Lo + k * Stride (k = 0 .. Count-1), unchecked (the
  // caller checked Lo: every chunk lies in Lo's object).
  void recordChunks(const LoopRange &R, ExpandedRange E, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  // The lane-wise kinds: their checks and records before At (just after the write).
  void emitMasked(WriteSite &S, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  void emitScatter(WriteSite &S, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  void emitX86Scatter(WriteSite &S, RangeValues RV, llvm::Instruction *At, const llvm::DebugLoc &Loc);
  void emitLibCall(WriteSite &S, const llvm::DebugLoc &Loc);
  llvm::Instruction *afterWrite(llvm::Instruction &I);

  RuntimeABI &ABI;
  llvm::DenseMap<llvm::Instruction *, RangeValues> LoopBounds; // per preheader terminator
  unsigned Checks = 0;
};
} // namespace snapshot
