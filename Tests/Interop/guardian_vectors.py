#!/usr/bin/env python3
"""Writes the guardian message vectors (docs/PROTOCOL.md, "Guardians") with the independent peer's
envelope code: guardian_vectors.py DIR. The bodies follow the document's JSON; the Swift tests decode them.
The sender keys are the user's, the recipient keys the guardian's (liveness-request goes the other way)."""
import base64
import json
import os
import sys

import nacl.bindings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol_peer as peer  # noqa: E402

USER, GUARDIAN = peer.SENDER, peer.RECIPIENT
PLAN = "4u4ljkvrxvjps"


def body(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def main(directory):
    with open(os.path.join(directory, "envelope-alert.txt")) as f:
        escrowed = dict(line.split(": ", 1) for line in f.read().splitlines() if ": " in line)["sealed"]
    card, _, _ = peer.make_card(peer.RECIPIENT, peer.CREATED, "Carol", ["http://127.0.0.1:7745"])
    messages = {
        "guardian-replica": (USER, GUARDIAN, 16, {
            "plan": PLAN, "version": 12, "start": "2026-11-24T20:00:00Z", "every_seconds": 900,
            "grace_seconds": 300, "until": "2026-11-24T23:00:00Z", "deadline": "2026-11-24T21:00:00Z",
            "heartbeat_seq": 12, "escalate_after_seconds": 300,
            "contacts": [{"name": "Carol", "tier": 1, "card": card}],
            "escrow": [{"card_key": peer.RECIPIENT.signing_public.hex(),
                        "envelope": base64.b64encode(bytes.fromhex(escrowed)).decode()}]}),
        "guardian-heartbeat": (USER, GUARDIAN, 17, {
            "plan": PLAN, "seq": 13, "deadline": "2026-11-24T21:15:00Z", "phase": "active",
            "at": "2026-11-24T21:00:00Z", "kind": "check-in"}),
        "guardian-liveness-request": (GUARDIAN, USER, 18, {"plan": PLAN, "nonce": bytes(range(16)).hex()}),
        "guardian-liveness": (USER, GUARDIAN, 19, {
            "plan": PLAN, "nonce": bytes(range(16)).hex(), "phase": "active", "deadline": "2026-11-24T21:15:00Z",
            "last_check_in": "2026-11-24T21:00:00Z"}),
        "guardian-stand-down": (USER, GUARDIAN, 20, {"plan": PLAN, "reason": "done"}),
    }
    for index, (name, (sender, recipient, type_, obj)) in enumerate(messages.items()):
        fields = peer.envelope_vector("valid", sender, recipient, type_, bytes([0x40 + index] * 16), peer.CREATED,
                                      peer.DAY, body(obj))
        values = dict(fields)
        sealed = nacl.bindings.crypto_box_seal(bytes.fromhex(values["inner"]), recipient.sealing_public)
        fields.append(("sealed", sealed.hex()))
        lines = ["source: guardian_vectors.py, with protocol_peer.py's envelope code, from docs/PROTOCOL.md"]
        lines += [("# " + v) if k == "#" else "%s: %s" % (k, v) for k, v in fields]
        with open(os.path.join(directory, name + ".txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print(json.dumps({"wrote": len(messages)}))


if __name__ == "__main__":
    main(sys.argv[1])
