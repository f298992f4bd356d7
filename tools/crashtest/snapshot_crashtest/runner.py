"""Running the workload, recovery and checker processes, and checking the oracle on a directory."""
import os
import shlex
import signal
import subprocess
import time

from . import committrace, fnv, fsimage

CRASH_EXIT = 86
ENGINE_VARS = ("SNAPSHOT_CRASH_AT", "SNAPSHOT_CRASH_MODE", "SNAPSHOT_CRASH_LIST",
               "SNAPSHOT_TRACE", "SNAPSHOT_PMTRACE")


class Result:
    __slots__ = ("rc", "out", "err", "secs")

    def __init__(self, rc, out, err, secs):
        self.rc, self.out, self.err, self.secs = rc, out, err, secs

    def tail(self, n=6):
        """Last lines of stderr, without the SNAPSHOT_CRASH_LIST event lines."""
        lines = [x for x in (self.err or "").strip().splitlines()
                 if not x.startswith("snapshot-event ")]
        return " | ".join(lines[-n:])

    def crashed(self):
        return self.rc == CRASH_EXIT or self.rc == -signal.SIGKILL


def describe_rc(rc):
    if rc is None:
        return "timed out"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit %d" % rc


class Harness:
    def __init__(self, opts):
        self.o = opts
        base = {k: v for k, v in os.environ.items() if k not in ENGINE_VARS}
        base.setdefault("SNAPSHOT_QUIET", "1")
        self.base_env = base

    # --- command lines -------------------------------------------------------------------------
    def subst(self, argv, root, seed=None):
        seed = self.o.seed if seed is None else seed
        m = {"dir": root, "file": os.path.join(root, "data"), "seed": str(seed),
             "bin": self.o.bin_dir}
        return [a.format(**m) if "{" in a else a for a in argv]

    def env(self, extra):
        e = dict(self.base_env)
        for k, v in (extra or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = str(v)
        return e

    def run(self, argv, extra=None, cwd=None):
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, env=self.env(extra), cwd=cwd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=self.o.timeout)
            rc = p.returncode
            out, err = p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, e.stdout or b"", e.stderr or b""
        except OSError as e:
            rc, out, err = 127, b"", ("cannot run %s: %s" % (argv[0], e)).encode()
        return Result(rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                      time.monotonic() - t0)

    def start(self, argv, err_path, extra=None, cwd=None):
        """Start without waiting (random kills). stderr goes to a file, not a pipe: a chatty
        program blocked on a full pipe would otherwise look like one killed mid-run."""
        with open(err_path, "wb") as err:
            return subprocess.Popen(argv, env=self.env(extra), cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)

    # --- recovery ------------------------------------------------------------------------------
    def recover_argv(self, which, path):
        tmpl = self.o.recover_cmds[which % len(self.o.recover_cmds)]
        m = {"file": path, "bin": self.o.bin_dir, "dir": os.path.dirname(path)}
        return [a.format(**m) if "{" in a else a for a in shlex.split(tmpl)]

    def recover(self, files, which=0, extra=None):
        """Run recovery on every data file; returns (failures, results)."""
        fails, results = [], []
        for path in files:
            if not os.path.exists(path):
                continue
            argv = self.recover_argv(which, path)
            r = self.run(argv, extra)
            results.append((path, r))
            if r.rc != 0:
                fails.append("recovery `%s` failed (%s): %s" %
                             (shlex.join(argv), describe_rc(r.rc), r.tail()))
        return fails, results

    def check_app(self, root, images_ok=True):
        if not self.o.check:
            return []
        argv = self.subst(self.o.check, root)
        r = self.run(argv)
        if r.rc != 0:
            out = ["invariant checker `%s` failed (%s): %s" %
                   (shlex.join(argv), describe_rc(r.rc), (r.out + r.err).strip()[-400:])]
            if images_ok:
                out.append("note: every file is an image the oracle allows, so a committed image "
                           "itself breaks the invariant: a write the runtime did not record, a "
                           "write racing msync, or a bug in the program or its checker")
            return out
        return []

    # --- oracle --------------------------------------------------------------------------------
    def initial_image(self, template, root, path):
        rel = os.path.relpath(path, root)
        if rel in template:
            c = template[rel]
            return committrace.Image(0, fnv.hexdigest(c), len(c), "initial")
        return None      # created by the workload: unconstrained until its first commit

    def check_files(self, root, template, histories, acked=None, contents=None):
        """Oracle over every data file of a trial directory. `acked` (power model) maps a path to
        the number of commits acknowledged at the crash instant. `contents` overrides reading."""
        fails = []
        for h in histories.values():
            fails.extend(h.problems)
        for path in fsimage.data_files(root, template, histories):
            hist = histories.get(path) or committrace.FileHistory(path)
            init = self.initial_image(template, root, path)
            upto = None if acked is None else acked.get(path, 0)
            if init is None and not hist.records:
                continue
            if init is None:
                init = committrace.Image(0, None, None, "initial (created by the run: any)")
            allowed = hist.allowed(init, upto)
            data = contents[path] if contents and path in contents else fsimage.read_or_none(path)
            if data is None:
                if init.digest is None and (upto in (None, 0)) and not hist.commits():
                    continue
                fails.append("%s: file missing after recovery; allowed %s" % (path, allowed))
                continue
            d = fnv.hexdigest(data)
            ok = any(a.digest is None or (a.digest == d and a.size == len(data)) for a in allowed)
            if not ok:
                fails.append("%s: content %s size %d is not an allowed image %s (%s)" %
                             (path, d, len(data), allowed, hist.describe(d)))
        return fails
