// What the pass will do to one function: built by the planning phases, carried out by the
// emitting phases. SnapshotInstrument.cpp runs them in this order, and each assumes the ones
// before it:
//
//  plan (IR unchanged, except 3 and the preheaders of 4)
//   1. collect        WriteSiteCollector  every instruction that may write memory: WriteSite::I,
//                                         Kind, Ptr, Size, Len, Lib. Nothing is changed yet, so
//                                         the walk sees the program's own code only.
//   2. classify       Filters             Disp = Skip* for stack, global, other address space.
//   3. version fn     FunctionVersioning  a function that cannot commit (CommitPoints.h) with two
//                                         or more checks left gets a clean copy chosen on entry.
//                                         Before any analysis is taken; the sites still point
//                                         into the original, so the copy stays clean.
//   4. loops          LoopPlanner         gives commit-free loops with sites a preheader; sites
//                                         stored on every iteration at an affine address become
//                                         Disp = InLoopRange of a LoopRange (contiguous or
//                                         strided); other sites in commit-free loops get
//                                         BoundsAt. Needs LoopInfo, SCEV and the dominator tree
//                                         of the function after 3.
//   5. merge          SiteMerging         sites left to instrument that share an address
//                                         expression: Disp = Merged, the keeper's GroupBase/Lo/Hi.
//                                         After 4, so no range-covered site is a keeper.
//   6. object flags   ObjectFlags         FlagIdx for sites in versionable loops: one range test
//                                         per object pointer (the keeper's GroupBase, from 5).
//  emit
//   7. expand         InstrumentationEmitter  SCEV expansion of every loop range, before any
//                                         block is split (SCEV must see the planned function).
//   8. ranges, flags  InstrumentationEmitter  the loop-range records and the flag tests.
//   9. version loops  LoopVersioning      clones the outermost commit-free loop around each site
//                                         still to check behind "a flag or anything mapped";
//                                         re-reads the sites' pointers after LCSSA renaming.
//                                         After 8 (the flags gate it), before 10 (the clean copy
//                                         must have no checks).
//  10. sites          InstrumentationEmitter  the two-level check and record of every site left
//                                         with Disp = Instrument.
#pragma once
#include "LoopPlanner.h"
#include "ObjectFlags.h"
#include "WriteSite.h"
#include <vector>

namespace snapshot {
struct FunctionPlan {
  std::vector<WriteSite> Sites;
  std::vector<LoopRange> Ranges;
  std::vector<ObjectFlag> Flags;
  bool VersionedFunction = false;

  // Whether any phase of emit has anything to do.
  bool emitsAnything() const {
    if (!Ranges.empty())
      return true;
    for (const WriteSite &S : Sites)
      if (S.Disp == Disposition::Instrument)
        return true;
    return false;
  }
};
} // namespace snapshot
