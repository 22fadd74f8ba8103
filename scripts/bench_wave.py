#!/usr/bin/env python3
"""make bench, wave part: N plans due at the same instant on a real node, and how soon a real contact holds
their alerts; arming through the control API by clients on kept-alive connections.

For each N (BENCH_N, default 1,000 and 10,000), a user node and a contact node start in a temporary folder
on loopback. N plans are armed through POST /v1/plans by --arm-clients clients at once (8), each on one
kept-alive connection (the arming rate is measured there), all starting at the same instant S with the
same interval and grace, so that every first deadline falls at S + every and every alert is due at
D = S + every + grace. The figures are read from the two
databases, each as seconds after D:
- committed: `alert.recorded_at` on the user's node, the instant of the scheduler's pass (read before its
  transaction, so it leaves out that transaction's own work and fsync);
- received: `received_alert.received_at` on the contact's node, read as the envelope arrives (before its
  commit);
- confirmed: `outbox.delivered_at` of the alert's copy on the user's node, set once the contact's receipt
  came back, which the contact seals only after its commit: the end-to-end figure.

Not a test: it asserts nothing. Pass --bin to measure another build (an older commit's, for before and
after).
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from bench_pin import UnixConnection, cpu_seconds, user_and_contact


class KeptAlive:
    """One HTTP/1.1 connection to a node's control socket, reused for every request; `connections` counts
    how many it took (1 when the node kept it alive throughout). A request is never sent twice: a POST
    retried after a dropped connection could arm a plan twice."""

    def __init__(self, path):
        self.path = path
        self.connection = None
        self.connections = 0

    def request(self, method, url, body=None):
        if self.connection is None:
            self.connection = UnixConnection(self.path)
            self.connections += 1
        self.connection.request(method, url, body=json.dumps(body) if body is not None else None,
                                headers={"Content-Type": "application/json"})
        response = self.connection.getresponse()
        answer = response.read()
        if response.will_close:
            self.connection.close()
            self.connection = None
        if response.status >= 300:
            raise SystemExit("bench: %s %s answered %d: %s" % (method, url, response.status, answer[:200]))
        return json.loads(answer or b"null")


def percentiles(values):
    ordered = sorted(values)
    if not ordered:
        return float("nan"), float("nan"), float("nan")
    pick = lambda fraction: ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
    return pick(0.5), pick(0.99), ordered[-1]


def instant(text):
    """GRDB's datetime text, UTC: 'YYYY-MM-DD HH:MM:SS.SSS'."""
    return datetime.datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=datetime.timezone.utc).timestamp()


def read(database, sql):
    """Rows of `sql`, read-only beside the running node."""
    connection = sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=30)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def lateness(rows, due):
    return [instant(done) - due for (done,) in rows]


class Profile:
    """perf sampling the named nodes (by pid) into DIR/NAME.data, for `make profile-wave`; None records
    nothing. Call graphs by frame pointer, small and cheap; PROFILE_CALL_GRAPH=dwarf unwinds by DWARF
    instead, larger and slower to record, but it keeps the callers that frame pointers lose inside GRDB."""

    def __init__(self, directory, nodes):
        self.recorders = []
        for name, node in nodes.items():
            output = os.path.join(directory, name + ".data")
            self.recorders.append((output, subprocess.Popen(
                ["perf", "record", "--quiet", *Profile.sampling(), "-p", str(node.process.pid), "-o", output],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        time.sleep(0.5)

    @staticmethod
    def sampling():
        if os.environ.get("PROFILE_CALL_GRAPH", "fp") == "dwarf":
            return ["-F", "149", "--call-graph", "dwarf,16384"]
        return ["-F", "499", "-g"]

    @staticmethod
    def start(directory, nodes):
        return Profile(directory, nodes) if directory else None

    def stop(self):
        for _, recorder in self.recorders:
            recorder.send_signal(signal.SIGINT)
        for output, recorder in self.recorders:
            recorder.wait(timeout=120)
            print("profile: %s" % output, file=sys.stderr)


def wave(bin_dir, count, every, grace, arm_rate_guess, timeout, arm_clients=1, profile=None):
    root = tempfile.mkdtemp(prefix="meetup-bench-wave-")
    nodes = []
    try:
        user, contact = user_and_contact(bin_dir, root)
        nodes = [user, contact]
        arming = Profile.start(profile, {"arming-user": user})
        # Every plan starts at S, whole second, far enough ahead for all of them to be armed first.
        start = int(time.time() + count / arm_rate_guess + 5)
        start_text = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        clients = [KeptAlive(user.socket_path) for _ in range(arm_clients)]
        errors = []

        def arm(client, indexes):
            try:
                for index in indexes:
                    if time.time() >= start:
                        raise SystemExit("bench: arming was slower than --arm-rate-guess %g plans/s (%.0f s so far): "
                                         "give a lower one" % (arm_rate_guess, time.perf_counter() - began))
                    client.request("POST", "/v1/plans", {
                        "match": "match %d" % index, "place": "place %d" % index, "start": start_text,
                        "every": "%ds" % every, "grace": "%ds" % grace, "for": "1h", "also": True})
            except BaseException as error:  # noqa: B036 - SystemExit from a thread is reported by the main one
                errors.append(error)

        began = time.perf_counter()
        threads = [threading.Thread(target=arm, args=(client, range(k, count, arm_clients))) for k, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        arm_seconds = time.perf_counter() - began
        if arming:
            arming.stop()
        waving = Profile.start(profile, {"wave-user": user, "wave-contact": contact})
        due = start + every + grace
        user_db, contact_db = os.path.join(user.home, "meetup.sqlite"), os.path.join(contact.home, "meetup.sqlite")
        committed, received, confirmed = [], [], []
        cpu_before = None
        while time.time() < due + timeout:
            if cpu_before is None and time.time() >= due - 2:
                cpu_before = [cpu_seconds(node.process.pid) for node in nodes]
            time.sleep(1)
            if time.time() < due:
                continue
            committed = lateness(read(user_db, "SELECT recorded_at FROM alert"), due)
            received = lateness(read(contact_db, "SELECT received_at FROM received_alert"), due)
            confirmed = lateness(read(user_db, "SELECT delivered_at FROM outbox WHERE type = 'alert' AND delivered_at IS NOT NULL"), due)
            if len(confirmed) >= count:
                break
        cpu = [cpu_seconds(node.process.pid) - before for node, before in zip(nodes, cpu_before or [0, 0])]
        if waving:
            waving.stop()
        return {
            "n": count, "arm_per_second": count / arm_seconds, "arm_clients": arm_clients,
            "arm_connections": sum(client.connections for client in clients),
            "committed": len(committed), "committed_p50_p99_max": percentiles(committed),
            "received": len(received), "received_p50_p99_max": percentiles(received),
            "confirmed": len(confirmed), "confirmed_p50_p99_max": percentiles(confirmed),
            "cpu_ms_per_alert": {"user": cpu[0] / count * 1e3, "contact": cpu[1] / count * 1e3},
        }
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=None)
    parser.add_argument("--n", default=os.environ.get("BENCH_N", "1000 10000"), help="plan counts, space separated")
    parser.add_argument("--every", type=int, default=60, help="seconds from start to the first deadline")
    parser.add_argument("--grace", type=int, default=5)
    parser.add_argument("--arm-rate-guess", type=float, default=60, help="plans armed per second, to place S")
    parser.add_argument("--timeout", type=float, default=300, help="seconds after due to wait for the contact")
    parser.add_argument("--arm-clients", type=int, default=8,
                        help="clients arming at once, each over its own kept-alive connection")
    parser.add_argument("--profile", metavar="DIR", help="record perf profiles of arming and of the wave into DIR")
    a = parser.parse_args()
    bin_dir = a.bin or subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], text=True).strip()
    results = []
    for count in [int(n) for n in a.n.split()]:
        result = wave(bin_dir, count, a.every, a.grace, a.arm_rate_guess, a.timeout, a.arm_clients, a.profile)
        results.append(result)
        print("wave of %d due together: armed at %.0f plans/s by %d client(s) over %d kept-alive connection(s)" % (
            count, result["arm_per_second"], result["arm_clients"], result["arm_connections"]))
        for key, what in (("committed", "alert committed on the user's node"), ("received", "received by the contact"),
                          ("confirmed", "receipt back at the user's node")):
            print("  %s, after due: %d of %d, p50 %.3f s, p99 %.3f s, max %.3f s" % (
                what, result[key], count, *result[key + "_p50_p99_max"]))
        cpu = result["cpu_ms_per_alert"]
        print("  CPU per alert, from due to the last receipt: user's node %.2f ms, contact's %.2f ms "
              "(%.1f s of CPU in all on %d cores)" % (cpu["user"], cpu["contact"], (cpu["user"] + cpu["contact"]) * count / 1e3,
                                                       os.cpu_count()))
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
