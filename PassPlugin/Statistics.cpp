#include "Statistics.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

#define DEBUG_TYPE "snapshot-instrument"

namespace snapshot {
namespace {
// TrackingStatistic directly (not STATISTIC) so the counters exist in a release build of the
// plugin; whether -stats prints them is up to the host LLVM. In Counter order.
TrackingStatistic LLVMCounters[] = {
    {DEBUG_TYPE, "NumStores", "Store instructions seen"},
    {DEBUG_TYPE, "NumAtomics", "atomicrmw/cmpxchg seen"},
    {DEBUG_TYPE, "NumIntrinsics", "Memory intrinsics seen"},
    {DEBUG_TYPE, "NumMasked", "Masked/scatter/compress stores seen"},
    {DEBUG_TYPE, "NumLibCalls", "Writing library calls seen"},
    {DEBUG_TYPE, "NumInstrumented", "Write sites instrumented"},
    {DEBUG_TYPE, "NumSkipStack", "Skipped: non-escaping stack"},
    {DEBUG_TYPE, "NumSkipGlobal", "Skipped: global variable"},
    {DEBUG_TYPE, "NumSkipConstGlobal", "Skipped: constant global"},
    {DEBUG_TYPE, "NumSkipAddrSpace", "Skipped: other address space"},
    {DEBUG_TYPE, "NumMerged", "Covered by a merged record (site merging)"},
    {DEBUG_TYPE, "NumInLoopRange", "Covered by a loop range"},
    {DEBUG_TYPE, "NumLoopRanges", "Loop ranges recorded after their loop"},
    {DEBUG_TYPE, "NumStridedRanges", "Loop ranges recorded chunk by chunk (strided, or by the gap at run time)"},
    {DEBUG_TYPE, "NumChecks", "Inline range checks emitted"},
    {DEBUG_TYPE, "NumVersionedLoops", "Loops given a clean copy"},
    {DEBUG_TYPE, "NumVersionedFunctions", "Functions given a clean copy"},
    {DEBUG_TYPE, "NumOptOutFunctions", "Functions opted out"},
    {DEBUG_TYPE, "NumOptOutSites", "Write sites in opted-out functions"},
    {DEBUG_TYPE, "NumInlineAsm", "Inline asm that may write memory (unseen)"},
    {DEBUG_TYPE, "NumUnknownIntrinsics", "Writing intrinsics not understood (unseen)"},
};
static_assert(std::size(LLVMCounters) == unsigned(Counter::NumCounters),
              "one LLVM statistic per Counter");

Counter kindCounter(SiteKind K) {
  switch (K) {
  case SiteKind::Store: return Counter::Stores;
  case SiteKind::AtomicRMW:
  case SiteKind::CmpXchg: return Counter::Atomics;
  case SiteKind::MemIntrinsic: return Counter::Intrinsics;
  case SiteKind::MaskedStore:
  case SiteKind::CompressStore:
  case SiteKind::MaskedScatter:
  case SiteKind::WholeVector:
  case SiteKind::X86Scatter: return Counter::Masked;
  case SiteKind::LibCall: return Counter::LibCalls;
  }
  return Counter::Stores;
}

Counter dispositionCounter(Disposition D) {
  switch (D) {
  case Disposition::Instrument: return Counter::Instrumented;
  case Disposition::SkipStack: return Counter::SkipStack;
  case Disposition::SkipGlobal: return Counter::SkipGlobal;
  case Disposition::SkipConstGlobal: return Counter::SkipConstGlobal;
  case Disposition::SkipAddrSpace: return Counter::SkipAddrSpace;
  case Disposition::Merged: return Counter::Merged;
  case Disposition::InLoopRange: return Counter::InLoopRange;
  }
  return Counter::Instrumented;
}
} // namespace

void ModuleStats::add(Counter C, uint64_t N) {
  Values[unsigned(C)] += N;
  LLVMCounters[unsigned(C)] += N;
}

void ModuleStats::countSites(const std::vector<WriteSite> &Sites) {
  for (const WriteSite &S : Sites) {
    add(kindCounter(S.Kind));
    add(dispositionCounter(S.Disp));
  }
}

void ModuleStats::countOptOut(const std::vector<WriteSite> &Sites) {
  add(Counter::OptOutFunctions);
  add(Counter::OptOutSites, Sites.size());
}

void ModuleStats::print(raw_ostream &OS, StringRef Module) const {
  auto V = [&](Counter C) { return get(C); };
  uint64_t Seen = V(Counter::Stores) + V(Counter::Atomics) + V(Counter::Intrinsics) +
                  V(Counter::Masked) + V(Counter::LibCalls);
  auto Pct = [&](Counter C) { return format("%.1f%%", Seen ? 100.0 * V(C) / Seen : 0.0); };
  OS << "snapshot-stats: " << Module << ": " << Seen << " write sites (" << V(Counter::Stores)
     << " stores, " << V(Counter::Atomics) << " atomics, " << V(Counter::Intrinsics)
     << " mem intrinsics, " << V(Counter::Masked) << " masked, " << V(Counter::LibCalls)
     << " libcalls); instrumented " << V(Counter::Instrumented) << " ("
     << Pct(Counter::Instrumented) << "); skipped: stack " << V(Counter::SkipStack) << " ("
     << Pct(Counter::SkipStack) << "), global " << V(Counter::SkipGlobal) << ", constant global "
     << V(Counter::SkipConstGlobal) << ", address space " << V(Counter::SkipAddrSpace)
     << ", merged " << V(Counter::Merged) << ", loop-range " << V(Counter::InLoopRange) << " ("
     << V(Counter::LoopRanges) << " ranges, " << V(Counter::StridedRanges)
     << " strided); versioned loops " << V(Counter::VersionedLoops) << ", functions "
     << V(Counter::VersionedFunctions) << "; checks " << V(Counter::Checks) << "; opt-out "
     << V(Counter::OptOutFunctions) << " functions/" << V(Counter::OptOutSites)
     << " sites; unseen: inline asm " << V(Counter::InlineAsm) << ", intrinsics "
     << V(Counter::UnknownIntrinsics) << "\n";
}
} // namespace snapshot
