// Where a commit may happen, and what follows from its absence. Every phase that reasons across
// a stretch of code (loop ranges and bounds, site merging, object flags, loop and function
// versioning) asks these predicates and nothing else.
//
// "Commit-free" means: no instruction after which a commit of a managed file may have happened
// or the range globals may have changed. That is no call other than quiet intrinsics (a callee
// may msync), no fence and no atomic with acquire semantics (after an acquire, this thread may
// write memory another thread mapped or committed meanwhile). A commit-free stretch is what the
// pass calls a segment; the word "call-free" is not used, because fences and acquires count too.
#pragma once
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/AtomicOrdering.h"
#include <cstdint>

namespace llvm {
class Instruction;
class IntrinsicInst;
class LLVMContext;
class Loop;
class MDNode;
} // namespace llvm

namespace snapshot {
bool acquires(llvm::AtomicOrdering O);
bool releases(llvm::AtomicOrdering O);

// Intrinsics that only annotate the code (lifetimes, assumptions, invariants, scopes, probes):
// IR may model them as writing memory, but they write no program memory and synchronise nothing.
bool isMarkerIntrinsic(const llvm::IntrinsicInst &II);

// I may commit (see above): it ends a commit-free segment.
bool mayCommit(const llvm::Instruction &I);
// mayCommit, or a release: another thread that acquires it may commit, so a record on one side
// does not cover a write on the other (site merging).
bool mayCommitOrRelease(const llvm::Instruction &I);

// No instruction of L (nested loops included) may commit.
bool isCommitFree(const llvm::Loop &L);
// Some instruction of L releases: a thread that acquires it may commit while L still runs, so a
// record made after L comes too late for the writes L made before that release.
bool releasesInside(const llvm::Loop &L);
// isCommitFree, cached per loop for the planners that ask about every enclosing loop of a site.
class CommitFreeLoops {
public:
  bool contains(const llvm::Loop *L);

private:
  llvm::DenseMap<const llvm::Loop *, bool> Cache;
};

// Commit-free, with a preheader and not an EH pad: a loop LoopVersioning may clone, and so the
// only loops object flags are worth computing for.
bool isVersionableLoop(const llvm::Loop &L);

// Weight of the unlikely side of every branch the pass adds (the record path, the instrumented
// copy of a versioned loop or function): 1 : 2^20 - 1.
constexpr uint32_t UnlikelyWeight = (1u << 20) - 1;
llvm::MDNode *unlikelyWeights(llvm::LLVMContext &C);
} // namespace snapshot
