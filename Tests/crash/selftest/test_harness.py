"""Unit tests of snapshot-crashtest's oracle and power-failure image construction, on synthetic
traces, plus end-to-end runs against mock_engine.py (a correct protocol must pass; each broken
variant must be caught). Run: python3 -m unittest discover -s Tests/crash/selftest -v"""
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_DIR = os.path.join(HERE, "..", "..", "..", "tools", "crashtest")
sys.path.insert(0, TOOL_DIR)

from snapshot_crashtest import committrace, fnv, pmtrace  # noqa: E402


class FNV(unittest.TestCase):
    def test_vectors(self):       # published FNV-1a 64 test vectors
        self.assertEqual(fnv.hexdigest(b""), "cbf29ce484222325")
        self.assertEqual(fnv.hexdigest(b"a"), "af63dc4c8601ec8c")
        self.assertEqual(fnv.hexdigest(b"foobar"), "85944171f73967e8")


class CommitTrace(unittest.TestCase):
    INIT = committrace.Image(0, "00000000000000aa", 10, "initial")

    def test_acknowledged_and_in_flight(self):
        h = committrace.parse("begin 1 11 10 /x\ncommit 1 11 10 /x\nbegin 2 22 10 /x\n")["/x"]
        self.assertEqual([a.digest for a in h.allowed(self.INIT)],
                         ["0000000000000011", "0000000000000022"])
        h = committrace.parse("begin 1 11 10 /x\ncommit 1 11 10 /x\n")["/x"]
        self.assertEqual([a.digest for a in h.allowed(self.INIT)], ["0000000000000011"])

    def test_no_commit_means_initial_or_first(self):
        self.assertEqual([a.epoch for a in committrace.parse("begin 1 11 10 /x\n")["/x"].allowed(self.INIT)], [0, 1])

    def test_torn_last_line_ignored(self):
        h = committrace.parse("begin 1 11 10 /x\ncommit 1 11 10 /x\nbegin 2 2")["/x"]
        self.assertEqual([a.epoch for a in h.allowed(self.INIT)], [1])

    def test_malformed_line_is_an_error(self):
        with self.assertRaises(committrace.TraceError):
            committrace.parse("bogus 1 2 3 /x\n")

    def test_begin_commit_mismatch_is_reported(self):
        h = committrace.parse("begin 1 11 10 /x\ncommit 1 12 10 /x\n")["/x"]
        self.assertEqual(len(h.problems), 1)

    def test_upto_for_power_model(self):
        h = committrace.parse("begin 1 11 10 /x\ncommit 1 11 10 /x\nbegin 2 22 10 /x\ncommit 2 22 10 /x\n")["/x"]
        self.assertEqual([a.epoch for a in h.allowed(self.INIT, upto=1)], [1, 2])
        self.assertEqual([a.epoch for a in h.allowed(self.INIT, upto=0)], [0, 1])
        self.assertEqual([a.epoch for a in h.allowed(self.INIT, upto=2)], [2])


def rec(kind, f, off=0, payload=b"", length=None, thread=0):
    n = len(payload) if length is None else length
    return struct.pack("<BxHIQQ", kind, thread, f, off, n) + payload


class PMTrace(unittest.TestCase):
    def trace(self, *recs):
        return pmtrace.parse(b"SNAPPMT1" + b"".join(recs))

    def test_parse_torn_tail(self):
        t = pmtrace.parse(b"SNAPPMT1" + rec(1, 0, payload=b"/d") + rec(2, 0, 0, b"x" * 8)[:-3])
        self.assertTrue(t.torn_tail)
        self.assertEqual(t.paths, [os.path.realpath("/d")])

    def test_bad_magic(self):
        with self.assertRaises(pmtrace.PMTraceError):
            pmtrace.parse(b"NOTATRACE")

    def test_fence_makes_durable_and_points_cover_prefixes(self):
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"A" * 64), rec(3, 0),
                       rec(2, 0, 64, b"B" * 64), rec(2, 0, 0, b"C" * 8), rec(3, 0xFFFFFFFF))
        pts = []
        for p in pmtrace.crash_points(t, lambda path: b"\0" * 128):
            lines, sizes = p.pieces()
            pts.append((p.position, {k: len(v) for k, v in lines.items()}, bytes(p.durable["/d"])))
        self.assertEqual(len(pts), 3)
        self.assertEqual(pts[0][1], {("/d", 0): 1})
        self.assertEqual(pts[1][1], {("/d", 0): 1, ("/d", 1): 1})
        self.assertEqual(pts[1][2][:64], b"A" * 64)          # fenced before instant 1
        self.assertEqual(pts[2][1], {})

    def durable_at_end(self, t, model):
        saved = pmtrace.FENCE_MODEL
        pmtrace.FENCE_MODEL = model
        try:
            return bytes(list(pmtrace.crash_points(t, lambda path: b"\0" * 64))[-1].durable["/d"])
        finally:
            pmtrace.FENCE_MODEL = saved

    def test_drain_covers_only_its_own_thread(self):
        # Thread 1 stores, thread 2 drains: per thread, the store is still pending.
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"A" * 8, thread=1),
                       rec(3, 0xFFFFFFFF, thread=2))
        self.assertEqual(self.durable_at_end(t, "per-thread")[:8], b"\0" * 8)
        self.assertEqual(self.durable_at_end(t, "shared")[:8], b"A" * 8)

    def test_release_hands_stores_to_any_later_drain(self):
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"A" * 8, thread=1),
                       rec(6, 0, thread=1), rec(3, 0xFFFFFFFF, thread=2))
        self.assertEqual(self.durable_at_end(t, "per-thread")[:8], b"A" * 8)

    def test_fdatasync_covers_every_thread(self):
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"A" * 8, thread=1), rec(3, 0, thread=2))
        self.assertEqual(self.durable_at_end(t, "per-thread")[:8], b"A" * 8)

    def images(self, t, init, budget=10000, seed=1):
        return [img for _, _, _, img in pmtrace.enumerate_images(t, init, seed, budget)]

    def test_same_line_persists_in_order(self):
        # Two stores to one line in one fence interval: the second may never persist without the
        # first (x86 persists a line's stores in order), except through 8-byte tearing of the
        # second itself.
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"\x01" * 16), rec(2, 0, 0, b"\x02" * 8),
                       rec(3, 0))
        seen = {img["/d"][:16] for img in self.images(t, lambda p: b"\0" * 64)}
        for s in seen:
            if s[:8] == b"\x02" * 8:
                self.assertEqual(s[8:16], b"\x01" * 8, "second store persisted without the first")
        self.assertIn(b"\x01" * 16, seen)
        self.assertIn(b"\x02" * 8 + b"\x01" * 8, seen)
        self.assertIn(b"\0" * 16, seen)

    def test_tearing_is_8_byte_granular(self):
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, bytes(range(1, 65))), rec(3, 0))
        imgs = self.images(t, lambda p: b"\0" * 64, budget=400)
        torn = [i["/d"] for i in imgs if i["/d"] not in (b"\0" * 64, bytes(range(1, 65)))]
        self.assertTrue(torn, "no torn image generated")
        for img in torn:
            for c in range(8):
                chunk = img[c * 8:c * 8 + 8]
                self.assertIn(chunk, (b"\0" * 8, bytes(range(1 + c * 8, 9 + c * 8))))

    def test_unfenced_size_change_is_optional(self):
        t = self.trace(rec(1, 1, payload=b"/log"), rec(5, 1, 4096), rec(3, 1))
        sizes = {None if i["/log"] is None else len(i["/log"]) for i in self.images(t, lambda p: None)}
        self.assertEqual(sizes, {None, 4096})

    def test_images_are_distinct_and_acked_tracks_commit_done(self):
        t = self.trace(rec(1, 0, payload=b"/d"), rec(2, 0, 0, b"A" * 128), rec(3, 0), rec(4, 0, 1),
                       rec(2, 0, 0, b"B" * 64), rec(3, 0))
        out = list(pmtrace.enumerate_images(t, lambda p: b"\0" * 128, 3, 1000))
        keys = [pmtrace.image_key(i) for _, _, _, i in out]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(out[0][1].acked, {})
        self.assertEqual(out[-1][1].acked, {"/d": 1})

    def test_rebinding_indices(self):
        t = self.trace(rec(1, 0, payload=b"/a"), rec(2, 0, 0, b"x"), rec(1, 0, payload=b"/b"),
                       rec(2, 0, 0, b"y"))
        self.assertEqual([r[1] for r in t.records], ["/a", "/b"])


MOCK = os.path.join(HERE, "mock_engine.py")
TOOL = os.path.join(TOOL_DIR, "snapshot-crashtest")


def harness(*extra, fault=None):
    env = dict(os.environ)
    env.pop("SNAPSHOT_TEST_FAULT", None)
    if fault:
        env["SNAPSHOT_TEST_FAULT"] = fault
    py = sys.executable
    argv = [py, TOOL, "--recover", "%s %s recover {file}" % (py, MOCK),
            "--setup", "%s %s setup {file}" % (py, MOCK), "--check", "%s %s check {file}" % (py, MOCK),
            "--kills", "4", "--power-states", "80", "--recovery-sweeps", "2",
            "--power-recovery", "40", "-j", "2"] + list(extra) + \
           ["--", py, MOCK, "run", "{file}", "{seed}", "6"]
    with tempfile.TemporaryDirectory(prefix="crashtest-selftest-") as work:
        argv[2:2] = ["--workdir", work]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)


class MockEngineEndToEnd(unittest.TestCase):
    def test_correct_protocol_passes(self):
        r = harness()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for model in ("reference", "crash-points", "recovery-crash", "kills", "power", "power-recovery"):
            self.assertRegex(r.stdout, r"(?m)^%s: [1-9]\d* states, 0 failures" % model)

    def test_skip_undo_caught(self):
        r = harness("--models", "crash-points,power", "--expect-fail", "crash-points,power", fault="skip-undo")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("reproduce: ", r.stdout)

    def test_early_invalidate_caught_by_power(self):
        r = harness("--models", "power", "--expect-fail", "power", fault="early-invalidate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_recovery_early_invalidate_caught_by_power_recovery(self):
        r = harness("--models", "power-recovery", "--expect-fail", "power-recovery",
                    "--power-recovery", "150", fault="mock-recover-early-invalidate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_failures_make_exit_status_nonzero(self):
        r = harness("--models", "power", fault="early-invalidate")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^power: \d+ states, [1-9]\d* failures")


if __name__ == "__main__":
    unittest.main()
