#!/usr/bin/env python3
"""make bench, restart part: a real meetupd holding many armed plans, its memory and its restart.

`meetup-bench populate` arms --plans plans (1,000,000) into a new node home through the store's own record
and sealing code (arming a million through the control API would take most of an hour), their deadlines
spread over the next day. Then the real meetupd starts on that home, is stopped, and starts again: the
restart is the time from exec to the control socket answering `status`, and `status --json` must count
every plan. After --settle seconds idle, the resident memory (VmRSS) and its peak (VmHWM) are read from
/proc. Prints each figure beside the issue's target as a ratio. Not a test: it asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def kib(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start(bin_dir, home, log):
    """The daemon, and seconds from exec until `meetupctl status` answers."""
    began = time.perf_counter()
    process = subprocess.Popen([os.path.join(bin_dir, "meetupd"), "--home", home, "--listen", "127.0.0.1:0"],
                               stdout=subprocess.DEVNULL, stderr=log)
    while time.perf_counter() - began < 120:
        if os.path.exists(os.path.join(home, "meetupd.sock")):
            answer = subprocess.run([os.path.join(bin_dir, "meetupctl"), "--home", home, "status", "--json"],
                                    capture_output=True, text=True)
            if answer.returncode == 0:
                return process, time.perf_counter() - began, json.loads(answer.stdout)
        if process.poll() is not None:
            raise SystemExit("bench: meetupd exited with %d (see %s)" % (process.returncode, log.name))
        time.sleep(0.01)
    raise SystemExit("bench: meetupd did not answer within 120 s")


def stop(process):
    process.terminate()
    process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=None)
    parser.add_argument("--plans", type=int, default=int(os.environ.get("BENCH_RESTART_PLANS", "1000000")))
    parser.add_argument("--settle", type=float, default=10, help="seconds idle before memory is read")
    a = parser.parse_args()
    bin_dir = a.bin or subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], text=True).strip()
    root = tempfile.mkdtemp(prefix="meetup-bench-restart-")
    try:
        home = os.path.join(root, "node")
        print(subprocess.check_output([os.path.join(bin_dir, "meetup-bench"), "populate", home, str(a.plans)], text=True).strip())
        with open(os.path.join(root, "meetupd.log"), "ab") as log:
            process, first, _ = start(bin_dir, home, log)
            stop(process)
            process, restart, status = start(bin_dir, home, log)
            time.sleep(a.settle)
            rss, peak = kib(process.pid, "VmRSS"), kib(process.pid, "VmHWM")
            stop(process)
        database = os.path.getsize(os.path.join(home, "meetup.sqlite"))
        plans = status["counts"]["plans"]
        print("restart with %d plans armed (status counts %d): first start %.2f s, restart %.2f s (target 2 s: %.2f of it)" % (
            a.plans, plans, first, restart, restart / 2))
        print("  resident after %.0f s idle: %.1f MB, peak %.1f MB (target 100 MB: %.2f of it); database %.0f bytes/plan" % (
            a.settle, rss / 1024, peak / 1024, rss / 1024 / 100, database / max(1, a.plans)))
        print(json.dumps({"plans": a.plans, "counted": plans, "first_start_s": first, "restart_s": restart,
                          "rss_mb": rss / 1024, "peak_mb": peak / 1024, "bytes_per_plan": database / max(1, a.plans)},
                         sort_keys=True))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
