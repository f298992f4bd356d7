#include "Options.h"

using namespace llvm;

namespace snapshot {
cl::opt<bool> OptStats("snapshot-stats", cl::init(false),
                       cl::desc("Snapshot: print a one-line summary of write sites per module"));
cl::opt<bool> OptDebug("snapshot-debug", cl::init(false),
                       cl::desc("Snapshot: print every write-site decision to stderr"));
cl::opt<bool> OptSkipGlobals(
    "snapshot-skip-globals", cl::init(true),
    cl::desc("Snapshot: skip writes whose target is a global variable (never in a working copy)"));
cl::opt<bool> OptMergeSites(
    "snapshot-merge-sites", cl::init(true),
    cl::desc("Snapshot: one record for writes off one address expression, by a post-dominating "
             "keeper with nothing that could commit in between"));
cl::opt<bool> OptLoopBounds(
    "snapshot-loop-bounds", cl::init(true),
    cl::desc("Snapshot: load the working-range size once in the preheader of commit-free loops"));
cl::opt<bool> OptLoopRanges(
    "snapshot-loop-ranges", cl::init(true),
    cl::desc("Snapshot: record the lines a commit-free loop's strided stores write once, after the loop"));
cl::opt<bool> OptObjectFlags(
    "snapshot-object-flags", cl::init(true),
    cl::desc("Snapshot: check once per pointed-to object whether it is in the working range"));
cl::opt<bool> OptPreserveMost(
    "snapshot-preserve-most", cl::init(true),
    cl::desc("Snapshot: call the record functions through per-module preserve_most thunks"));
cl::opt<bool> OptLoopVersioning(
    "snapshot-loop-versioning", cl::init(true),
    cl::desc("Snapshot: run an uninstrumented copy of a commit-free loop when none of the objects "
             "it writes through is in the working range"));
cl::opt<bool> OptFunctionVersioning(
    "snapshot-function-versioning", cl::init(true),
    cl::desc("Snapshot: run an uninstrumented copy of a function that cannot commit (no calls "
             "but to itself, no fence or acquire) when nothing is mapped"));
cl::opt<bool> OptTestRecordBefore(
    "snapshot-test-record-before", cl::init(false), cl::Hidden,
    cl::desc("Snapshot, tests only: record stores before they write and loop ranges before the "
             "loop (loses writes that race a commit)"));
} // namespace snapshot
