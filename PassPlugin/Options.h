// Command-line knobs of the Snapshot instrumentation pass. They are ordinary LLVM cl::opts, so they
// reach the pass as `opt -snapshot-stats` or `clang -mllvm -snapshot-stats`. (The host must know the
// options while it parses its command line: opt needs `-load=<plugin>` in addition to
// `-load-pass-plugin`, clang needs `-fplugin=<plugin>` in addition to `-fpass-plugin` — both load
// the library early; see README.)
#pragma once
#include "llvm/Support/CommandLine.h"

namespace snapshot {
extern llvm::cl::opt<bool> OptStats;        // one summary line per module on stderr
extern llvm::cl::opt<bool> OptDebug;        // per-site decisions on stderr (release-LLVM -debug-only)
extern llvm::cl::opt<bool> OptSkipGlobals;  // writable globals are never inside the working range
extern llvm::cl::opt<bool> OptMergeSites;   // site merging: one record for writes off one address
extern llvm::cl::opt<bool> OptLoopBounds;   // load the range size once per commit-free loop
extern llvm::cl::opt<bool> OptLoopRanges;   // record strided stores once after commit-free loops
extern llvm::cl::opt<bool> OptObjectFlags;  // one range check per pointed-to object
extern llvm::cl::opt<bool> OptPreserveMost; // call the runtime through preserve_most thunks
extern llvm::cl::opt<bool> OptLoopVersioning; // clean loop copy when no flagged object is mapped
extern llvm::cl::opt<bool> OptFunctionVersioning; // clean copy of functions that cannot commit
// Test only: the record order that loses racing writes (stores and loop ranges recorded before
// their writes), so that e2e.racing_writers_record_before can show its test sees the loss.
extern llvm::cl::opt<bool> OptTestRecordBefore;
} // namespace snapshot
