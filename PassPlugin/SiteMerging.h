// Site merging: one record for several writes off the same address expression.
//
// Two writes whose addresses differ by a constant (same base pointer, same variable GEP indices,
// e.g. `s->key`, `s->val`, `s->state` with s = &t->s[i]) can share one record of the union of
// their ranges when one of them, the keeper, post-dominates the others and is reached from each
// with nothing in between that could commit or synchronise (a call, a fence, an atomic with
// acquire or release ordering). The keeper records just after itself, so the record follows every
// write it covers, as every record does (InstrumentationEmitter.h). A keeper that only dominates
// the others would record before their writes, and a commit on another thread could take the
// bits first: such writes are not merged.
//
// A merged record may name bytes a write on a path not taken would have written. Recording a line
// that was not written is harmless: a commit copies the working copy's contents, which for such a
// line are what the file already holds. Unions that are not contiguous or that span blocks are
// kept within MaxSpan bytes, so the record stays next to memory the program does write.
#pragma once
#include "WriteSite.h"
#include <vector>

namespace llvm {
class DataLayout;
class PostDominatorTree;
class Function;
} // namespace llvm

namespace snapshot {
// Marks absorbed sites Merged and gives each keeper GroupBase (its own pointer) and [Lo, Hi)
// relative to it.
void mergeSites(llvm::Function &F, std::vector<WriteSite> &Sites, const llvm::DataLayout &DL,
                llvm::PostDominatorTree &PDT);
} // namespace snapshot
