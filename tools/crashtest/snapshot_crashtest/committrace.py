"""SNAPSHOT_TRACE (text) parsing and the image oracle.

The engine appends, per commit of a data file:
    begin  <epoch> <fnv1a64 hex of the would-be image> <size> <path>   (at the start of the commit)
    commit <epoch> <fnv1a64 hex of the file after commit> <size> <path> (after it succeeded)
Epochs count commits of that file in the writing process from 1. A SIGKILL may leave the last line
torn (no newline): it is ignored, because the line was not complete when the process died, so the
commit it describes had not returned either.
"""
import os


class TraceError(Exception):
    pass


class Image:
    """One image of a data file: epoch 0 is the file before the run (template)."""
    __slots__ = ("epoch", "digest", "size", "kind")

    def __init__(self, epoch, digest, size, kind):
        self.epoch, self.digest, self.size, self.kind = epoch, digest, size, kind

    def __repr__(self):
        return "epoch %d (%s) %s size %d" % (self.epoch, self.kind, self.digest, self.size)


class FileHistory:
    """Begin/commit records of one data file, in trace order."""

    def __init__(self, path):
        self.path = path
        self.records = []          # (kind, epoch, digest, size)
        self.problems = []         # trace-level inconsistencies (reported as failures)

    def add(self, kind, epoch, digest, size):
        if kind == "commit":
            begins = [r for r in self.records if r[0] == "begin" and r[1] == epoch]
            if begins and (begins[-1][2], begins[-1][3]) != (digest, size):
                # The image the engine announced differs from the one it produced: a thread wrote
                # during msync, or the engine copied something it did not log.
                self.problems.append(
                    "%s: commit %d produced %s/%d but began as %s/%d" %
                    (self.path, epoch, digest, size, begins[-1][2], begins[-1][3]))
        self.records.append((kind, epoch, digest, size))

    def commits(self):
        return [r for r in self.records if r[0] == "commit"]

    def allowed(self, initial, upto=None):
        """Images acceptable after a crash. `initial` is the epoch-0 Image; `upto` (PMTRACE model)
        is the number of commits acknowledged at the crash instant: the allowed images are then
        that commit's and the next one's, whatever the text trace says happened later."""
        commits = self.commits()
        if upto is not None:
            ack = initial if upto == 0 else _img(commits, upto, "acknowledged")
            nxt = [r for r in self.records if r[1] == upto + 1]
            out = [ack]
            if nxt:
                r = nxt[-1]
                out.append(Image(r[1], r[2], r[3], "in flight"))
            return out
        ack = initial
        last_commit_index = -1
        for i, r in enumerate(self.records):
            if r[0] == "commit":
                ack = Image(r[1], r[2], r[3], "acknowledged")
                last_commit_index = i
        out = [ack]
        tail = [r for r in self.records[last_commit_index + 1:] if r[0] == "begin"]
        if tail:
            r = tail[-1]
            out.append(Image(r[1], r[2], r[3], "in flight"))
        return out

    def describe(self, digest):
        """Which known image a digest is, for failure messages."""
        for kind, epoch, d, size in self.records:
            if d == digest:
                return "matches %s image of epoch %d" % (kind, epoch)
        return "matches no image in the trace"


def _img(commits, epoch, kind):
    for r in commits:
        if r[1] == epoch:
            return Image(r[1], r[2], r[3], kind)
    raise TraceError("trace has no commit %d" % epoch)


def parse(text):
    """Return {realpath: FileHistory}. Raises TraceError on a malformed complete line."""
    hist = {}
    lines = text.split("\n")
    if lines and lines[-1] != "":
        lines = lines[:-1]          # torn last line (killed mid-write)
    for n, line in enumerate(lines, 1):
        if not line:
            continue
        parts = line.split(" ", 4)
        if len(parts) != 5 or parts[0] not in ("begin", "commit"):
            raise TraceError("SNAPSHOT_TRACE line %d unrecognised: %r" % (n, line))
        try:
            epoch, digest, size = int(parts[1]), parts[2].lower(), int(parts[3])
            int(digest, 16)
        except ValueError:
            raise TraceError("SNAPSHOT_TRACE line %d malformed: %r" % (n, line))
        path = os.path.realpath(parts[4])
        hist.setdefault(path, FileHistory(path)).add(parts[0], epoch, digest.rjust(16, "0"), size)
    return hist


def read(path):
    try:
        with open(path, "rb") as f:
            return parse(f.read().decode("utf-8", "surrogateescape"))
    except FileNotFoundError:
        return {}
