#!/usr/bin/env python3
"""A tiny Python model of the Snapshot engine, speaking the harness's interfaces exactly
(SNAPSHOT_CRASH_AT/MODE/LIST, SNAPSHOT_TRACE, SNAPSHOT_PMTRACE, SNAPSHOT_TEST_FAULT), so the
harness itself can be tested — including that it *fails* on broken protocols — without the real
runtime. Not a product component.

  mock_engine.py setup FILE        create a bank of 64 accounts (one per 64-byte line), commit
  mock_engine.py run FILE SEED OPS transfers, a commit every few; writes go to a DRAM copy
  mock_engine.py recover FILE      roll back an interrupted commit
  mock_engine.py check FILE        total balance invariant

Undo log `.<name>.snapshot-log`: header "MOCKLOG1", u64 valid, u64 count, u64 fnv(entries), then
entries {u64 offset; 64 bytes}. Fences are fdatasync.
"""
import os
import signal
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tools", "crashtest"))
from snapshot_crashtest.fnv import fnv1a64, hexdigest  # noqa: E402

ACCOUNTS, LINE, START = 64, 64, 1000
HDR = struct.Struct("<8sQQQ")
FAULT = os.environ.get("SNAPSHOT_TEST_FAULT", "")
CRASH_AT = int(os.environ.get("SNAPSHOT_CRASH_AT", "0") or 0)
LIST = os.environ.get("SNAPSHOT_CRASH_LIST") == "1"
events = 0


class PM:
    """The one persistence layer: every persistent write/fence is traced and counted."""

    def __init__(self):
        p = os.environ.get("SNAPSHOT_PMTRACE")
        self.fh = open(p, "ab") if p else None
        if self.fh and self.fh.tell() == 0:
            self.fh.write(b"SNAPPMT1")
        self.idx = {}

    def rec(self, kind, f, off, length, payload=b""):
        if self.fh:
            self.fh.write(struct.pack("<BxxxIQQ", kind, f, off, length) + payload)
            self.fh.flush()

    def file(self, path):
        if path not in self.idx:
            self.idx[path] = len(self.idx)
            self.rec(1, self.idx[path], 0, len(path.encode()), path.encode())
        return self.idx[path]

    def store(self, fd, path, off, data):
        self.rec(2, self.file(path), off, len(data), data)
        os.pwrite(fd, data, off)

    def size(self, fd, path, n):
        self.rec(5, self.file(path), n, 0)
        os.ftruncate(fd, n)

    def fence(self, fd, path, name):
        os.fdatasync(fd)
        self.rec(3, self.file(path), 0, 0)
        event(name, path)


pm = PM()


def event(name, path):
    global events
    events += 1
    if LIST:
        sys.stderr.write("snapshot-event %d %s %s\n" % (events, name, path))
        sys.stderr.flush()
    if events == CRASH_AT:
        if os.environ.get("SNAPSHOT_CRASH_MODE") == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(86)


def trace(kind, epoch, content, path):
    p = os.environ.get("SNAPSHOT_TRACE")
    if p:
        with open(p, "a") as fh:
            fh.write("%s %d %s %d %s\n" % (kind, epoch, hexdigest(content), len(content), path))


def logpath(path):
    d, b = os.path.split(path)
    return os.path.join(d, "." + b + ".snapshot-log")


def commit(path, fd, lfd, working, dirty, epoch):
    persistent = bytearray(os.pread(fd, len(working), 0))
    image = bytearray(persistent)
    for ln in dirty:
        image[ln * LINE:(ln + 1) * LINE] = working[ln * LINE:(ln + 1) * LINE]
    trace("begin", epoch, bytes(image), path)
    lp = logpath(path)
    entries = b"" if FAULT == "skip-undo" else b"".join(
        struct.pack("<Q", ln * LINE) + bytes(persistent[ln * LINE:(ln + 1) * LINE]) for ln in dirty)
    n = len(entries) // (8 + LINE)
    pm.size(lfd, lp, HDR.size + len(entries))
    for i in range(n):
        pm.store(lfd, lp, HDR.size + i * (8 + LINE), entries[i * (8 + LINE):(i + 1) * (8 + LINE)])
        event("undo-entry", lp)
    pm.fence(lfd, lp, "log-drain")
    pm.store(lfd, lp, 0, HDR.pack(b"MOCKLOG1", 1, n, fnv1a64(entries)))
    pm.fence(lfd, lp, "log-valid")
    for ln in dirty:
        if FAULT == "drop-thread" and ln % 2:
            continue
        pm.store(fd, path, ln * LINE, bytes(working[ln * LINE:(ln + 1) * LINE]))
        event("data-run", path)
    if FAULT == "early-invalidate":
        pm.store(lfd, lp, 0, HDR.pack(b"MOCKLOG1", 0, 0, 0))
        pm.fence(lfd, lp, "log-invalidate")
        pm.fence(fd, path, "data-drain")
    else:
        pm.fence(fd, path, "data-drain")
        pm.store(lfd, lp, 0, HDR.pack(b"MOCKLOG1", 0, 0, 0))
        pm.fence(lfd, lp, "log-invalidate")
    pm.rec(4, pm.file(path), epoch, 0)
    trace("commit", epoch, os.pread(fd, len(working), 0), path)


def recover(path):
    lp = logpath(path)
    if not os.path.exists(lp):
        return False
    lfd = os.open(lp, os.O_RDWR)
    raw = os.pread(lfd, 1 << 20, 0)
    if len(raw) < HDR.size:
        return False
    magic, valid, n, ck = HDR.unpack_from(raw)
    entries = raw[HDR.size:HDR.size + n * (8 + LINE)]
    if magic != b"MOCKLOG1" or not valid or len(entries) != n * (8 + LINE) or fnv1a64(entries) != ck:
        return False
    fd = os.open(path, os.O_RDWR)
    for i in range(n):
        off, = struct.unpack_from("<Q", entries, i * (8 + LINE))
        pm.store(fd, path, off, entries[i * (8 + LINE) + 8:(i + 1) * (8 + LINE)])
        event("recover-entry", path)
    if FAULT == "mock-recover-early-invalidate":    # invalidates before the restored data is durable
        pm.store(lfd, lp, 0, HDR.pack(b"MOCKLOG1", 0, 0, 0))
        pm.fence(lfd, lp, "recover-invalidate")
        pm.fence(fd, path, "recover-drain")
        return True
    pm.fence(fd, path, "recover-drain")
    pm.store(lfd, lp, 0, HDR.pack(b"MOCKLOG1", 0, 0, 0))
    pm.fence(lfd, lp, "recover-invalidate")
    return True


def main():
    cmd, path = sys.argv[1], os.path.abspath(sys.argv[2])
    if cmd == "recover":
        recover(path)
        return 0
    if cmd == "check":
        data = open(path, "rb").read()
        total = sum(struct.unpack_from("<q", data, i * LINE)[0] for i in range(ACCOUNTS))
        if total != ACCOUNTS * START:
            print("total balance %d != %d" % (total, ACCOUNTS * START))
            return 1
        return 0
    if cmd == "setup":
        with open(path, "wb") as fh:
            fh.write(b"\0" * (ACCOUNTS * LINE))
    recover(path)
    fd = os.open(path, os.O_RDWR)
    lfd = os.open(logpath(path), os.O_RDWR | os.O_CREAT, 0o644)
    working = bytearray(os.pread(fd, ACCOUNTS * LINE, 0))
    epoch = 0
    if cmd == "setup":
        for i in range(ACCOUNTS):
            struct.pack_into("<q", working, i * LINE, START)
        epoch += 1
        commit(path, fd, lfd, working, list(range(ACCOUNTS)), epoch)
        return 0
    seed, ops = int(sys.argv[3]), int(sys.argv[4])
    x = seed * 2654435761 + 1
    dirty = set()
    for op in range(ops):
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        a, b, amt = (x >> 10) % ACCOUNTS, (x >> 20) % ACCOUNTS, (x >> 40) % 100
        for acct, d in ((a, -amt), (b, amt)):
            v, = struct.unpack_from("<q", working, acct * LINE)
            struct.pack_into("<q", working, acct * LINE, v + d)
            struct.pack_into("<Q", working, acct * LINE + 8 + 8 * (op % 7), op)
            dirty.add(acct)
        if op % 4 == 3 or op == ops - 1:
            epoch += 1
            commit(path, fd, lfd, working, sorted(dirty), epoch)
            dirty.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
