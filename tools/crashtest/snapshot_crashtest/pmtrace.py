"""SNAPSHOT_PMTRACE: parse the persistence trace and enumerate simulated power-failure images.

Format (little-endian): "SNAPPMT1", then records {u8 kind; u8 pad; u16 thread; u32 file;
u64 offset; u64 length} followed by `length` payload bytes for NAME and STORE.

Persistency model (x86-like, deliberately adversarial within what hardware can do):
- a STORE is visible at once but durable only after a FENCE of its file (or of all files);
- at a crash, each 64-byte line keeps an in-order *prefix* of the stores made to it since its file's
  last fence (stores to one line persist in program order), and the first store it does not keep
  may be torn at 8-byte granularity (a memcpy's internal store order is unknown);
- different lines, and different files, are independent;
- a SIZE change is durable at the next fence; before it, either size may be seen.
- fences are per thread (FENCE_MODEL "per-thread", the default): a pmem_drain (FENCE of all files)
  makes durable only the stores of the thread that took it, plus stores other threads handed over
  with RELEASE (the end of a commit, where the thread's mutex release, a locked instruction, makes
  its stores globally visible). An fdatasync (FENCE of one file) covers that file's stores from
  every thread, as the kernel writes back the page cache, not a CPU's buffers. FENCE_MODEL "shared"
  is the older, optimistic model: any drain covers every thread's stores.
Crash instants are taken just before every FENCE and at the end of the trace: any earlier instant
of the same fence interval is a per-line prefix of that one, so nothing is missed.
"""
import hashlib
import os
import random
import struct

MAGIC = b"SNAPPMT1"
HDR = struct.Struct("<BxHIQQ")
NAME, STORE, FENCE, COMMIT_DONE, SIZE, RELEASE = 1, 2, 3, 4, 5, 6
FENCE_MODEL = "per-thread"
ALL_FILES = 0xFFFFFFFF
LINE = 64
CHUNK = 8


class PMTraceError(Exception):
    pass


class Trace:
    def __init__(self):
        self.paths = []        # every path named, in order of first appearance
        self.records = []      # (kind, path or None for "all files", offset, length, payload)
        self.threads = []      # the thread that made each record (0: unknown, older traces)
        self.torn_tail = False


def parse(data):
    """Records are resolved to paths as they are read: NAME binds an index from that record on,
    and a later process appending to the same trace may re-bind indices."""
    if data[:8] != MAGIC:
        raise PMTraceError("not a SNAPSHOT_PMTRACE file (magic %r)" % data[:8])
    t = Trace()
    names = {}
    pos, n = 8, len(data)
    while pos < n:
        if pos + HDR.size > n:
            t.torn_tail = True
            break
        kind, thread, f, off, length = HDR.unpack_from(data, pos)
        at = pos
        pos += HDR.size
        payload = b""
        if kind in (NAME, STORE):
            if pos + length > n:
                t.torn_tail = True
                break
            payload = bytes(data[pos:pos + length])
            pos += length
        elif kind not in (FENCE, COMMIT_DONE, SIZE, RELEASE):
            raise PMTraceError("unknown record kind %d at byte %d" % (kind, at))
        if kind == NAME:
            path = os.path.realpath(payload.rstrip(b"\0").decode("utf-8", "surrogateescape"))
            names[f] = path
            if path not in t.paths:
                t.paths.append(path)
            continue
        if kind == FENCE and f == ALL_FILES:
            path = None
        elif f in names:
            path = names[f]
        else:
            raise PMTraceError("record at byte %d uses file %d before its NAME record" % (at, f))
        t.records.append((kind, path, off, length, payload))
        t.threads.append(thread)
    return t


def read(path):
    with open(path, "rb") as fh:
        return parse(fh.read())


class CrashPoint:
    """Durable state plus the not-yet-fenced operations at one crash instant."""

    def __init__(self, index, position, durable, pending, acked):
        self.index = index          # ordinal of this crash instant
        self.position = position    # record index it precedes (len(records) = end of trace)
        self.durable = durable      # path -> bytearray | None (absent); do not mutate
        self.pending = pending      # [(seq, kind, file, offset, payload_or_size)]
        self.acked = acked          # data path -> last COMMIT_DONE epoch before this instant

    def pieces(self):
        """Pending stores split at line boundaries, grouped per (file, line) in program order."""
        lines = {}
        sizes = {}
        for seq, kind, f, off, val in self.pending:
            if kind == SIZE:
                sizes.setdefault(f, []).append((seq, off))
                continue
            end = off + len(val)
            a = off
            while a < end:
                b = min(end, (a // LINE + 1) * LINE)
                lines.setdefault((f, a // LINE), []).append((seq, a, val[a - off:b - off]))
                a = b
        return lines, sizes

    def build(self, line_choice, size_choice):
        """Image for a choice: line_choice[(f,line)] = (k, torn_mask or None) keeps the first k
        stores of the line and, if torn_mask, the chosen 8-byte chunks of store k;
        size_choice[f] = number of pending SIZE ops of f that reached the medium."""
        lines, sizes = self.pieces()
        ops = []
        for key, plist in lines.items():
            k, mask = line_choice.get(key, (0, None))
            for i in range(min(k, len(plist))):
                seq, a, b = plist[i]
                ops.append((seq, STORE, key[0], a, b))
            if mask is not None and k < len(plist):
                seq, a, b = plist[k]
                for c, (ca, cb) in enumerate(_chunks(a, len(b))):
                    if mask >> c & 1:
                        ops.append((seq, STORE, key[0], ca, b[ca - a:cb - a]))
        for f, slist in sizes.items():
            for seq, val in slist[:size_choice.get(f, 0)]:
                ops.append((seq, SIZE, f, val, None))
        ops.sort(key=lambda o: o[0])
        image = {f: (None if c is None else bytearray(c)) for f, c in self.durable.items()}
        for seq, kind, f, a, b in ops:
            _apply(image, kind, f, a, b)
        return {f: (None if c is None else bytes(c)) for f, c in image.items()}


def _chunks(start, length):
    """8-byte aligned sub-ranges of [start, start+length)."""
    out, a, end = [], start, start + length
    while a < end:
        b = min(end, (a // CHUNK + 1) * CHUNK)
        out.append((a, b))
        a = b
    return out


def _apply(image, kind, f, a, b):
    cur = image.get(f)
    if kind == SIZE:
        cur = cur if cur is not None else bytearray()
        if a < len(cur):
            del cur[a:]
        else:
            cur.extend(b"\0" * (a - len(cur)))
        image[f] = cur
        return
    if cur is None:
        cur = bytearray()
        image[f] = cur
    end = a + len(b)
    if end > len(cur):
        cur.extend(b"\0" * (end - len(cur)))   # pwrite semantics: a store past EOF extends
    cur[a:end] = b


def crash_points(trace, initial):
    """Yield CrashPoints in trace order. `initial(path)` gives a file's content before the run
    (bytes or None). The durable state is shared and mutated after the consumer resumes us."""
    durable = {}
    for path in trace.paths:
        c = initial(path)
        durable[path] = None if c is None else bytearray(c)
    pending = []
    owner = {}        # pending op's position -> thread whose fence it needs (None: any thread's)
    acked = {}
    index = 0
    recs = trace.records
    threads = trace.threads if len(trace.threads) == len(recs) else [0] * len(recs)
    per_thread = FENCE_MODEL == "per-thread"
    for pos, (kind, f, off, length, payload) in enumerate(recs):
        if kind == STORE:
            pending.append((pos, STORE, f, off, payload))
            owner[pos] = threads[pos]
        elif kind == SIZE:
            pending.append((pos, SIZE, f, off, None))
            owner[pos] = threads[pos]
        elif kind == COMMIT_DONE:
            acked[f] = off
        elif kind == RELEASE:
            for op in pending:
                if owner[op[0]] == threads[pos]:
                    owner[op[0]] = None
        elif kind == FENCE:
            yield CrashPoint(index, pos, durable, list(pending), dict(acked))
            index += 1
            keep = []
            for op in pending:
                if f is None:
                    covered = not per_thread or owner[op[0]] in (None, threads[pos])
                else:
                    covered = op[2] == f
                if covered:
                    _apply(durable, op[1], op[2], op[3], op[4])
                    del owner[op[0]]
                else:
                    keep.append(op)
            pending = keep
    yield CrashPoint(index, len(recs), durable, list(pending), dict(acked))


def image_key(image):
    return tuple(sorted((f, None if c is None else hashlib.blake2b(c, digest_size=16).digest())
                        for f, c in image.items()))


def candidate_choices(point, rng, quota):
    """Choices to try at one crash point, most informative first: nothing / everything unfenced,
    in-order prefixes of the unfenced operations, then random per-line prefixes with and without
    8-byte tearing. Yields (label, line_choice, size_choice)."""
    lines, sizes = point.pieces()
    full_l = {k: (len(v), None) for k, v in lines.items()}
    full_s = {f: len(v) for f, v in sizes.items()}
    yield "none", {}, {}
    if not lines and not sizes:
        return
    yield "all", full_l, full_s
    seqs = sorted({p[0] for v in lines.values() for p in v} | {s for v in sizes.values() for s, _ in v})
    cuts = list(range(1, len(seqs)))
    if len(cuts) > quota:
        cuts = sorted(rng.sample(cuts, quota))
    for c in cuts:
        t = seqs[c]
        yield ("prefix<%d" % t,
               {k: (sum(1 for p in v if p[0] < t), None) for k, v in lines.items()},
               {f: sum(1 for s, _ in v if s < t) for f, v in sizes.items()})
    keys = sorted(lines)
    for i in range(quota * 4):
        lc = {}
        for k in keys:
            m = len(lines[k])
            r = rng.random()
            lc[k] = (0 if r < 0.3 else m if r < 0.6 else rng.randint(0, m), None)
        if i % 2 and keys:                   # tear one or a few lines at 8-byte granularity
            for k in rng.sample(keys, min(len(keys), rng.randint(1, 3))):
                m = len(lines[k])
                kk = rng.randint(0, m - 1)
                nch = len(_chunks(lines[k][kk][1], len(lines[k][kk][2])))
                lc[k] = (kk, rng.getrandbits(nch) if nch else 0)
        sc = {f: rng.randint(0, len(v)) for f, v in sizes.items()}
        yield ("random%d%s" % (i, "+torn" if i % 2 else "")), lc, sc


def enumerate_images(trace, initial, seed, budget):
    """Yield (state_no, point, label, image) over distinct images, about `budget` in total, spread
    evenly over crash points (each point also gets its 'none' and 'all' images)."""
    npoints = sum(1 for r in trace.records if r[0] == FENCE) + 1
    seen = set()
    state_no = 0
    for point in crash_points(trace, initial):
        # What small instants cannot use (few unfenced writes) goes to the later ones.
        quota = max(3, (budget - state_no) // max(1, npoints - point.index))
        rng = random.Random(seed * 1000003 + point.index)
        got = 0
        for label, lc, sc in candidate_choices(point, rng, quota):
            if got >= quota and label not in ("none", "all"):
                break
            img = point.build(lc, sc)
            key = image_key(img)
            if key in seen:
                continue
            seen.add(key)
            got += 1
            yield state_no, point, label, img
            state_no += 1
