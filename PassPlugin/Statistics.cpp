#include "Statistics.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

#define DEBUG_TYPE "snapshot-instrument"

namespace snapshot {
namespace {
// TrackingStatistic directly (not STATISTIC) so the counters exist in a release build of the
// plugin; whether -stats prints them is up to the host LLVM.
TrackingStatistic NumStores(DEBUG_TYPE, "NumStores", "Store instructions seen");
TrackingStatistic NumAtomics(DEBUG_TYPE, "NumAtomics", "atomicrmw/cmpxchg seen");
TrackingStatistic NumIntrinsics(DEBUG_TYPE, "NumIntrinsics", "Memory intrinsics seen");
TrackingStatistic NumMasked(DEBUG_TYPE, "NumMasked", "Masked/scatter/compress stores seen");
TrackingStatistic NumLibCalls(DEBUG_TYPE, "NumLibCalls", "Writing library calls seen");
TrackingStatistic NumInstrumented(DEBUG_TYPE, "NumInstrumented", "Write sites instrumented");
TrackingStatistic NumChecks(DEBUG_TYPE, "NumChecks", "Inline range checks emitted");
TrackingStatistic NumSkipStack(DEBUG_TYPE, "NumSkipStack", "Skipped: non-escaping stack");
TrackingStatistic NumSkipGlobal(DEBUG_TYPE, "NumSkipGlobal", "Skipped: global variable");
TrackingStatistic NumSkipConst(DEBUG_TYPE, "NumSkipConst", "Skipped: constant global");
TrackingStatistic NumCoalesced(DEBUG_TYPE, "NumCoalesced", "Skipped: covered in block");
TrackingStatistic NumLoopHoisted(DEBUG_TYPE, "NumLoopHoisted", "Covered by a loop range");
} // namespace

void ModuleStats::countSites(const std::vector<WriteSite> &Sites) {
  for (const WriteSite &S : Sites) {
    switch (S.Kind) {
    case SiteKind::Store: ++Stores; break;
    case SiteKind::AtomicRMW:
    case SiteKind::CmpXchg: ++Atomics; break;
    case SiteKind::MemIntrinsic: ++Intrinsics; break;
    case SiteKind::MaskedStore:
    case SiteKind::CompressStore:
    case SiteKind::MaskedScatter:
    case SiteKind::WholeVector:
    case SiteKind::X86Scatter: ++Masked; break;
    case SiteKind::LibCall: ++LibCalls; break;
    }
    switch (S.Disp) {
    case Disposition::Instrument: ++Instrumented; break;
    case Disposition::SkipStack: ++SkipStack; break;
    case Disposition::SkipGlobal: ++SkipGlobal; break;
    case Disposition::SkipConstGlobal: ++SkipConstGlobal; break;
    case Disposition::SkipAddrSpace: ++SkipAddrSpace; break;
    case Disposition::Coalesced: ++Coalesced; break;
    case Disposition::LoopHoisted: ++LoopHoisted; break;
    }
  }
}

void ModuleStats::countOptOut(const std::vector<WriteSite> &Sites) {
  ++OptOutFunctions;
  OptOutSites += Sites.size();
}

void ModuleStats::print(raw_ostream &OS, StringRef Module) const {
  uint64_t Seen = Stores + Atomics + Intrinsics + Masked + LibCalls;
  auto Pct = [&](uint64_t N) { return format("%.1f%%", Seen ? 100.0 * N / Seen : 0.0); };
  OS << "snapshot-stats: " << Module << ": " << Seen << " write sites (" << Stores << " stores, "
     << Atomics << " atomics, " << Intrinsics << " mem intrinsics, " << Masked << " masked, "
     << LibCalls << " libcalls); instrumented " << Instrumented << " (" << Pct(Instrumented)
     << "); skipped: stack " << SkipStack << " (" << Pct(SkipStack) << "), global " << SkipGlobal
     << ", constant global " << SkipConstGlobal << ", address space " << SkipAddrSpace
     << ", coalesced " << Coalesced << ", loop-range " << LoopHoisted << " (" << LoopRanges
     << " ranges); versioned loops " << VersionedLoops << ", functions " << VersionedFunctions << "; checks " << Checks << "; opt-out " << OptOutFunctions << " functions/"
     << OptOutSites << " sites; unseen: inline asm " << InlineAsm << ", intrinsics "
     << UnknownIntrinsics << "\n";
}

void ModuleStats::publishToLLVM() const {
  NumStores += Stores;
  NumAtomics += Atomics;
  NumIntrinsics += Intrinsics;
  NumMasked += Masked;
  NumLibCalls += LibCalls;
  NumInstrumented += Instrumented;
  NumChecks += Checks;
  NumSkipStack += SkipStack;
  NumSkipGlobal += SkipGlobal;
  NumSkipConst += SkipConstGlobal;
  NumCoalesced += Coalesced;
  NumLoopHoisted += LoopHoisted;
}
} // namespace snapshot
