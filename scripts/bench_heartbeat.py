#!/usr/bin/env python3
"""make bench, guardian part: heartbeats absorbed by a real guardian node, per second and CPU per envelope,
beside the open+verify ceiling measured in the same run.

A user node and a guardian node start on loopback, paired (the guardian as a guardian). --plans plans are
armed on the user's node; their replicas reach the guardian, which then watches each. The user's node is
stopped, and its identity key (read from its home, as the user's own node would use it) signs --heartbeats
heartbeats (docs/PROTOCOL.md, "Heartbeat"), sealed beforehand with PyNaCl by Tests/Interop/protocol_peer.py,
each plan's in increasing `seq`. They are POSTed by --clients clients at once, each on its own kept-alive
connection, every plan's heartbeats through the same client, in order. Measured: heartbeats accepted per
second (wall clock) and the guardian's CPU time per envelope (/proc/PID/stat), beside `meetup-bench
ceilings`' open+verify on one core. Not a test: it asserts nothing.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop"))
import protocol_peer as peer  # noqa: E402

from bench_pin import DURESS, PIN, Node, cpu_seconds  # noqa: E402
from bench_wave import KeptAlive, Profile  # noqa: E402

HEARTBEAT = 17


def identity(home):
    """The signing seed and sealing secret of a node's identity key file (KeyFile.swift: "MKEY",
    version, kind, body length, body, 16-byte checksum)."""
    with open(os.path.join(home, "identity.key"), "rb") as key:
        data = key.read()
    body = data[7:7 + data[6]]
    return peer.Keys(body[:32], body[32:64])


def open_verify_ceiling(bin_dir):
    output = subprocess.check_output([os.path.join(bin_dir, "meetup-bench"), "ceilings"], text=True)
    match = re.search(r"open\+verify (\d+)/s", output)
    return float(match.group(1)) if match else float("nan")


def watched(database):
    connection = sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=30)
    try:
        return connection.execute("SELECT plan_id, heartbeat_seq FROM watch").fetchall()
    finally:
        connection.close()


def post_all(host, port, shares, pid):
    """POSTs each share's envelopes in order on its own kept-alive connection, all shares at once: the
    answers by code, the seconds it took, and the node's CPU seconds meanwhile."""
    answers = []

    def post(envelopes):
        connection = http.client.HTTPConnection(host, port, timeout=60)
        statuses = {}
        for envelope in envelopes:
            connection.request("POST", "/v1/envelope", body=envelope, headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            answer = response.read()
            code = "accepted" if response.status == 200 else json.loads(answer or b"{}").get("error", {}).get("code", response.status)
            statuses[code] = statuses.get(code, 0) + 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
        answers.append(statuses)

    cpu_before, began = cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=post, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu_before
    totals = {}
    for statuses in answers:
        for code, count in statuses.items():
            totals[code] = totals.get(code, 0) + count
    return totals, elapsed, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=None)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--heartbeats", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--profile", metavar="DIR", help="record a perf profile of the guardian while it absorbs them")
    a = parser.parse_args()
    if a.plans % a.clients:
        raise SystemExit("bench: --plans must be a multiple of --clients (each plan's heartbeats through one client)")
    bin_dir = a.bin or subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], text=True).strip()
    ceiling = open_verify_ceiling(bin_dir)
    root = tempfile.mkdtemp(prefix="meetup-bench-heartbeat-")
    nodes = []
    try:
        user, guardian = Node(bin_dir, root, "user"), Node(bin_dir, root, "guardian")
        nodes = [user, guardian]
        user.ctl(["pin", "set"], stdin="%s\n%s\n" % (PIN, DURESS))
        guardian_card = json.loads(guardian.ctl(["id", "--json"]).stdout)["card"]
        user.ctl(["contacts", "add", "Gina", "--guardian", guardian_card])
        guardian.ctl(["contacts", "add", "Ulysse", json.loads(user.ctl(["id", "--json"]).stdout)["card"]])
        client = KeptAlive(user.socket_path)
        for index in range(a.plans):
            client.request("POST", "/v1/plans", {"match": "match %d" % index, "place": "place %d" % index,
                                                 "every": "1h", "grace": "5m", "for": "12h", "also": True})
        database = os.path.join(guardian.home, "meetup.sqlite")
        waited = time.time()
        while len(watched(database)) < a.plans:
            if time.time() - waited > 300:
                raise SystemExit("bench: the guardian watches %d of %d plans after 300 s" % (len(watched(database)), a.plans))
            time.sleep(0.5)
        user.stop()
        nodes = [guardian]
        keys, card = identity(user.home), peer.parse_card(guardian_card)
        plans = sorted(watched(database))
        now = peer.now_ms()
        deadline = peer.rfc3339(now + 2 * 3600 * 1000)
        sealed = [[] for _ in range(a.clients)]
        for index in range(a.heartbeats):
            plan, seq = plans[index % len(plans)]
            body = {"plan": plan, "seq": seq + 1 + index // len(plans), "deadline": deadline, "phase": "active",
                    "at": peer.rfc3339(now), "kind": "check-in"}
            envelope = peer.seal_envelope(keys, card["sealing_public"], HEARTBEAT, peer.compact_json(body),
                                          now, now + 86_400_000)
            sealed[index % a.clients].append(envelope["sealed"])
        endpoint = card["endpoints"][0].split("//", 1)[1].rstrip("/")
        host, port = endpoint.rsplit(":", 1)
        profile = Profile.start(a.profile, {"heartbeats-guardian": guardian})
        totals, elapsed, cpu = post_all(host, int(port), sealed, guardian.process.pid)
        if profile:
            profile.stop()
        accepted = totals.get("accepted", 0)
        rate, each = accepted / elapsed, cpu / max(1, accepted) * 1e6
        # The floor under that: the same clients posting random bytes of a heartbeat's size, refused as
        # wrong-recipient, which costs the guardian one HTTP exchange, one failed sealed-box open and a counter.
        foreign = [[os.urandom(len(envelope)) for envelope in share] for share in sealed]
        floor_totals, floor_elapsed, floor_cpu = post_all(host, int(port), foreign, guardian.process.pid)
        floor_each = floor_cpu / max(1, sum(floor_totals.values())) * 1e6
        print("guardian: %d heartbeats for %d plans by %d clients: %s" % (a.heartbeats, a.plans, a.clients, totals))
        print("  absorbed %.0f/s, guardian CPU %.0f µs each; ceiling open+verify %.0f/s on one core: ratio %.2f (target 0.30)" % (
            rate, each, ceiling, rate / ceiling))
        print("  HTTP floor (the same clients, bytes sealed to no one: %s): %.0f/s, %.0f µs each (%.0f %% of a heartbeat's CPU)" % (
            floor_totals, sum(floor_totals.values()) / floor_elapsed, floor_each, 100 * floor_each / max(1, each)))
        print(json.dumps({"plans": a.plans, "heartbeats": a.heartbeats, "answers": totals, "per_second": rate,
                          "cpu_us_each": each, "open_verify_ceiling": ceiling, "http_floor_cpu_us_each": floor_each},
                         sort_keys=True))
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
