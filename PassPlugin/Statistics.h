// Counters of what the pass saw and did, per module: printed as one line with -snapshot-stats
// (what snapshot-cc's -fsnapshot-stats turns on) and fed to LLVM's -stats where the host LLVM
// was built with statistics enabled.
#pragma once
#include "WriteSite.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace snapshot {
struct ModuleStats {
  uint64_t Stores = 0, Atomics = 0, Intrinsics = 0, Masked = 0, LibCalls = 0;
  uint64_t Instrumented = 0, Checks = 0, LoopRanges = 0;
  uint64_t SkipStack = 0, SkipGlobal = 0, SkipConstGlobal = 0, SkipAddrSpace = 0;
  uint64_t Coalesced = 0, LoopHoisted = 0, VersionedLoops = 0, VersionedFunctions = 0;
  uint64_t OptOutFunctions = 0, OptOutSites = 0, InlineAsm = 0, UnknownIntrinsics = 0;

  void countSites(const std::vector<WriteSite> &Sites);
  void countOptOut(const std::vector<WriteSite> &Sites);
  void print(llvm::raw_ostream &OS, llvm::StringRef Module) const;
  void publishToLLVM() const;  // adds to the TrackingStatistic counters behind -stats
};
} // namespace snapshot
