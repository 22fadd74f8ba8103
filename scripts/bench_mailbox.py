#!/usr/bin/env python3
"""make bench, mailbox part: what a mailbox host pays for its owners' waiting long polls.

A real meetupd (the host) gets --owners contacts (keys made here with PyNaCl by Tests/Interop/
protocol_peer.py, which was written from docs/PROTOCOL.md), each granted a mailbox through the control
socket. Then every owner sends one signed fetch at once (docs/PROTOCOL.md, "Mailboxes": type 22, sealed to
the host, "wait_seconds": 25), each on its own connection, and the host holds them all. Measured while they
wait: the host's resident memory (VmRSS) and open file descriptors, against the same figures before; then
one envelope is deposited in one mailbox, and the time from the deposit's answer to its owner's batch.
Not a test: it asserts nothing.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop"))
import nacl.encoding  # noqa: E402
import nacl.hash  # noqa: E402
import protocol_peer as peer  # noqa: E402

from bench_pin import UnixConnection  # noqa: E402

MAILBOX_FETCH = 22
BOX_DOMAIN = b"meetup/v1/mailbox\x00"


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def open_files(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def control(home, method, path, body=None):
    connection = UnixConnection(os.path.join(home, "meetupd.sock"))
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status >= 300:
        raise SystemExit("bench: %s %s answered %d: %s" % (method, path, response.status, answer[:200]))
    return json.loads(answer or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="meetup-bench-mailbox-")
    home = os.path.join(root, "host")
    log = open(os.path.join(root, "host.log"), "ab")
    limit = 2 * args.owners + 64
    process = subprocess.Popen(
        [os.path.join(args.bin, "meetupd"), "--home", home, "--listen", "127.0.0.1:0", "--peer-connection-limit", str(limit)],
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(400):
            if os.path.exists(os.path.join(home, "meetupd.sock")):
                try:
                    listen = control(home, "GET", "/v1/status")["listen"]
                    break
                except (OSError, SystemExit):
                    pass
            time.sleep(0.05)
        host_card = peer.parse_card(control(home, "GET", "/v1/identity")["card"])
        port = int(listen.rsplit(":", 1)[1])
        owners = []
        started = time.perf_counter()
        for n in range(args.owners):
            keys = peer.Keys(os.urandom(32), os.urandom(32))
            card, _, _ = peer.make_card(keys, peer.now_ms(), "o%d" % n, ["http://127.0.0.1:1"])
            control(home, "POST", "/v1/contacts", {"name": "o%d" % n, "card": card, "tier": 1})
            control(home, "PUT", "/v1/mailboxes/o%d" % n, {})
            box = nacl.hash.blake2b(BOX_DOMAIN + host_card["signing_public"] + keys.signing_public,
                                    digest_size=32, encoder=nacl.encoding.RawEncoder)[:10]
            owners.append((keys, peer.base32_lower(box)))
        print("mailbox host: %d owners added and granted in %.1f s" % (args.owners, time.perf_counter() - started))
        time.sleep(2)
        before = (status_kib(process.pid, "VmRSS"), open_files(process.pid))

        answers = {}
        lock = threading.Lock()

        def fetch(index, keys, box):
            now = peer.now_ms()
            body = peer.compact_json({"box": box, "delete": [], "wait_seconds": 25})
            sealed = peer.seal_envelope(keys, host_card["sealing_public"], MAILBOX_FETCH, body, now, now + 120_000)["sealed"]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("POST", "/v1/mailbox/fetch", body=sealed,
                                   headers={"Content-Type": "application/octet-stream"})
                response = connection.getresponse()
                data = response.read()
                with lock:
                    answers[index] = (response.status, len(data), time.perf_counter())
            except OSError as error:
                with lock:
                    answers[index] = ("%s" % type(error).__name__, 0, time.perf_counter())
            finally:
                connection.close()

        threads = [threading.Thread(target=fetch, args=(i, keys, box), daemon=True) for i, (keys, box) in enumerate(owners)]
        polled = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(8)
        during = (status_kib(process.pid, "VmRSS"), open_files(process.pid))
        waiting = args.owners - len(answers)
        # One deposit: its owner's waiting fetch is answered at once.
        endpoint = "/v1/mailbox/%s/%s/v1/envelope" % (peer.b64url(host_card["signing_public"]), owners[0][1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", endpoint, body=os.urandom(200), headers={"Content-Type": "application/octet-stream"})
        deposit_status = connection.getresponse().status
        deposited = time.perf_counter()
        connection.close()
        for _ in range(200):
            if 0 in answers:
                break
            time.sleep(0.01)
        woken = answers.get(0)
        for thread in threads:
            thread.join(timeout=40)
        statuses = {}
        for status, _, _ in answers.values():
            statuses[status] = statuses.get(status, 0) + 1
        rss_per = (during[0] - before[0]) / max(1, waiting)
        fds_per = (during[1] - before[1]) / max(1, waiting)
        print("  %d long polls waiting at once (peer connection limit %d): host RSS %.1f MB -> %.1f MB, "
              "%.1f KiB each; open files %d -> %d, %.2f each" % (
                  waiting, limit, before[0] / 1024, during[0] / 1024, rss_per, before[1], during[1], fds_per))
        print("  per 1,000 waiting polls: %.1f MB of memory, %d file descriptors" % (rss_per * 1000 / 1024, round(fds_per * 1000)))
        if woken:
            print("  a deposit (answered %d) woke its owner's fetch %.0f ms after its answer" % (
                deposit_status, (woken[2] - deposited) * 1000))
        print("  answers: %s, the last %.1f s after the polls began" % (
            statuses, max(a[2] for a in answers.values()) - polled if answers else 0))
        print(json.dumps({"owners": args.owners, "waiting": waiting, "rss_kib_before": before[0], "rss_kib_during": during[0],
                          "fds_before": before[1], "fds_during": during[1], "answers": statuses}))
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
