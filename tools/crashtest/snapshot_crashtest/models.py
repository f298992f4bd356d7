"""The crash models. Each returns a Tally (states tried, failures, notes)."""
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

from . import committrace, fsimage, pmtrace
from .runner import describe_rc

EVENT_RE = re.compile(r"^snapshot-event (\d+) (\S+)(?: (.*))?$", re.M)


class Tally:
    def __init__(self, name, report, limit):
        self.name, self.report, self.limit = name, report, limit
        self.states = 0
        self.failures = 0
        self.notes = {}
        self.lock = threading.Lock()

    def state(self):
        with self.lock:
            self.states += 1

    def note(self, key, n=1):
        with self.lock:
            self.notes[key] = self.notes.get(key, 0) + n

    def fail(self, ident, messages, keep_dir=None):
        messages = list(dict.fromkeys(messages))      # same trace problem seen twice: say it once
        with self.lock:
            self.failures += 1
            first = self.failures == 1
        self.report(self.name, ident, messages, keep_dir)
        return first

    def stopped(self):
        return self.limit and self.failures >= self.limit

    def line(self):
        extra = ", ".join("%d %s" % (v, k) for k, v in sorted(self.notes.items()))
        return "%s: %d states, %d failures%s" % (self.name, self.states, self.failures,
                                                  " (%s)" % extra if extra else "")


def parallel(jobs, items, fn, tally):
    def guarded(x):
        if tally.stopped():
            return
        fn(x)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for _ in ex.map(guarded, items):
            pass


class Models:
    def __init__(self, h, template, work, report):
        self.h, self.o, self.template, self.work, self.report = h, h.o, template, work, report
        self.events = []              # (n, name, file) from the listing run
        self.reference_secs = None

    def tally(self, name):
        return Tally(name, self.report, self.o.max_failures)

    def trial_dir(self, model, ident):
        return os.path.join(self.work, model, str(ident))

    def keep(self, root, ident, model):
        """Preserve a failing trial directory for inspection."""
        dst = os.path.join(self.work, "failures", "%s-%s" % (model, ident))
        if os.path.exists(root) and not os.path.exists(dst):
            shutil.copytree(root, dst, symlinks=True)
        return dst

    def after_crash(self, root, trace, which, extra=None):
        """Recover every data file, then check the oracle and the application checker."""
        hist = committrace.read(trace)
        files = fsimage.data_files(root, self.template, hist)
        fails, results = self.h.recover(files, which, extra)
        if not fails:
            fails += self.h.check_files(root, self.template, hist)
            fails += self.h.check_app(root, not fails)
        return fails, results, hist, files

    # --- reference: complete runs -------------------------------------------------------------
    def reference(self):
        t = self.tally("reference")
        root = self.trial_dir("reference", "snapshot")
        fsimage.populate(root, self.template)
        trace = root + ".trace"
        argv = self.h.subst(self.o.command, root)
        r = self.h.run(argv, {"SNAPSHOT_TRACE": trace, "SNAPSHOT_CRASH_LIST": "1"})
        t.state()
        self.reference_secs = r.secs
        self.events = [(int(m.group(1)), m.group(2), m.group(3) or "")
                       for m in EVENT_RE.finditer(r.err)]
        fails = []
        if r.rc != 0:
            fails.append("complete run %s: %s" % (describe_rc(r.rc), r.tail()))
        try:
            hist = committrace.read(trace)
            if not hist and not fails:
                fails.append("complete run produced no commit in SNAPSHOT_TRACE (does the program "
                             "msync, and is it built with snapshot-cc?)")
            # No crash: each file must hold its last acknowledged image, before and after recovery.
            fails += self.h.check_files(root, self.template, hist)
            rfails, _ = self.h.recover(fsimage.data_files(root, self.template, hist))
            cf = self.h.check_files(root, self.template, hist)
            fails += rfails + cf + self.h.check_app(root, not cf)
        except committrace.TraceError as e:
            fails.append(str(e))
        if fails:
            t.fail("snapshot", fails, self.keep(root, "snapshot", "reference"))
        if self.o.differential:
            self.differential(t, root)
        return t

    def differential(self, t, snap_root):
        """Same command with SNAPSHOT_DISABLE=1 (plain POSIX msync): for a deterministic program
        that commits before it exits, the final files must be identical."""
        root = self.trial_dir("reference", "posix")
        fsimage.populate(root, self.template)
        r = self.h.run(self.h.subst(self.o.command, root), {"SNAPSHOT_DISABLE": "1"})
        t.state()
        fails = []
        if r.rc != 0:
            fails.append("SNAPSHOT_DISABLE=1 run %s: %s" % (describe_rc(r.rc), r.tail()))
        a = {k: v for k, v in fsimage.snapshot_dir(snap_root).items() if not fsimage.is_log(k)}
        b = {k: v for k, v in fsimage.snapshot_dir(root).items() if not fsimage.is_log(k)}
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                x, y = a.get(k), b.get(k)
                first = next((i for i in range(min(len(x or b""), len(y or b"")))
                              if x[i] != y[i]), None) if x and y else None
                fails.append("differential: %s differs between Snapshot and SNAPSHOT_DISABLE=1 runs"
                             " (sizes %s/%s, first differing byte %s)" %
                             (k, len(x) if x is not None else "absent",
                              len(y) if y is not None else "absent", first))
        if fails:
            t.fail("posix", fails, self.keep(root, "posix", "reference"))

    # --- model 1 (+4): crash at every persistence event ---------------------------------------
    def crash_points(self, with_recovery_crash):
        t = self.tally("crash-points")
        t4 = self.tally("recovery-crash") if with_recovery_crash else None
        count = max([n for n, _, _ in self.events] or [0])
        if count == 0:
            t.fail("list", ["the complete run reported no persistence events with "
                            "SNAPSHOT_CRASH_LIST=1: crash points cannot be swept"])
            return t, t4
        points = self.o.only if self.o.only else list(range(1, count + 1))
        names = {n: name for n, name, _ in self.events}
        p_sweep = min(1.0, 2.0 * self.o.recovery_sweeps / max(1, count))

        def one(n):
            root = self.trial_dir("crash-points", n)
            fsimage.populate(root, self.template)
            trace = root + ".trace"
            mode = self.crash_mode(n)
            r = self.h.run(self.h.subst(self.o.command, root),
                           {"SNAPSHOT_TRACE": trace, "SNAPSHOT_CRASH_AT": n, "SNAPSHOT_CRASH_MODE": mode})
            t.state()
            fails = []
            if r.rc == 0:
                t.note("not reached")
            elif not r.crashed():
                fails.append("workload %s with SNAPSHOT_CRASH_AT=%d: %s" % (describe_rc(r.rc), n, r.tail()))
            sweep = t4 is not None and random.Random(self.o.seed * 7919 + n).random() < p_sweep
            saved = self.save(root, trace) if sweep else None
            try:
                rf, results, hist, files = self.after_crash(
                    root, trace, n, {"SNAPSHOT_CRASH_LIST": "1"} if sweep else None)
                fails += rf
            except committrace.TraceError as e:
                fails.append(str(e))
                results, files = [], []
            if fails:
                fails.insert(0, "crash at event %d (%s), mode %s" % (n, names.get(n, "?"), mode))
                t.fail(n, fails, self.keep(root, n, "crash-points"))
                return
            if sweep:
                self.recovery_sweep(t4, n, root, trace, saved, results, files)
            if not self.o.keep:
                shutil.rmtree(root, ignore_errors=True)

        parallel(self.o.jobs, points, one, t)
        return t, t4

    def crash_mode(self, n):
        m = self.o.crash_mode
        return m if m != "both" else ("exit" if n % 2 else "kill")

    def save(self, root, trace):
        """Bytes of every file of a crashed trial (restored in place between recovery crashes)."""
        return {os.path.join(root, rel): c for rel, c in fsimage.snapshot_dir(root).items()}

    def recovery_sweep(self, t4, n, root, trace, saved, results, files):
        """Model 4: crash at every event of the recovery of a crashed state, recover again, check."""
        hist = committrace.read(trace)
        for path, r in results:
            rcount = max([int(m.group(1)) for m in EVENT_RE.finditer(r.err)] or [0])
            for k in range(1, rcount + 1):
                if t4.stopped():
                    return
                ident = "%d.%s.%d" % (n, os.path.basename(path), k)
                now = {os.path.join(root, rel) for rel in fsimage.snapshot_dir(root)}
                for p in set(saved) | now:
                    fsimage.write_in_place(p, saved.get(p))
                mode = self.crash_mode(k)
                # The recovery command that listed the events (the same one, so event k exists);
                # the other one, if any, recovers afterwards: both get crashed across trials.
                argv = self.h.recover_argv(n, path)
                r1 = self.h.run(argv, {"SNAPSHOT_CRASH_AT": k, "SNAPSHOT_CRASH_MODE": mode})
                t4.state()
                fails = []
                if r1.rc == 0:
                    t4.note("not reached")
                elif not r1.crashed():
                    fails.append("recovery with SNAPSHOT_CRASH_AT=%d: %s: %s" % (k, describe_rc(r1.rc), r1.tail()))
                if self.o.soak and r1.crashed():
                    # Soak: the second recovery crashes too, somewhere in its own events.
                    j = random.Random(self.o.seed * 131 + n * 1009 + k).randint(1, rcount)
                    r2 = self.h.run(self.h.recover_argv(n + 1, path), {"SNAPSHOT_CRASH_AT": j})
                    if r2.rc != 0 and not r2.crashed():
                        fails.append("second recovery with SNAPSHOT_CRASH_AT=%d: %s: %s" % (j, describe_rc(r2.rc), r2.tail()))
                    t4.note("double crashes")
                rf, _ = self.h.recover(files, n + 1)
                fails += rf
                if not rf:
                    cf = self.h.check_files(root, self.template, hist)
                    fails += cf + self.h.check_app(root, not cf)
                if fails:
                    fails.insert(0, "workload crashed at event %d; recovery `%s` crashed at its event %d "
                                    "(mode %s), then recovered again" % (n, shlex.join(argv), k, mode))
                    t4.fail(ident, fails, self.keep(root, ident, "recovery-crash"))

    # --- model 2: SIGKILL at random times ----------------------------------------------------
    def kills(self):
        t = self.tally("kills")
        span = max(0.005, (self.reference_secs or 0.5) * 1.2)
        idents = self.o.only if self.o.only else list(range(self.o.kills))

        def one(i):
            rng = random.Random(self.o.seed * 104729 + i)
            root = self.trial_dir("kills", i)
            fsimage.populate(root, self.template)
            trace = root + ".trace"
            seed = self.o.seed + i
            delay = rng.uniform(0, span)
            err_path = root + ".stderr"
            p = self.h.start(self.h.subst(self.o.command, root, seed), err_path, {"SNAPSHOT_TRACE": trace})
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=self.o.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            with open(err_path, "rb") as fh:
                err = fh.read()
            t.state()
            fails = []
            if p.returncode == -signal.SIGKILL:
                t.note("killed mid-run")
            elif p.returncode != 0:
                fails.append("workload %s: %s" % (describe_rc(p.returncode),
                                                  err.decode("utf-8", "replace").strip()[-400:]))
            try:
                rf, _, hist, _ = self.after_crash(root, trace, i)
                fails += rf
                if p.returncode == -signal.SIGKILL and any(
                        h.records and h.records[-1][0] == "begin" for h in hist.values()):
                    t.note("inside a commit")
            except committrace.TraceError as e:
                fails.append(str(e))
            if fails:
                fails.insert(0, "SIGKILL after %.1f ms (seed %d)" % (delay * 1000, seed))
                t.fail(i, fails, self.keep(root, i, "kills"))
            elif not self.o.keep:
                shutil.rmtree(root, ignore_errors=True)

        parallel(self.o.jobs, idents, one, t)
        return t

    # --- model 3: simulated power failure from SNAPSHOT_PMTRACE -------------------------------
    def power(self, with_recovery):
        """Model 3. With `with_recovery`, some crashed images whose recovery rolled something back
        also get power failures *during that recovery* (images built from the recovery's own
        SNAPSHOT_PMTRACE), then recovery again: the 'power-recovery' tally."""
        t = self.tally("power")
        t2 = self.tally("power-recovery") if with_recovery else None
        workers = 1 if self.o.only else max(1, self.o.jobs)
        fences = [0]
        sub_budget = 12                      # images per swept recovery

        def worker(w):
            root = self.trial_dir("power", w)
            fsimage.populate(root, self.template)
            trace, pmt = root + ".trace", root + ".pmtrace"
            r = self.h.run(self.h.subst(self.o.command, root),
                           {"SNAPSHOT_TRACE": trace, "SNAPSHOT_PMTRACE": pmt})
            if r.rc != 0:
                t.fail("run%d" % w, ["workload with SNAPSHOT_PMTRACE %s: %s" % (describe_rc(r.rc), r.tail())])
                return
            try:
                hist = committrace.read(trace)
                pm = pmtrace.read(pmt)
            except (committrace.TraceError, pmtrace.PMTraceError, OSError) as e:
                t.fail("run%d" % w, ["cannot read traces: %s" % e])
                return
            real = os.path.realpath(root)
            outside = [p for p in pm.paths if not p.startswith(real + os.sep)]
            if outside:
                t.fail("run%d" % w, ["persistent writes outside the trial directory: %s" % outside])
                return
            data = fsimage.data_files(real, self.template, hist)
            bad = self.consistent(pm, hist)
            if bad:
                t.fail("run%d" % w, bad)
                return
            fences[0] = max(fences[0], sum(1 for x in pm.records if x[0] == pmtrace.FENCE))

            def initial(path):
                return self.template.get(os.path.relpath(path, real))

            def check(acked, which, extra=None):
                fails, _ = self.h.recover(data, which, extra)
                if not fails:
                    try:
                        fails += self.h.check_files(real, self.template, hist, acked)
                    except committrace.TraceError as e:
                        fails.append(str(e))
                    fails += self.h.check_app(real, not fails)
                return fails

            rec_trace = root + ".recovery-pmtrace"
            swept = [0]                      # recovery images tried by this worker
            sweep_cap = max(1, self.o.power_recovery // workers)
            for no, point, label, img in pmtrace.enumerate_images(pm, initial, self.o.seed, self.o.power_states):
                if t.stopped():
                    return
                if (self.o.only and no not in self.o.only) or (not self.o.only and no % workers != w):
                    continue
                for path in data:            # data files the trace never wrote: as before the run
                    if path not in img:
                        img[path] = initial(path)
                for path, content in img.items():
                    fsimage.write_in_place(path, content)
                acked = {p: point.acked.get(p, 0) for p in data}
                where = ("power failure before trace record %d (instant %d), image %s; acknowledged "
                         "epochs %s" % (point.position, point.index, label,
                                        {os.path.basename(k): v for k, v in acked.items()}))
                t.state()
                if os.path.exists(rec_trace):
                    os.unlink(rec_trace)
                fails = check(acked, no, {"SNAPSHOT_PMTRACE": rec_trace} if t2 else None)
                if fails:
                    t.fail(no, [where] + fails, self.keep_image(img, "power-%d" % no))
                    continue
                if t2 is None or t2.stopped():
                    continue
                if not os.path.exists(rec_trace):
                    continue                 # the recovery persisted nothing (no trace opened)
                try:
                    rt = pmtrace.read(rec_trace)
                except (pmtrace.PMTraceError, OSError) as e:
                    t2.fail(no, [where, "cannot read the recovery's SNAPSHOT_PMTRACE: %s" % e])
                    continue
                rolled = any(x[0] == pmtrace.STORE and x[1] in data for x in rt.records)
                if not rolled or (not self.o.only and (swept[0] >= sweep_cap or
                                  random.Random(self.o.seed * 31337 + no).random() > 0.5)):
                    continue
                for k, p2, label2, img2 in pmtrace.enumerate_images(rt, img.get, self.o.seed + no, sub_budget):
                    swept[0] += 1
                    for path, content in img2.items():
                        fsimage.write_in_place(path, content)
                    t2.state()
                    fails = check(acked, no + k + 1)
                    if fails:
                        t2.fail("%d.%d" % (no, k),
                                [where, "then power failed during its recovery, before recovery trace "
                                 "record %d, image %s; recovered again" % (p2.position, label2)] + fails,
                                self.keep_image(img2, "power-recovery-%d.%d" % (no, k)))
                        break

        parallel(workers, list(range(workers)), worker, t)
        t.note("fence instants", fences[0] + 1)
        return t, t2

    def keep_image(self, img, name):
        kept = os.path.join(self.work, "failures", name)
        os.makedirs(kept, exist_ok=True)
        for path, content in img.items():
            if content is not None:
                with open(os.path.join(kept, os.path.basename(path)), "wb") as fh:
                    fh.write(content)
        return kept

    @staticmethod
    def consistent(pm, hist):
        """COMMIT_DONE records and the text trace must agree on how many commits each file had."""
        bad = []
        done = {}
        for kind, f, off, _, _ in pm.records:
            if kind == pmtrace.COMMIT_DONE:
                done[f] = off
        for path, h in hist.items():
            n = len(h.commits())
            got = done.get(path, 0)
            if n and got != h.commits()[-1][1]:
                bad.append("%s: SNAPSHOT_TRACE has %d commits (last epoch %d) but SNAPSHOT_PMTRACE "
                           "acknowledges epoch %d" % (path, n, h.commits()[-1][1], got))
        return bad
