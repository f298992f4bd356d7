#!/usr/bin/env python3
"""Interleaved, paired timing of two commands: A and B alternate (order flipped every round), so
load from other processes on a shared machine hits both alike. Prints per-command median/min and
the median of the per-round differences B - A, in milliseconds.
usage: paired.py RUNS -- CMD_A... -- CMD_B..."""
import os, statistics, sys, time

def spawn_time(cmd):
    t = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)
    _, status = os.waitpid(pid, 0)
    dt = time.perf_counter() - t
    if status != 0:
        sys.exit(f"paired.py: {cmd[0]} exited with status {status}")
    return dt * 1e3

def main():
    runs = int(sys.argv[1])
    rest = sys.argv[2:]
    assert rest[0] == "--"
    split = rest.index("--", 1)
    a, b = rest[1:split], rest[split + 1:]
    for _ in range(50):
        spawn_time(a); spawn_time(b)
    ta, tb, diffs = [], [], []
    for i in range(runs):
        if i % 2:
            x = spawn_time(a); y = spawn_time(b)
        else:
            y = spawn_time(b); x = spawn_time(a)
        ta.append(x); tb.append(y); diffs.append(y - x)
    print(f"{statistics.median(ta):.3f} {min(ta):.3f} {statistics.median(tb):.3f} {min(tb):.3f} "
          f"{statistics.median(diffs):.3f}")

main()
