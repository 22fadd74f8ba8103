#!/usr/bin/env python3
"""Writes the guardian message vectors (docs/PROTOCOL.md, "Guardians") with the independent peer's
envelope code: guardian_vectors.py DIR. The bodies follow the document's JSON; the Swift tests decode them.
The sender keys are the user's, the recipient keys the guardian's (liveness-request goes the other way).
The replica's contact Carol has keys of her own (CAROL): its `escrow` entry is an escrowed alert from the user
sealed to Carol, its `own` the same alert body sealed to the guardian. Those two are sealed with random
nonces, so guardian-replica.txt also carries their inner bytes (escrow_inner, own_inner) and Carol's keys."""
import base64
import json
import os
import sys

import nacl.bindings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol_peer as peer  # noqa: E402

USER, GUARDIAN = peer.SENDER, peer.RECIPIENT
CAROL = peer.Keys(bytes(range(160, 192)), bytes(range(192, 224)))
PLAN = "4u4ljkvrxvjps"
START, UNTIL, DEADLINE = "2026-11-24T20:00:00Z", "2026-11-24T23:00:00Z", "2026-11-24T21:00:00Z"
ESCROW_ID, OWN_ID = bytes([0x4a] * 16), bytes([0x4b] * 16)     # envelope ids of the two escrowed alerts


def body(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def escrowed_alert():
    """An ordinary alert body (reason missed, raised_at the replica's time, the plan's details, trail and history
    as they stood) with "escrow": true and the plan's guardians, by the user's names for them."""
    return {"alert": peer.base32_lower(ESCROW_ID), "late": False, "payload": {
        "plan": PLAN, "reason": "missed", "raised_at": peer.rfc3339(peer.CREATED), "deadline": DEADLINE,
        "match": {"pseudonym": "Alex"}, "place": {"name": "Café de la Gare", "geo": {"lat": 48.8566, "lon": 2.3522}},
        "start": START, "until": UNTIL, "trail": [], "check_ins": [], "history": [{"at": START, "kind": "started"}]},
        "escrow": True, "guardians": [{"key": GUARDIAN.signing_public.hex(), "name": "Asso"}]}


def main(directory):
    assert len({k.signing_seed for k in (USER, GUARDIAN, CAROL)} | {k.sealing_secret for k in
               (USER, GUARDIAN, CAROL, peer.WRONG)}) == 7
    card, _, _ = peer.make_card(CAROL, peer.CREATED, "Carol", ["http://127.0.0.1:7746"])
    alert = body(escrowed_alert())
    # Escrow envelopes expire with the user's time to live: 7 days after the replica.
    escrow = peer.seal_envelope(USER, CAROL.sealing_public, 1, alert, peer.CREATED, peer.CREATED + 7 * peer.DAY,
                                ESCROW_ID)
    own = peer.seal_envelope(USER, GUARDIAN.sealing_public, 1, alert, peer.CREATED, peer.CREATED + 7 * peer.DAY,
                             OWN_ID)
    replica_extra = [
        ("#", "escrowed alert body (in escrow[0].envelope, id %s, and own, id %s): %s"
              % (ESCROW_ID.hex(), OWN_ID.hex(), alert.decode())),
        ("#", "escrow[0].envelope opens with Carol's sealing key, own with the guardian's (recipient_*)"),
        ("carol_signing_seed", CAROL.signing_seed.hex()), ("carol_sealing_secret", CAROL.sealing_secret.hex()),
        ("escrow_inner", escrow["inner"].hex()), ("own_inner", own["inner"].hex())]
    messages = {
        "guardian-replica": (USER, GUARDIAN, 16, {
            "plan": PLAN, "version": 12, "start": START, "every_seconds": 900,
            "grace_seconds": 300, "until": UNTIL, "deadline": DEADLINE,
            "heartbeat_seq": 12, "escalate_after_seconds": 300,
            "contacts": [{"name": "Carol", "tier": 1, "card": card}],
            "escrow": [{"card_key": CAROL.signing_public.hex(),
                        "envelope": base64.b64encode(escrow["sealed"]).decode()}],
            "own": base64.b64encode(own["sealed"]).decode()}),
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
        if name == "guardian-replica":
            fields += replica_extra
        lines = ["source: guardian_vectors.py, with protocol_peer.py's envelope code, from docs/PROTOCOL.md"]
        lines += [("# " + v) if k == "#" else "%s: %s" % (k, v) for k, v in fields]
        with open(os.path.join(directory, name + ".txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print(json.dumps({"wrote": len(messages)}))


if __name__ == "__main__":
    main(sys.argv[1])
