#!/usr/bin/env python3
"""make torture N=...: kill -9 at random instants, then check that nothing was lost or doubled.

Three real meetupd nodes on loopback, in temporary homes: the user's, and two contacts paired both ways.
Each cycle does one thing on the user's node (arm a plan with a 2 s interval that then falls due, check in,
press panic, end a plan with the PIN), waits a random instant, and kills one of the three nodes with
SIGKILL (or none), restarting it at once on the same port. At the end every plan is ended, the outboxes
drain, and the check reads the databases (clear columns only): every alert the user's node raised is at
each of its contacts exactly once, in its latest revision, that each contact's hook told every alert it
holds (a hook may run twice when its node is killed between running it and recording that it ran: counted
as `hook_repeats`, not as a duplicate), and PRAGMA integrity_check says ok for every node.

Prints one JSON line with the figures and exits non-zero when anything was lost, doubled or damaged.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

PIN, DURESS = "2580", "0852"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, bin_dir, root, name, hooked=False):
        self.bin_dir, self.name = bin_dir, name
        self.home = os.path.join(root, name)
        self.log = open(os.path.join(root, name + ".log"), "ab")
        self.hooks = os.path.join(root, name + ".hooks") if hooked else None
        self.port = free_port()
        self.process = None
        self.start()

    def start(self):
        hook = ["--on-alert-exec", "cat >> '%s'; echo >> '%s'" % (self.hooks, self.hooks)] if self.hooks else []
        self.process = subprocess.Popen(
            [os.path.join(self.bin_dir, "meetupd"), "--home", self.home, "--listen", "127.0.0.1:%d" % self.port] + hook,
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("torture: %s exited at start; see %s.log" % (self.name, self.home))
            if self.ctl(["status"], check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise SystemExit("torture: %s did not become ready" % self.name)

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def ctl(self, args, stdin=None, check=True):
        result = subprocess.run(
            [os.path.join(self.bin_dir, "meetupctl"), "--home", self.home] + args,
            input=stdin, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError("meetupctl %s on %s: %s" % (" ".join(args[:1]), self.name, result.stderr.strip()))
        return result

    def json(self, args, stdin=None):
        return json.loads(self.ctl(args + ["--json"], stdin=stdin).stdout)

    def query(self, sql, args=()):
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.home, "meetup.sqlite"), uri=True, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()


def pair(a, a_name, b, b_name):
    a.ctl(["contacts", "add", b_name, b.json(["id"])["card"]])
    b.ctl(["contacts", "add", a_name, a.json(["id"])["card"]])


def running_plans(user):
    return [row[0] for row in user.query("SELECT id FROM plan WHERE phase IN ('scheduled', 'active', 'grace', 'alerted')")]


def cycle(user, nodes, rng, stats):
    plans = running_plans(user)
    action = rng.choice(["arm", "arm", "checkin", "checkin", "panic", "done", "duress"]) if plans else "arm"
    try:
        if action == "arm" and len(plans) < 4:
            user.ctl(["arm", "--also", "--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
        elif action == "checkin" and plans:
            user.ctl(["checkin", rng.choice(plans), "--pin-stdin"], stdin=PIN + "\n", check=False)
        elif action == "duress" and plans:
            user.ctl(["checkin", rng.choice(plans), "--pin-stdin"], stdin=DURESS + "\n", check=False)
        elif action == "panic" and plans:
            user.ctl(["panic", rng.choice(plans)], check=False)
        elif action == "done" and plans:
            user.ctl(["done", rng.choice(plans), "--pin-stdin"], stdin=PIN + "\n", check=False)
        stats["actions"][action] = stats["actions"].get(action, 0) + 1
    except (RuntimeError, subprocess.TimeoutExpired):
        stats["refused"] += 1
    time.sleep(rng.uniform(0, 1.5))
    victim = rng.choice(nodes + [None])
    if victim is not None:
        victim.kill9()
        stats["kills"][victim.name] = stats["kills"].get(victim.name, 0) + 1
        time.sleep(rng.uniform(0, 0.3))
        victim.start()


def settle(user, contacts, timeout):
    """Ends every plan with the PIN, then waits until no envelope is queued anywhere."""
    for plan in running_plans(user):
        user.ctl(["done", plan, "--pin-stdin"], stdin=PIN + "\n", check=False)
    deadline = time.time() + timeout
    while time.time() < deadline:
        queued = sum(node.query("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")[0][0] for node in [user] + contacts)
        notices = user.query("SELECT COUNT(*) FROM notice WHERE failed_at IS NULL")[0][0]
        hooks = sum(node.query("SELECT COUNT(*) FROM hook_job")[0][0] for node in contacts)
        if queued == 0 and notices == 0 and hooks == 0:
            return True
        time.sleep(0.5)
    return False


def check(user, contacts):
    """Lost: an alert missing at a contact. Duplicated: a second row for it. Stale: a contact holding an older
    revision. Untold: an alert its contact's hook never told."""
    raised = dict(user.query("SELECT id, revision FROM alert"))
    result = {"alerts": len(raised), "lost": 0, "duplicated": 0, "unknown": 0, "stale": 0, "untold": 0, "hook_runs": 0,
              "hook_repeats": 0}
    for contact in contacts:
        rows = contact.query("SELECT alert_id, COUNT(*), MAX(revision) FROM received_alert GROUP BY alert_id")
        received = {alert_id: (count, revision) for alert_id, count, revision in rows}
        result["lost"] += len(raised.keys() - received.keys())
        result["duplicated"] += sum(count - 1 for count, _ in received.values() if count > 1)
        result["unknown"] += len(received.keys() - raised.keys())
        result["stale"] += sum(1 for alert_id, (_, revision) in received.items() if revision != raised.get(alert_id, revision))
        local = dict(contact.query("SELECT id, alert_id FROM received_alert"))
        told = {}
        for line in open(contact.hooks, encoding="utf-8") if os.path.exists(contact.hooks) else []:
            if line.strip():
                run = json.loads(line)
                result["hook_runs"] += 1
                if run.get("event") == "alert":
                    told[run["id"]] = told.get(run["id"], 0) + 1
        result["hook_repeats"] += sum(count - 1 for count in told.values() if count > 1)
        result["untold"] += len(local.keys() - told.keys())
    result["integrity"] = all(node.query("PRAGMA integrity_check")[0][0] == "ok" for node in [user] + contacts)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--bin", default=None, help="folder with meetupd and meetupctl (default: swift build --show-bin-path)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the homes and logs")
    a = parser.parse_args()
    bin_dir = a.bin or subprocess.run(["swift", "build", "--show-bin-path"], capture_output=True, text=True, check=True).stdout.strip()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="meetup-torture-")
    nodes = []
    started = time.time()
    try:
        user = Node(bin_dir, root, "user")
        carol, dave = Node(bin_dir, root, "carol", hooked=True), Node(bin_dir, root, "dave", hooked=True)
        nodes = [user, carol, dave]
        user.ctl(["pin", "set"], stdin="%s\n%s\n" % (PIN, DURESS))
        pair(user, "Ulysse", carol, "Carol")
        pair(user, "Ulysse", dave, "Dave")
        stats = {"actions": {}, "kills": {}, "refused": 0}
        for index in range(a.cycles):
            cycle(user, nodes, rng, stats)
            if (index + 1) % 100 == 0:
                print("torture: %d cycles" % (index + 1), file=sys.stderr, flush=True)
        settled = settle(user, [carol, dave], timeout=120)
        result = check(user, [carol, dave])
        result.update(cycles=a.cycles, kills=sum(stats["kills"].values()), kills_by_node=stats["kills"],
                      actions=stats["actions"], settled=settled, seed=seed, seconds=round(time.time() - started, 1))
        print(json.dumps(result, sort_keys=True))
        ok = (settled and result["integrity"] and result["alerts"] > 0 and result["lost"] == 0 and result["duplicated"] == 0
              and result["unknown"] == 0 and result["stale"] == 0 and result["untold"] == 0)
        print("torture: %d cycles, %d kills, %d alerts: %d lost, %d duplicated, %d stale, %d untold (%d hook runs, %d repeated), integrity %s%s" % (
            a.cycles, result["kills"], result["alerts"], result["lost"], result["duplicated"], result["stale"], result["untold"],
            result["hook_runs"], result["hook_repeats"],
            "ok" if result["integrity"] else "FAILED", "" if settled else ", outboxes did not drain"), file=sys.stderr)
        return 0 if ok else 1
    finally:
        for node in nodes:
            node.stop()
        if a.keep:
            print("torture: homes and logs kept in %s" % root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
