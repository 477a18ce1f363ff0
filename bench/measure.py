#!/usr/bin/env python3
"""Run a command and print its wall time in milliseconds and its peak
resident memory in kilobytes: "MS KB". Output of the command is discarded;
a failing command makes this exit with its code, after saying so.

The peak is the command's own. A process forked from Python and then
exec'ing carries Python's resident set into its ru_maxrss (Linux records
the old memory's high-water mark at exec, vfork included): find read as
13.8 MB, really 2.7 MB. So the command is started by GNU time, a small
process (about 2 MB, under any command measured here), which reports the
peak of its one child from wait4.

With --cpu FILE, the command's own CPU time (user+sys, ms) is written to
FILE as well.

Usage: bench/measure.py [--cwd DIR] [--cpu FILE] CMD [ARGS...]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

args = sys.argv[1:]
cwd = cpu = None
while args[:1] in (["--cwd"], ["--cpu"]):
    if args[0] == "--cwd":
        cwd = args[1]
    else:
        cpu = args[1]
    args = args[2:]
gnu_time = shutil.which("time", path="/usr/bin:/bin")
if gnu_time is None:
    sys.exit("bench: GNU time (/usr/bin/time) is needed to measure a command's own memory: apt-get install time")
with tempfile.NamedTemporaryFile("r", prefix="measure-", suffix=".rss") as out:
    start = time.monotonic()
    proc = subprocess.run([gnu_time, "-q", "-f", "%M %U %S", "-o", out.name, "--"] + args, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ms = (time.monotonic() - start) * 1000
    rss = out.read().strip().splitlines()
if proc.returncode != 0:
    sys.stderr.write("bench: %s exited %d: %s\n" % (" ".join(args), proc.returncode, proc.stderr.decode(errors="replace")[-500:]))
    sys.exit(proc.returncode)
kb, user, sys_ = rss[-1].split()
if cpu is not None:
    with open(cpu, "w") as f:
        f.write("%d\n" % round((float(user) + float(sys_)) * 1000))
print("%d %s" % (round(ms), kb))
