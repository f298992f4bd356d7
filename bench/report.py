#!/usr/bin/env python3
"""report.py OUT [--publish BENCHDIR] — turns OUT/raw.csv (from run.sh) into:
  OUT/summary.csv  one row per (workload, phase, batch, variant): median ns/op, min, max, repeats
  OUT/results.md   Markdown tables: time per operation per variant, speedup of snapshot over
                   pmdk / msync / wal, instrumentation overhead, the targets met or missed
  OUT/*.png        gnuplot bar charts (time per op per batch size, snapshot speedups)
It also checks that every variant computed the same checksum for the same cell (same logic,
same seed): a mismatch means a variant is broken, and the exit status is 1.
With --publish BENCHDIR: also BENCHDIR/RESULTS.md and BENCHDIR/results/*.png.
Standard library only (plots need the gnuplot program; skipped with a note if absent)."""
import csv
import os
import shutil
import statistics
import subprocess
import sys

ORDER = ["native", "snapshot", "pmdk", "msync", "wal", "msync-dax", "wal-dax", "snapshot-noop",
         "snapshot-check"]
ABLATIONS = ("snapshot-noop", "snapshot-check")
BASELINES = ("pmdk", "msync", "wal", "msync-dax", "wal-dax")  # snapshot's speedup over each


def target_for(o, wl, ph, durable, variants):
    """The speedup snapshot should reach over baseline o on this cell, or None if not judged.
    On a durable medium the plain msync/wal are judged; on tmpfs (no write-back cost) their
    DAX-costed versions are, when measured."""
    if (wl, ph) in READ_ONLY:
        return None
    if o == "pmdk":
        return 2.0
    if o == "wal":
        return 3.0 if durable or "wal-dax" not in variants else None
    if o == "wal-dax":
        return None if durable else 3.0
    if (wl, ph) != ("btree", "insert"):
        return None
    if o == "msync":
        return 2.8 if durable else None
    if o == "msync-dax":
        return None if durable else 2.8
    return None
# phases that never commit: speedups there measure the heap layout and instrumentation only
READ_ONLY = {("list", "traverse"), ("btree", "read"), ("kv", "ycsb-c")}


def load(out):
    rows = list(csv.DictReader(open(os.path.join(out, "raw.csv"))))
    meta = open(os.path.join(out, "meta.txt")).read() if os.path.exists(
        os.path.join(out, "meta.txt")) else ""
    return rows, meta


def phase_key(wl, ph):
    order = {"insert": 0, "traverse": 1, "read": 1, "delete": 2}
    if ph.startswith("swap-k") and ph[6:].isdigit():
        return (3, int(ph[6:]), ph)
    return ({"list": 0, "btree": 1, "kv": 2, "sps": 3}.get(wl, 9), order.get(ph, 5), ph)


def summarize(rows):
    cells, sums = {}, {}
    for r in rows:
        k = (r["workload"], r["phase"], int(r["batch"]), r["variant"])
        cells.setdefault(k, []).append(int(r["ns"]) / int(r["ops"]))
        sums.setdefault(k[:3], {}).setdefault(r["variant"], set()).add(r["checksum"])
    stats = {k: (statistics.median(v), min(v), max(v), len(v)) for k, v in cells.items()}
    # native never commits, so its time cannot depend on the batch size: pool its samples over
    # all batch sizes for the ceilings (more samples, less noise).
    pooled = {}
    for (wl, ph, b, v), xs in cells.items():
        if v == "native":
            pooled.setdefault((wl, ph), []).extend(xs)
    for (wl, ph), xs in pooled.items():
        stats[(wl, ph, "native-pooled")] = statistics.median(xs)
    mismatches = []
    for cell, per_variant in sums.items():
        values = {c for s in per_variant.values() for c in s}
        if len(values) > 1:
            mismatches.append((cell, {v: sorted(s) for v, s in per_variant.items()}))
    return stats, mismatches


def fmt_ns(x):
    if x >= 100000:
        return "%.0f µs" % (x / 1000)
    if x >= 10000:
        return "%.1f µs" % (x / 1000)
    if x >= 100:
        return "%.0f ns" % x
    return "%.1f ns" % x


def cell_text(s):
    med, lo, hi, n = s
    spread = (hi - lo) / 2 / med * 100 if med else 0
    return "%s ±%.0f%%" % (fmt_ns(med), spread)


def medium_is_durable(meta):
    for line in meta.splitlines():
        if line.startswith("medium:"):
            return "tmpfs" not in line and "PMEM_IS_PMEM_FORCE=1" not in line
    return False


def markdown(stats, mismatches, meta):
    keys4 = [k for k in stats if len(k) == 4]
    variants = [v for v in ORDER if any(k[3] == v for k in keys4)]
    cells = sorted({k[:3] for k in keys4}, key=lambda c: (c[2], phase_key(c[0], c[1])))
    batches = sorted({c[2] for c in cells})
    durable = medium_is_durable(meta)
    out = ["## Setup", "", "```", meta.strip(), "```", ""]
    if "tmpfs" in meta:
        out += ["**Medium caveat:** on tmpfs, `msync` writes nothing back (shmem's fsync is a "
                "no-op), so `msync` and `wal` pay for no durability at all here: their numbers are "
                "lower bounds. `pmdk` and `snapshot` run libpmem in PMEM mode "
                "(PMEM_IS_PMEM_FORCE=1) and pay real cache-line flushes and fences.", ""]
    out += ["Each cell: median time per operation over the repeats, ± half the min–max spread. "
            "Speedup = other variant's median / snapshot's median (higher is better for snapshot). "
            "`msync-dax`/`wal-dax` = msync/wal plus the page flushes msync costs on a DAX mapping. "
            "The instrumentation ablations (`snapshot-noop`, `snapshot-check`) have their own "
            "table below.", ""]
    misses = []
    have_snap = "snapshot" in variants
    for b in batches:
        out.append("## Commit every %d operation%s" % (b, "" if b == 1 else "s"))
        out.append("")
        shown = [v for v in variants if v not in ABLATIONS]
        head = ["workload"] + shown
        if have_snap:
            head += ["snapshot vs %s" % o for o in BASELINES if o in variants]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for (wl, ph, bb) in cells:
            if bb != b:
                continue
            row = ["%s %s" % (wl, ph)]
            for v in shown:
                s = stats.get((wl, ph, b, v))
                row.append(cell_text(s) if s else "—")
            if have_snap:
                snap = stats.get((wl, ph, b, "snapshot"))
                for o in BASELINES:
                    if o not in variants:
                        continue
                    s = stats.get((wl, ph, b, o))
                    if not (snap and s):
                        row.append("—")
                        continue
                    sp = s[0] / snap[0]
                    target = target_for(o, wl, ph, durable, variants)
                    mark = ""
                    if target:
                        mark = " ✓" if sp >= target else " ✗"
                        if sp < target:
                            nat = stats.get((wl, ph, "native-pooled"))
                            bound = (" — ceiling %.2fx even at native speed" % (s[0] / nat)
                                     if nat else "")
                            misses.append("%s %s, batch %d: snapshot is %.2fx %s (target %.1fx%s)"
                                          % (wl, ph, b, sp, o, target, bound))
                    row.append("%.2fx%s" % (sp, mark))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    if "native" in variants and ("snapshot-noop" in variants or "snapshot-check" in variants):
        out += ["## Instrumentation overhead (ablations vs native: same heap, no commit)", ""]
        abl = [v for v in ("snapshot-check", "snapshot-noop") if v in variants]
        out.append("| workload | batch | native | " + " | ".join(abl) + " |")
        out.append("|---|---|---|" + "---|" * len(abl))
        for (wl, ph, b) in cells:
            nat = stats.get((wl, ph, b, "native"))
            if not nat:
                continue
            row = ["%s %s" % (wl, ph), str(b), cell_text(nat)]
            for v in abl:
                s = stats.get((wl, ph, b, v))
                row.append("%s (%+.0f%%)" % (cell_text(s), (s[0] / nat[0] - 1) * 100)
                           if s else "—")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out += ["## Targets", ""]
    if not have_snap:
        out.append("snapshot variant not measured: targets not evaluated.")
    else:
        out.append("snapshot ≥ 2x pmdk and ≥ 3x wal on every writing workload; ≥ 2.8x msync on "
                   "B-tree insert on a durable medium. %s Read-only phases (%s) are shown but not "
                   "judged: nothing commits there."
                   % ("This run's medium is durable: judged against plain msync and wal."
                      if durable else
                      "This run's medium is not durable (tmpfs: msync writes nothing back), so the "
                      "msync and wal targets are judged against `msync-dax` and `wal-dax`, which "
                      "add the page flushes msync does on a DAX mapping (a lower bound of its "
                      "cost, see workloads/dax.h); plain msync/wal columns are for reference.",
                      ", ".join("%s %s" % p for p in sorted(READ_ONLY))))
        out.append("")
        out.append("The ceiling is the speedup snapshot would reach if it ran as fast as `native` "
                   "(no persistence at all; native's median over all batch sizes, since it never "
                   "commits); where it is below the target, no persistence scheme can meet it on "
                   "this workload.")
        out.append("")
        out += ["- MISSED: " + m for m in misses] if misses else ["- all judged targets met"]
    out.append("")
    if mismatches:
        out += ["## CHECKSUM MISMATCHES (a variant computed something different)", ""]
        for cell, per in mismatches:
            out.append("- %s: %s" % (cell, per))
        out.append("")
    return "\n".join(out), variants, cells, batches


def plots(stats, variants, cells, batches, out):
    if not shutil.which("gnuplot"):
        return ["gnuplot not found: no plots (install gnuplot-nox)"]
    made, notes = [], []
    for b in batches:
        dat = os.path.join(out, "time-batch%d.dat" % b)
        with open(dat, "w") as f:
            f.write("cell " + " ".join(variants) + "\n")
            for (wl, ph, bb) in cells:
                if bb != b:
                    continue
                vals = [stats.get((wl, ph, b, v)) for v in variants]
                f.write("%s-%s " % (wl, ph) + " ".join("%.3f" % s[0] if s else "?" for s in vals)
                        + "\n")
        made.append(("time-batch%d.png" % b, dat,
                     "time per operation, commit every %d op%s (log scale, lower is better)"
                     % (b, "" if b == 1 else "s"), True, len(variants)))
    if "snapshot" in variants:
        others = [o for o in BASELINES if o in variants]
        for b in batches:
            dat = os.path.join(out, "speedup-batch%d.dat" % b)
            with open(dat, "w") as f:
                f.write("cell " + " ".join("over-" + o for o in others) + "\n")
                for (wl, ph, bb) in cells:
                    if bb != b or (wl, ph) in READ_ONLY:
                        continue
                    snap = stats.get((wl, ph, b, "snapshot"))
                    vals = [stats.get((wl, ph, b, o)) for o in others]
                    f.write("%s-%s " % (wl, ph) + " ".join(
                        "%.3f" % (s[0] / snap[0]) if (s and snap) else "?" for s in vals) + "\n")
            made.append(("speedup-batch%d.png" % b, dat,
                         "snapshot speedup, commit every %d op%s (higher is better; 1 = parity)"
                         % (b, "" if b == 1 else "s"), False, len(others)))
    for png, dat, title, logy, ncols in made:
        gp = ("set terminal pngcairo size 1400,600 font ',10'\nset output '%s'\n"
              "set title \"%s\"\nset datafile missing '?'\nset style data histograms\n"
              "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
              "set boxwidth 0.9\nset xtics rotate by -35 noenhanced\nset key outside right noenhanced\n"
              "set grid ytics\n%s"
              "plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)\n"
              % (os.path.join(out, png), title,
                 "set logscale y\nset ylabel 'ns per operation'\n" if logy else
                 "set yrange [0:*]\nset ylabel 'speedup (x)'\n"
                 "set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc 'black'\n"
                 "set arrow from graph 0, first 2 to graph 1, first 2 nohead dt 2 lc 'red'\n"
                 "set arrow from graph 0, first 3 to graph 1, first 3 nohead dt 3 lc 'red'\n"
                 "set label 'target vs pmdk (2x)' at graph 0.99, first 2.12 right front tc 'red'\n"
                 "set label 'target vs wal (3x)' at graph 0.99, first 3.12 right front tc 'red'\n",
                 ncols + 1, dat))
        r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
        if r.returncode != 0:
            notes.append("gnuplot failed for %s: %s" % (png, r.stderr.strip()[:300]))
    return notes


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    publish = sys.argv[sys.argv.index("--publish") + 1] if "--publish" in sys.argv else None
    rows, meta = load(out)
    if not rows:
        sys.exit("report.py: %s/raw.csv has no results" % out)
    stats, mismatches = summarize(rows)
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "phase", "batch", "variant", "median_ns_per_op", "min_ns_per_op",
                    "max_ns_per_op", "repeats"])
        for k in sorted((k for k in stats if len(k) == 4), key=lambda k: (k[2], phase_key(k[0], k[1]), ORDER.index(k[3])
                                              if k[3] in ORDER else 99)):
            s = stats[k]
            w.writerow(list(k) + ["%.2f" % s[0], "%.2f" % s[1], "%.2f" % s[2], s[3]])
    md, variants, cells, batches = markdown(stats, mismatches, meta)
    notes = plots(stats, variants, cells, batches, out)
    pngs = sorted(p for p in os.listdir(out) if p.endswith(".png"))
    body = md + ("\n" + "\n".join("- " + n for n in notes) + "\n" if notes else "")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("# Benchmark results\n\n" + body + "".join(
            "\n![%s](%s)\n" % (p, p) for p in pngs))
    if publish:
        dest = os.path.join(publish, "results")
        os.makedirs(dest, exist_ok=True)
        for old_png in os.listdir(dest):  # plots of an earlier run with other batch sizes
            if old_png.endswith(".png"):
                os.remove(os.path.join(dest, old_png))
        for p in pngs:
            shutil.copy(os.path.join(out, p), os.path.join(dest, p))
        shutil.copy(os.path.join(out, "summary.csv"), os.path.join(dest, "summary.csv"))
        # Hand-written notes below the marker survive regeneration.
        marker = "<!-- notes below this line are kept when report.py regenerates this file -->"
        path, kept = os.path.join(publish, "RESULTS.md"), ""
        if os.path.exists(path):
            old = open(path).read()
            if marker in old:
                kept = old[old.index(marker) + len(marker):]
        with open(path, "w") as f:
            prof = next((l.split(":", 1)[1].strip() for l in meta.splitlines()
                         if l.startswith("profile:")), "?")
            cmd = next((l.split(":", 1)[1].strip() for l in meta.splitlines()
                        if l.startswith("command:")), "?")
            f.write("# Benchmark results (%s profile)\n\nMade by `%s` (the full profile is "
                    "`make bench-full` = `bench/run.sh --full`); per-cell medians of this run: "
                    "`results/summary.csv`. Generated by bench/report.py.\n\n" % (prof, cmd)
                    + body + "".join("\n![%s](results/%s)\n" % (p, p) for p in pngs)
                    + "\n" + marker + kept)
    print(body)
    print("results: %s/results.md, summary.csv, %d plot(s)" % (out, len(pngs)))
    if mismatches:
        print("report.py: CHECKSUM MISMATCH between variants (see results.md)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
