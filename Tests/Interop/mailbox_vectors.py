#!/usr/bin/env python3
"""Writes the mailbox vectors (docs/PROTOCOL.md, "Mailboxes") and the card-update vector (type 6) with the
independent peer's code: mailbox_vectors.py DIR. Written from the document alone.

The host H is protocol_peer.RECIPIENT, the owner O protocol_peer.SENDER. mailbox-deposit-receipt.txt takes
its envelope from DIR/envelope-alert.txt (its `sealed` field), so that file must exist in DIR."""
import json
import os
import sys

import nacl.bindings
import nacl.encoding
import nacl.hash

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol_peer as peer  # noqa: E402

HOST, OWNER = peer.RECIPIENT, peer.SENDER
HOST_ENDPOINT = "http://127.0.0.1:7745/"          # with a trailing slash: one is dropped
MAILBOX_DOMAIN = b"meetup/v1/mailbox\x00"
DEPOSIT_DOMAIN = b"meetup/v1/deposit\x00"
SOURCE = "source: mailbox_vectors.py, with protocol_peer.py's code, from docs/PROTOCOL.md"


def blake2b_256(data):
    return nacl.hash.blake2b(data, digest_size=32, encoder=nacl.encoding.RawEncoder)


def mailbox_box(host_signing_public, owner_signing_public):
    """box = first 10 bytes of BLAKE2b-256("meetup/v1/mailbox" || 0x00 || H_signing_public || O_signing_public)"""
    return blake2b_256(MAILBOX_DOMAIN + host_signing_public + owner_signing_public)[:10]


def mailbox_endpoint(host_endpoint, host_signing_public, box):
    """<H's endpoint>/v1/mailbox/<base64url(H_signing_public)>/<base32(box)>, one trailing / of H's dropped."""
    base = host_endpoint[:-1] if host_endpoint.endswith("/") else host_endpoint
    return "%s/v1/mailbox/%s/%s" % (base, peer.b64url(host_signing_public), peer.base32_lower(box))


def deposit_layout(box, digest, deposited_at, expires_at, host_signing_public):
    return (bytes([1]) + box + digest + deposited_at.to_bytes(8, "big") + expires_at.to_bytes(8, "big")
            + host_signing_public)


def batch_layout(waiting, messages):
    out = bytes([1]) + waiting.to_bytes(4, "big") + len(messages).to_bytes(4, "big")
    for message_id, deposited_at, envelope in messages:
        out += message_id + deposited_at.to_bytes(8, "big") + len(envelope).to_bytes(4, "big") + envelope
    return out


def sealed_envelope_vector(sender, recipient, type_, env_id, created, ttl, body):
    fields = peer.envelope_vector("valid", sender, recipient, type_, env_id, created, ttl, body)
    inner = bytes.fromhex(dict(fields)["inner"])
    fields.append(("sealed", nacl.bindings.crypto_box_seal(inner, recipient.sealing_public).hex()))
    return fields


def write(directory, name, fields):
    lines = [SOURCE] + [("# " + v) if k == "#" else "%s: %s" % (k, v) for k, v in fields]
    with open(os.path.join(directory, name + ".txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(directory):
    box = mailbox_box(HOST.signing_public, OWNER.signing_public)
    endpoint = mailbox_endpoint(HOST_ENDPOINT, HOST.signing_public, box)
    assert len(peer.b64url(HOST.signing_public)) == 43 and len(peer.base32_lower(box)) == 16
    files = {}

    files["mailbox-box"] = [
        ("#", "the owner's (protocol_peer.SENDER) box at the host (protocol_peer.RECIPIENT)"),
        ("#", "box = first 10 bytes of BLAKE2b-256(\"meetup/v1/mailbox\" || 0x00 || host_signing_public"
              " || owner_signing_public)"),
        ("#", "mailbox_endpoint = host_endpoint without its one trailing / || \"/v1/mailbox/\" ||"
              " base64url(host_signing_public) || \"/\" || base32_lower(box)"),
        ("host_signing_seed", HOST.signing_seed.hex()), ("host_signing_public", HOST.signing_public.hex()),
        ("owner_signing_public", OWNER.signing_public.hex()), ("box", box.hex()),
        ("box_base32", peer.base32_lower(box)), ("host_endpoint", HOST_ENDPOINT),
        ("mailbox_endpoint", endpoint)]

    with open(os.path.join(directory, "envelope-alert.txt"), encoding="utf-8") as f:
        envelope = bytes.fromhex(dict(line.split(": ", 1) for line in f.read().splitlines()
                                      if ": " in line)["sealed"])
    digest = blake2b_256(envelope)
    deposited, expires = peer.CREATED + 1000, peer.CREATED + 1000 + 7 * peer.DAY
    deposit = deposit_layout(box, digest, deposited, expires, HOST.signing_public)
    signature = HOST.sign(DEPOSIT_DOMAIN + deposit)
    receipt = deposit + signature
    assert len(deposit) == 91 and len(receipt) == 155
    files["mailbox-deposit-receipt"] = [
        ("#", "the host's deposit receipt for `envelope` (the `sealed` field of envelope-alert.txt) put in the"
              " box of mailbox-box.txt"),
        ("#", "digest = BLAKE2b-256(envelope); deposit = 0x01 || box || digest || deposited_ms (8) ||"
              " expires_ms (8) || host_signing_public"),
        ("#", "signature = Ed25519-sign(host, \"meetup/v1/deposit\" || 0x00 || deposit); receipt = deposit ||"
              " signature (155 bytes)"),
        ("envelope", envelope.hex()), ("digest", digest.hex()), ("box", box.hex()),
        ("deposited_ms", str(deposited)), ("expires_ms", str(expires)),
        ("host_signing_public", HOST.signing_public.hex()), ("deposit", deposit.hex()),
        ("signature", signature.hex()), ("receipt", receipt.hex())]

    messages = [(bytes([0x51] * 16), peer.CREATED + 1000, b"first envelope"),
                (bytes([0x52] * 16), peer.CREATED + 2000, b"second envelope")]
    waiting = 3
    batch = [("#", "a fetch answer: 0x01 || waiting (4) || count (4) || count times: id (16) || deposited_ms (8)"
                   " || length (4) || envelope"),
             ("#", "the envelopes are stand-in bytes (a host treats them as opaque)"),
             ("waiting", str(waiting)), ("count", str(len(messages)))]
    for n, (message_id, at, data) in enumerate(messages, 1):
        batch += [("id_%d" % n, message_id.hex()), ("deposited_ms_%d" % n, str(at)),
                  ("envelope_%d" % n, data.hex())]
    files["mailbox-batch"] = batch + [("batch", batch_layout(waiting, messages).hex())]

    fetch_body = peer.compact_json({"box": peer.base32_lower(box), "delete": [bytes([0x51] * 16).hex()],
                                    "wait_seconds": 25})
    files["mailbox-fetch"] = [("#", "mailbox-fetch (type 22) from the owner (sender_*) to the host"
                                    " (recipient_*), POSTed to <host endpoint>/v1/mailbox/fetch")] \
        + sealed_envelope_vector(OWNER, HOST, 22, bytes([0x60] * 16), peer.CREATED, 120_000, fetch_body)

    old_card, _, _ = peer.make_card(OWNER, peer.CREATED, "Alice", ["http://127.0.0.1:7744"])
    new_card, _, _ = peer.make_card(OWNER, peer.CREATED + 60_000, "Alice", ["http://127.0.0.1:7744", endpoint])
    update_body = peer.compact_json({"card": new_card})
    files["card-update"] = [("#", "card-update (type 6): the sender's new card, created 60 s after the card of"
                                  " card-valid.txt (old_card), adds its mailbox at the recipient")] \
        + sealed_envelope_vector(OWNER, HOST, 6, bytes([0x61] * 16), peer.CREATED + 60_000, 7 * peer.DAY,
                                 update_body) \
        + [("old_card", old_card), ("new_card", new_card)]

    for name, fields in files.items():
        write(directory, name, fields)
    print(json.dumps({"wrote": len(files), "dir": directory}))


if __name__ == "__main__":
    main(sys.argv[1])
