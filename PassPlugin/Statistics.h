// Counters of what the pass saw and did. Each is counted once, through ModuleStats::add, which
// feeds both this module's one-line summary (-snapshot-stats, what snapshot-cc -fsnapshot-stats
// turns on) and LLVM's -stats counter of the same name (printed where the host LLVM was built
// with statistics enabled; Debian's release LLVM says "Statistics are disabled").
#pragma once
#include "WriteSite.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace snapshot {
enum class Counter {
  Stores, Atomics, Intrinsics, Masked, LibCalls,           // write sites seen, by kind
  Instrumented,                                            // sites left with a check
  SkipStack, SkipGlobal, SkipConstGlobal, SkipAddrSpace,   // sites that need none
  Merged, InLoopRange,                                     // sites covered by another record
  LoopRanges, StridedRanges,                               // loop ranges emitted (of them not contiguous)
  Checks,                                                  // inline range checks emitted
  VersionedLoops, VersionedFunctions,
  OptOutFunctions, OptOutSites,
  InlineAsm, UnknownIntrinsics,                            // writes no pass can see
  NumCounters
};

class ModuleStats {
public:
  // Adds N to this module's count and to LLVM's statistic.
  void add(Counter C, uint64_t N = 1);
  uint64_t get(Counter C) const { return Values[unsigned(C)]; }
  // A function's planned sites: one kind and one disposition counter each.
  void countSites(const std::vector<WriteSite> &Sites);
  void countOptOut(const std::vector<WriteSite> &Sites);
  void print(llvm::raw_ostream &OS, llvm::StringRef Module) const;

private:
  uint64_t Values[unsigned(Counter::NumCounters)] = {};
};
} // namespace snapshot
