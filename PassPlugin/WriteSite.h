// A write site: one instruction that may write memory a working copy could hold, plus what the
// filters decided about it. The collector builds the list for a function before anything is
// changed (instrumentation splits blocks, which would invalidate a walk in progress).
#pragma once
#include "llvm/IR/Instruction.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Value.h"
#include <cstdint>

namespace snapshot {
struct LibCallSpec;

enum class SiteKind {
  Store,          // store (any type, volatile, atomic)
  AtomicRMW,      // atomicrmw
  CmpXchg,        // cmpxchg
  MemIntrinsic,   // llvm.memcpy/memmove/memset (+ .inline, element-wise atomic)
  MaskedStore,    // llvm.masked.store: active lanes between first and last set mask bit
  CompressStore,  // llvm.masked.compressstore: popcount(mask) consecutive elements
  MaskedScatter,  // llvm.masked.scatter / llvm.vp.scatter: one element per active lane
  WholeVector,    // llvm.vp.store, x86 maskstore/maskmov: the full vector width (over-approx.)
  X86Scatter,     // llvm.x86.avx512.[mask.]scatter*: base + index[i] * scale per active lane
  LibCall,        // C library function writing through a pointer argument (recorded after)
};

/// Kinds that write one contiguous range [Ptr, Ptr + Size) through a single pointer operand:
/// the ones site merging and per-object flags can reason about. Lane-wise and library-call writes
/// have no single base pointer.
inline bool writesOneRangeThroughPointer(SiteKind K) {
  switch (K) {
  case SiteKind::Store:
  case SiteKind::AtomicRMW:
  case SiteKind::CmpXchg:
  case SiteKind::MemIntrinsic:
  case SiteKind::WholeVector:
    return true;
  default:
    return false;
  }
}

// An atomic store, atomicrmw or cmpxchg: a write another thread may observe as soon as it lands.
inline bool isAtomicWrite(const llvm::Instruction &I) {
  return I.isAtomic() && !llvm::isa<llvm::FenceInst>(I) && !llvm::isa<llvm::LoadInst>(I);
}

enum class Disposition {
  Instrument,     // gets an inline check + record call
  SkipStack,      // target is a non-escaping alloca / byval copy: stack, never a working copy
  SkipConstGlobal,// target is a constant global: writing it is undefined behaviour
  SkipGlobal,     // target is a writable global: ELF data, never inside the working range
  SkipAddrSpace,  // non-default address space (e.g. x86 __seg_gs): not a working-copy address
  Merged,         // covered by the record of a keeper site (SiteMerging.h)
  InLoopRange,    // covered by a loop range recorded once after its commit-free loop
};

// Each field is written by one planning phase (FunctionPlan.h) and read by the later ones; the
// emitting phases only read them (LoopVersioning also re-reads Ptr, Len and GroupBase from the
// instruction's operands after the LCSSA renaming it causes).
struct WriteSite {
  // Phase 1, collect (WriteSiteCollector): what the instruction writes.
  llvm::Instruction *I = nullptr;
  SiteKind Kind = SiteKind::Store;
  llvm::Value *Ptr = nullptr;      // destination (not used for scatter)
  uint64_t Size = 0;               // byte size when fixed; 0 = see Len / kind
  llvm::Value *Len = nullptr;      // dynamic byte length (memory intrinsics)
  const LibCallSpec *Lib = nullptr;
  // Phase 2, classify (Filters): Skip*; phase 4, loops: InLoopRange; phase 5, merge: Merged.
  Disposition Disp = Disposition::Instrument;
  // Phase 5, merge (SiteMerging.h): a keeper records [GroupBase+Lo, GroupBase+Hi), GroupBase
  // being its own pointer, instead of its own range.
  llvm::Value *GroupBase = nullptr;
  int64_t Lo = 0, Hi = 0;
  // Every member is in the keeper's block, so all of them run before the keeper records: the
  // lowest byte, GroupBase + Lo, is written too and the record can start (and be checked) there.
  bool GroupInBlock = false;
  // Phase 4, loops (LoopPlanner.h): when the site lies in a commit-free loop (CommitPoints.h),
  // the range size is loaded once before this instruction (that loop's preheader terminator).
  llvm::Instruction *BoundsAt = nullptr;
  // Phase 6, object flags (ObjectFlags.h): the flag gating this site's check, or -1.
  int FlagIdx = -1;
};

const char *kindName(SiteKind K);
const char *dispositionName(Disposition D);
} // namespace snapshot
