#!/usr/bin/env python3
"""Runs a command as a child process and reports its peak resident set size, measured by the kernel.

  python3 bench/peak-rss.py /usr/bin/python3 ../shared/bench/torch_flowmo_bench.py --preset tiny64 --op train_step

The child's stdout and stderr pass through; then one JSON line {"peak_rss_mb": …, "exit": …} follows on stdout.
The figure is ru_maxrss of the child alone (os.wait4 returns that process's own rusage: KiB on Linux), the same
measure bench/op.ts reports for our ops with process.resourceUsage().maxRSS.
"""
import json, os, sys

if len(sys.argv) < 2:
    sys.exit("usage: peak-rss.py COMMAND [ARG...]")
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    except OSError as e:
        print(f"peak-rss.py: cannot run {sys.argv[1]}: {e.strerror}", file=sys.stderr, flush=True)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"peak_rss_mb": round(usage.ru_maxrss / 1024), "exit": code}), flush=True)
sys.exit(code)
