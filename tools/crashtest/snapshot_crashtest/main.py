"""Command line of snapshot-crashtest."""
import argparse
import os
import shlex
import shutil
import sys
import tempfile
import threading

from . import fsimage
from . import pmtrace
from .models import Models
from .runner import Harness, describe_rc

ALL_MODELS = ["reference", "crash-points", "recovery-crash", "kills", "power", "power-recovery"]
PROFILES = {   # kills, power states, recovery sweeps, power-recovery images
    "quick": (100, 600, 12, 150),
    "soak": (3000, 20000, 500, 5000),
}

USAGE = """snapshot-crashtest [options] -- COMMAND [ARG...]

Runs COMMAND (a program built with snapshot-cc) under four crash models and checks that after
every crash and recovery each data file is byte-identical to its last acknowledged msync image or
to the image being committed. Arguments may use {dir} (a fresh trial directory holding copies of
the initial files), {file} (= {dir}/data), {seed} and {bin}."""

EPILOG = """models:
  reference       complete runs: exit 0, final files = last commit, recovery is a no-op
                  (+ --differential: same files as a SNAPSHOT_DISABLE=1 run)
  crash-points    crash at every persistence event (SNAPSHOT_CRASH_AT=1..N), recover, check
  recovery-crash  crash at every event of the recovery of a crashed state, recover again, check
  kills           SIGKILL at random times, recover, check
  power           simulated power failure: images built from SNAPSHOT_PMTRACE keeping subsets of
                  the unfenced writes (prefixes, random per-line subsets, 8-byte tearing),
                  real recovery on each, check
  power-recovery  for some power-failure images whose recovery rolled back a commit, power
                  failure images of that recovery (from its own SNAPSHOT_PMTRACE), recover again

example:
  snapshot-crashtest --setup 'myprog init {file}' --check 'myprog check {file}' -- myprog run {file} {seed}
Exit status: 0 all models passed, 1 failures (each printed with a command that reproduces it),
2 usage or environment error. With --expect-fail, 0 iff every listed model found a failure."""


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="snapshot-crashtest", usage=USAGE, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setup", help="shell-quoted command creating the initial files in {dir} "
                    "(run once, without crash injection)")
    ap.add_argument("--check", help="shell-quoted application invariant checker run after every "
                    "recovery; must exit 0")
    ap.add_argument("--recover", action="append", dest="recover_cmds", metavar="CMD",
                    help="recovery command for one data file {file} (default: '{bin}/snapshot "
                    "recover {file}'); repeat to alternate between several (e.g. a program that "
                    "maps the file, so the runtime's map-time recovery is exercised too)")
    ap.add_argument("--models", default=",".join(ALL_MODELS),
                    help="comma-separated subset of: " + ", ".join(ALL_MODELS))
    ap.add_argument("--soak", action="store_true", help="long profile (thousands of kills, "
                    "tens of thousands of power-failure states, hundreds of recovery sweeps, "
                    "double crashes during recovery)")
    ap.add_argument("--kills", type=int, help="random-kill trials")
    ap.add_argument("--power-states", type=int, help="distinct power-failure images to test")
    ap.add_argument("--power-recovery", type=int,
                    help="about how many power-failure images to build from recoveries")
    ap.add_argument("--recovery-sweeps", type=int,
                    help="about how many crashed states get a full crash-during-recovery sweep")
    ap.add_argument("--crash-mode", choices=["exit", "kill", "both"], default="both",
                    help="SNAPSHOT_CRASH_MODE for crash points (both: alternate)")
    ap.add_argument("--differential", action="store_true",
                    help="the program is deterministic and commits before exit: compare its final "
                    "files with a SNAPSHOT_DISABLE=1 run")
    ap.add_argument("--fence-model", choices=["per-thread", "shared"], default="per-thread",
                    help="power model: a pmem drain covers only its thread's stores (default), or "
                         "every thread's (the older, optimistic model)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="comma-separated state ids of a single model (reproduce)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per process")
    ap.add_argument("--workdir", help="where to make the scratch directory (default: /dev/shm, else TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep every trial directory")
    ap.add_argument("--max-failures", type=int, default=0,
                    help="stop a model after this many failures (0: never)")
    ap.add_argument("--expect-fail", metavar="MODELS",
                    help="negative control: succeed iff each listed model reports a failure")
    ap.add_argument("--bin-dir", help="directory holding `snapshot` (default: $SNAPSHOT_BIN_DIR, "
                    "this script's directory, then PATH)")
    ap.add_argument("--name", help="label printed with the summary")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    o = ap.parse_args(argv)
    if o.command and o.command[0] == "--":
        o.command = o.command[1:]
    if not o.command:
        ap.error("no workload command (give it after --)")
    o.models = [m.strip() for m in o.models.split(",") if m.strip()]
    for m in o.models:
        if m not in ALL_MODELS:
            ap.error("unknown model %r" % m)
    o.expect_fail = [m.strip() for m in o.expect_fail.split(",")] if o.expect_fail else []
    for m in o.expect_fail:
        if m not in ALL_MODELS:
            ap.error("unknown model %r in --expect-fail" % m)
    kills, power, sweeps, precov = PROFILES["soak" if o.soak else "quick"]
    o.power_recovery = precov if o.power_recovery is None else o.power_recovery
    o.kills = kills if o.kills is None else o.kills
    o.power_states = power if o.power_states is None else o.power_states
    o.recovery_sweeps = sweeps if o.recovery_sweeps is None else o.recovery_sweeps
    if o.only:
        o.only = [x if not x.isdigit() else int(x) for x in o.only.split(",")]
        if len(o.models) != 1:
            ap.error("--only needs exactly one model in --models")
    if o.expect_fail and not o.max_failures:
        o.max_failures = 1          # one failure proves the control; do not spend the budget
    o.bin_dir = find_bin_dir(o.bin_dir)
    pmtrace.FENCE_MODEL = o.fence_model
    o.recover_cmds = o.recover_cmds or ["{bin}/snapshot recover {file}"]
    o.setup = shlex.split(o.setup) if o.setup else None
    o.check = shlex.split(o.check) if o.check else None
    o.raw_argv = argv
    return o


def find_bin_dir(given):
    if given:
        return os.path.abspath(given)
    env = os.environ.get("SNAPSHOT_BIN_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.realpath(sys.argv[0]))
    if os.path.exists(os.path.join(here, "snapshot")):
        return here
    w = shutil.which("snapshot")
    return os.path.dirname(w) if w else here


# Settings that change what the engine does, carried into reproduction commands.
REPRO_ENV = ("SNAPSHOT_TEST_FAULT", "PMEM_IS_PMEM_FORCE", "SNAPSHOT_VERIFY", "SNAPSHOT_DISABLE")


def repro_command(o, model, ident):
    """The same invocation, narrowed to one model and one state, keeping its directory."""
    skip_val = {"--models", "--only", "--kills", "--power-states", "--expect-fail", "--max-failures",
                "--power-recovery",
                "--workdir", "-j", "--jobs", "--recovery-sweeps", "--name"}
    out, argv, i = ["snapshot-crashtest"], o.raw_argv, 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        key = a.split("=", 1)[0]
        if key in skip_val:
            i += 1 if "=" in a else 2
            continue
        if a in ("--soak", "--keep"):
            i += 1
            continue
        out.append(a)
        i += 1
    if not any(a == "--bin-dir" or a.startswith("--bin-dir=") for a in out):
        out += ["--bin-dir", o.bin_dir]       # {bin} was resolved from the environment
    out += ["--models", model, "--only", str(ident), "--keep", "-j", "1"]
    if model in ("power", "power-recovery"):
        out += ["--power-states", str(o.power_states)]
    envs = ["%s=%s" % (k, shlex.quote(os.environ[k])) for k in REPRO_ENV if k in os.environ]
    return " ".join(envs + [shlex.join(out + ["--"] + o.command)])


def main(argv=None):
    o = parse_args(sys.argv[1:] if argv is None else argv)
    h = Harness(o)
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    if o.workdir:
        os.makedirs(o.workdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="snapshot-crashtest-", dir=o.workdir or base)
    label = "[%s] " % o.name if o.name else ""
    out_lock = threading.Lock()
    failed_models = set()

    def report(model, ident, messages, kept):
        failed_models.add(model)
        with out_lock:
            print("%sFAIL %s #%s:" % (label, model, ident))
            for m in messages:
                print("    " + m)
            if kept:
                print("    files kept in " + kept)
            if model == "recovery-crash":
                print("    reproduce: " + repro_command(o, "recovery-crash", str(ident).split(".")[0])
                      .replace(" --keep", " --keep --recovery-sweeps 1000000", 1))
            elif model == "power-recovery":
                print("    reproduce: " + repro_command(o, "power-recovery", str(ident).split(".")[0]))
            elif model != "reference" or ident == "snapshot":
                print("    reproduce: " + repro_command(o, model, ident))
            else:
                print("    reproduce: " + repro_command(o, "reference", "posix") + "  (--differential)")
            sys.stdout.flush()

    # The template: initial files, created once by --setup (or empty).
    template_dir = os.path.join(work, "template")
    fsimage.populate(template_dir, {})
    if o.setup:
        r = h.run(h.subst(o.setup, template_dir))
        if r.rc != 0:
            print("snapshot-crashtest: setup `%s` failed (%s): %s" %
                  (shlex.join(h.subst(o.setup, template_dir)), describe_rc(r.rc), r.tail()),
                  file=sys.stderr)
            return 2
    template = fsimage.snapshot_dir(template_dir)
    if "power" in o.models or "recovery-crash" in o.models or "crash-points" in o.models:
        exe = h.recover_argv(0, "/x")[0]
        if not (os.path.exists(exe) if os.sep in exe else shutil.which(exe)):
            print("snapshot-crashtest: recovery command %s not found (use --bin-dir or --recover)" %
                  h.recover_argv(0, "{file}")[0], file=sys.stderr)
            return 2

    m = Models(h, template, work, report)
    tallies = []
    need_ref = any(x in o.models for x in ("reference", "crash-points", "recovery-crash", "kills"))
    if need_ref:
        ref = m.reference()
        if "reference" in o.models and not (o.only and o.models != ["reference"]):
            tallies.append(ref)
    if "crash-points" in o.models or "recovery-crash" in o.models:
        t1, t4 = m.crash_points("recovery-crash" in o.models)
        if "crash-points" in o.models:
            tallies.append(t1)
        if t4 is not None:
            tallies.append(t4)
    if "kills" in o.models:
        tallies.append(m.kills())
    if "power" in o.models or "power-recovery" in o.models:
        tp, tr = m.power("power-recovery" in o.models)
        if "power" in o.models:
            tallies.append(tp)
        if tr is not None:
            tallies.append(tr)

    for t in tallies:
        print(label + t.line())
    failures = sum(t.failures for t in tallies)
    if o.expect_fail:
        caught = [x for x in o.expect_fail if x in failed_models]
        missed = [x for x in o.expect_fail if x not in failed_models]
        print("%snegative control: caught by %s%s" % (label, ", ".join(caught) or "nothing",
              "; NOT caught by " + ", ".join(missed) if missed else ""))
        rc = 0 if not missed else 1
    else:
        rc = 1 if failures else 0
    if (failures and not (o.expect_fail and rc == 0)) or o.keep:
        print("%strial directories: %s" % (label, work))
    else:
        shutil.rmtree(work, ignore_errors=True)
    return rc
