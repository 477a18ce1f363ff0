#!/usr/bin/env python3
"""Run a command and print its wall time in milliseconds and its peak
resident memory in kilobytes: "MS KB". Output of the command is discarded;
a failing command makes this exit with its code, after saying so.

Usage: bench/measure.py [--cwd DIR] CMD [ARGS...]
"""
import os
import resource
import subprocess
import sys
import time

args = sys.argv[1:]
cwd = None
if args[:1] == ["--cwd"]:
    cwd, args = args[1], args[2:]
start = time.monotonic()
proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
ms = (time.monotonic() - start) * 1000
if proc.returncode != 0:
    sys.stderr.write("bench: %s exited %d: %s\n" % (" ".join(args), proc.returncode, proc.stderr.decode(errors="replace")[-500:]))
    sys.exit(proc.returncode)
# ru_maxrss of the children waited for: this one command (Linux: kilobytes).
print("%d %d" % (round(ms), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
