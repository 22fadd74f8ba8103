#!/usr/bin/env python3
"""make bench, PIN part: what PIN checks cost a node, measured on real daemons through the control socket.

1. The duress PIN costs the same: check-ins alternating the real and the duress PIN (--rounds of each),
   timed at the control socket; prints both medians, the 90th percentiles, and the largest difference of
   the two distributions (Kolmogorov-Smirnov D) beside the 5 % critical value. A D under that value means
   the two cannot be told apart from these samples.
2. PIN checks do not stall the node: `status` latency and a due alert's delivery to a contact, with no
   load, then with --inflight PIN check-ins kept in flight at once.

Not a test: it asserts nothing. Pass --bin to measure another build (an older commit's, for before and
after).
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PIN, DURESS = "2580", "0852"


def cpu_seconds(pid):
    """User and system CPU time the process has used so far (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("meetupd", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class Node:
    def __init__(self, bin_dir, root, name):
        self.bin_dir = bin_dir
        self.home = os.path.join(root, name)
        self.log = open(os.path.join(root, name + ".log"), "ab")
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "meetupd"), "--home", self.home, "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(400):
            if os.path.exists(self.socket_path) and self.ctl(["status"], check=False).returncode == 0:
                break
            time.sleep(0.05)

    @property
    def socket_path(self):
        return os.path.join(self.home, "meetupd.sock")

    def ctl(self, args, stdin=None, check=True):
        result = subprocess.run([os.path.join(self.bin_dir, "meetupctl"), "--home", self.home] + args,
                                input=stdin, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise SystemExit("meetupctl %s: %s" % (args[0], result.stderr.strip()))
        return result

    def request(self, method, path, body=None, allow_busy=False):
        """Seconds the round trip took, and the JSON answer; None for the answer when busy (503) was allowed."""
        connection = UnixConnection(self.socket_path)
        started = time.perf_counter()
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if allow_busy and response.status == 503:
            return elapsed, None
        if response.status >= 300:
            raise SystemExit("bench: %s %s answered %d: %s" % (method, path, response.status, answer[:200]))
        return elapsed, json.loads(answer or b"null")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def user_and_contact(bin_dir, root):
    """Two nodes paired on loopback: the user (PINs set) and a contact, each knowing the other."""
    user, contact = Node(bin_dir, root, "user"), Node(bin_dir, root, "contact")
    user.ctl(["pin", "set"], stdin="%s\n%s\n" % (PIN, DURESS))
    user.ctl(["contacts", "add", "Carol", json.loads(contact.ctl(["id", "--json"]).stdout)["card"]])
    contact.ctl(["contacts", "add", "Ulysse", json.loads(user.ctl(["id", "--json"]).stdout)["card"]])
    return user, contact


def ks_distance(a, b):
    a, b = sorted(a), sorted(b)
    i = j = 0
    distance = 0.0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            i += 1
        else:
            j += 1
        distance = max(distance, abs(i / len(a) - j / len(b)))
    return distance


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def duress_timing(user, plan, rounds, gap):
    """`gap` seconds between check-ins, so that what one leaves running (the duress alert going out to the
    contact) does not weigh on the next: each is measured on a quiet node."""
    real, duress = [], []
    for index in range(2 * rounds):
        pin, samples = (PIN, real) if index % 2 == 0 else (DURESS, duress)
        time.sleep(gap)
        elapsed, _ = user.request("POST", "/v1/plans/%s/checkins" % plan, {"pin": pin})
        samples.append(elapsed)
    distance = ks_distance(real, duress)
    critical = 1.358 * ((len(real) + len(duress)) / (len(real) * len(duress))) ** 0.5
    print("duress timing, %d check-ins each, alternating, %.1f s apart:" % (rounds, gap))
    print("  real PIN    median %.1f ms, p90 %.1f ms" % (statistics.median(real) * 1e3, percentile(real, 0.9) * 1e3))
    print("  duress PIN  median %.1f ms, p90 %.1f ms" % (statistics.median(duress) * 1e3, percentile(duress, 0.9) * 1e3))
    print("  largest difference of the distributions (KS D) %.3f; 5 %% critical value %.3f: %s" % (
        distance, critical, "cannot be told apart" if distance < critical else "CAN BE TOLD APART"))
    return {"real_median_ms": statistics.median(real) * 1e3, "duress_median_ms": statistics.median(duress) * 1e3,
            "ks_d": distance, "ks_critical": critical}


def status_latency(user, samples=40):
    values = []
    for _ in range(samples):
        values.append(user.request("GET", "/v1/status")[0])
        time.sleep(0.02)
    return statistics.median(values), max(values)


def alert_delivery(user, contact):
    """Seconds from a plan's deadline + grace to the contact holding its alert. The contact first acknowledges
    what it holds, so that each poll lists only open alerts (a long duress history makes the full list slow)."""
    for alert in contact.request("GET", "/v1/alerts")[1]["alerts"]:
        contact.request("POST", "/v1/alerts/%s/ack" % alert["id"])
    # The control JSON gives whole seconds; the plan starts while the request is handled, so its deadline +
    # grace is 3 s after the request's midpoint, within half the round trip.
    sent = time.time()
    elapsed, plan = user.request("POST", "/v1/plans", {"match": "Kiwi", "place": "Cafe", "every": "2s", "grace": "1s", "for": "1h",
                                                   "also": True})
    due = sent + elapsed / 2 + 3
    while time.time() < due + 60:
        if contact.request("GET", "/v1/alerts")[1]["alerts"]:
            delivered = time.time() - due
            # Under load the PIN gate may be full: try again until the plan is ended.
            while user.request("POST", "/v1/plans/%s/done" % plan["plan"], {"pin": PIN}, allow_busy=True)[1] is None:
                time.sleep(0.1)
            return delivered
        time.sleep(0.02)
    return float("nan")


def under_load(user, plan, inflight, body):
    stop = threading.Event()
    checks, busy = [0], [0]

    def worker():
        while not stop.is_set():
            _, answer = user.request("POST", "/v1/plans/%s/checkins" % plan, {"pin": PIN}, allow_busy=True)
            if answer is None:
                busy[0] += 1
                time.sleep(0.05)
            else:
                checks[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(inflight)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    started = time.time()
    try:
        return body()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        print("  (%d PIN check-ins done and %d refused as busy in %.0f s of load)" % (checks[0], busy[0], time.time() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=None)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--inflight", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between timed check-ins")
    a = parser.parse_args()
    bin_dir = a.bin or subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], text=True).strip()
    root = tempfile.mkdtemp(prefix="meetup-bench-pin-")
    nodes = []
    try:
        user, contact = user_and_contact(bin_dir, root)
        nodes = [user, contact]
        _, plan = user.request("POST", "/v1/plans", {"match": "Kiwi", "place": "Cafe", "every": "1h", "for": "12h"})
        plan = plan["plan"]
        results = {"duress": duress_timing(user, plan, a.rounds, a.gap)}
        idle_status = status_latency(user)
        idle_alert = alert_delivery(user, contact)
        print("with %d PIN check-ins in flight:" % a.inflight)
        loaded_status = under_load(user, plan, a.inflight, lambda: status_latency(user))
        loaded_alert = under_load(user, plan, a.inflight, lambda: alert_delivery(user, contact))
        print("status latency: idle median %.1f ms (max %.1f); loaded median %.1f ms (max %.1f): x%.1f" % (
            idle_status[0] * 1e3, idle_status[1] * 1e3, loaded_status[0] * 1e3, loaded_status[1] * 1e3,
            loaded_status[0] / idle_status[0]))
        print("a due alert at the contact, after deadline + grace: idle %.2f s; loaded %.2f s" % (idle_alert, loaded_alert))
        results.update(status_idle_ms=idle_status[0] * 1e3, status_loaded_ms=loaded_status[0] * 1e3,
                       status_loaded_max_ms=loaded_status[1] * 1e3, alert_idle_s=idle_alert, alert_loaded_s=loaded_alert)
        print(json.dumps(results, sort_keys=True))
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
