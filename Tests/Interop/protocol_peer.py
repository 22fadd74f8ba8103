#!/usr/bin/env python3
"""An independent peer for the meetup wire protocol v1, written from docs/PROTOCOL.md alone.

Needs Python 3 with PyNaCl (Debian: python3-nacl) and nothing else. Every command prints one JSON
object per line on stdout; on error it prints a message on stderr and exits with status 1.

Commands:
  card         --state DIR --name NAME --endpoint URL     make DIR/state.json if missing, print our card
  send-alert   --state DIR --to CARD [--plan P] [--reason R] [--pseudonym X] [--place Y]
               [--lat F --lon F] [--times N] [--sign-for CARD2] [--expired]
                                                          seal one alert to CARD, POST it N times
  serve        --state DIR --port PORT --trust CARD --out FILE
                                                          accept envelopes from CARD on 127.0.0.1:PORT
  make-vectors DIR                                        write deterministic test vectors into DIR
  check-vectors DIR                                       re-derive and check the vectors in DIR
"""
import argparse, base64, datetime, json, os, re, sys, threading, time
import urllib.error, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nacl.bindings, nacl.encoding, nacl.exceptions, nacl.hash, nacl.signing

CARD_PREFIX = "meetup1:"
CARD_DOMAIN = b"meetup/v1/card\x00"
ENVELOPE_DOMAIN = b"meetup/v1/envelope\x00"
FINGERPRINT_DOMAIN = b"meetup/v1/fingerprint"
MAX_WIRE, MAX_CARD_TEXT, SIG = 8 * 1024 * 1024, 1400, 64
HEADER = 1 + 1 + 16 + 8 + 8 + 32 + 4            # signed bytes before the body: 70
MINUTE, DAY = 60_000, 86_400_000
TYPE_NAMES = {1: "alert", 2: "receipt", 3: "ack", 4: "resolved"}
HTTP_STATUS = {"too-large": 413, "wrong-recipient": 421, "unknown-sender": 403, "bad-signature": 403,
               "expired": 410, "not-yet-valid": 425, "unavailable": 503}           # every other refusal code is 400
B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class Refused(Exception):
    """A refusal with one of the spec's error codes."""
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------- encodings, keys, identity

def now_ms():
    return int(time.time() * 1000)

def rfc3339(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def unb64url(text):
    if len(text) % 4 == 1 or not set(text) <= B64URL:
        raise Refused("unreadable", "not base64url without padding")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(raw) != text:                  # unused trailing bits must be zero
        raise Refused("unreadable", "non-canonical base64url")
    return raw

def base32_lower(data):
    return base64.b32encode(data).decode().rstrip("=").lower()

def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()

def verify(public, message, signature):
    try:
        nacl.signing.VerifyKey(public).verify(message, signature)
        return True
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False


class Keys:
    """One node's Ed25519 signing pair and X25519 sealing pair (signing part optional)."""
    def __init__(self, signing_seed, sealing_secret):
        self.signing_seed, self.sealing_secret = signing_seed, sealing_secret
        self.signer = nacl.signing.SigningKey(signing_seed) if signing_seed else None
        self.signing_public = bytes(self.signer.verify_key) if signing_seed else None
        self.sealing_public = nacl.bindings.crypto_scalarmult_base(sealing_secret)

    def sign(self, message):
        return self.signer.sign(message).signature


def fingerprint(signing_public, sealing_public):
    return nacl.hash.blake2b(FINGERPRINT_DOMAIN + signing_public + sealing_public,
                             digest_size=32, encoder=nacl.encoding.RawEncoder)

def node_id(fp):
    return base32_lower(fp[:10])

def safety_number(fp_a, fp_b):
    def digits(fp):
        return "".join("%05d" % (int.from_bytes(fp[i:i + 5], "big") % 100000) for i in range(0, 30, 5))
    joined = "".join(sorted([digits(fp_a), digits(fp_b)]))
    return " ".join(joined[i:i + 5] for i in range(0, 60, 5))


class Reader:
    """Reads big-endian fields; running out of bytes is `unreadable`."""
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise Refused("unreadable", "truncated")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def text(self, n):
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("unreadable", "invalid UTF-8")


# ---------------------------------------------------------------- contact cards

def card_body(keys, created, name, endpoints):
    name_bytes = name.encode()
    if len(name_bytes) > 64 or not 1 <= len(endpoints) <= 4:
        raise ValueError("name over 64 bytes or not 1..4 endpoints")
    body = bytes([1]) + keys.signing_public + keys.sealing_public + created.to_bytes(8, "big")
    body += bytes([len(name_bytes)]) + name_bytes + bytes([len(endpoints)])
    for url in endpoints:
        url_bytes = url.encode()
        if not 1 <= len(url_bytes) <= 200 or not url.startswith(("http://", "https://")):
            raise ValueError("bad endpoint %r" % url)
        body += bytes([len(url_bytes)]) + url_bytes
    return body

def make_card(keys, created, name, endpoints):
    body = card_body(keys, created, name, endpoints)
    signature = keys.sign(CARD_DOMAIN + body)
    card = CARD_PREFIX + b64url(body + signature)
    if len(card) > MAX_CARD_TEXT:            # the field limits alone allow up to 1351 characters
        raise ValueError("card text over 1400 characters")
    return card, body, signature

# What a card reader removes wherever it occurs (docs/PROTOCOL.md, "The contact card"): not Python's
# str.split() set, which keeps U+200B and drops U+001C to U+001F.
CARD_SPACES = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] + list(range(0x2000, 0x200C))
                  + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])

def parse_card(text):
    text = "".join(c for c in text if c not in CARD_SPACES)
    if len(text) > MAX_CARD_TEXT or not text.startswith(CARD_PREFIX):
        raise Refused("unreadable", "not a meetup1: card of at most 1400 characters")
    raw = unb64url(text[len(CARD_PREFIX):])
    body, signature = raw[:-SIG], raw[-SIG:]
    if len(raw) < SIG + 1:
        raise Refused("unreadable", "card too short")
    r = Reader(body)
    if r.uint(1) != 1:
        raise Refused("unsupported-version", "card version is not 1")
    card = {"signing_public": r.take(32), "sealing_public": r.take(32), "created": r.uint(8)}
    name_length = r.uint(1)
    if name_length > 64:
        raise Refused("unreadable", "name hint over 64 bytes")
    card["name"] = r.text(name_length)
    count = r.uint(1)
    if not 1 <= count <= 4:
        raise Refused("unreadable", "endpoint count not 1..4")
    card["endpoints"] = []
    for _ in range(count):
        length = r.uint(1)
        url = r.text(length)
        if not 1 <= length <= 200 or not url.startswith(("http://", "https://")):
            raise Refused("unreadable", "bad endpoint")
        card["endpoints"].append(url)
    if r.pos != len(body):
        raise Refused("unreadable", "bytes left before the signature")
    if not verify(card["signing_public"], CARD_DOMAIN + body, signature):
        raise Refused("bad-signature", "card signature does not verify")
    card["fingerprint"] = fingerprint(card["signing_public"], card["sealing_public"])
    card["node_id"] = node_id(card["fingerprint"])
    return card


# ---------------------------------------------------------------- message bodies

def is_time(v):
    """Any RFC 3339 date-time (docs/PROTOCOL.md, "Message bodies": senders write whole seconds and Z, receivers
    take fractions, lowercase t and z, numeric offsets)."""
    if not isinstance(v, str):
        return False
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)", v)
    if not m:
        return False
    try:
        datetime.datetime.strptime(m.group(1) + "T" + m.group(2), "%Y-%m-%dT%H:%M:%S")
        return m.group(4) in "Zz" or (int(m.group(4)[1:3]) < 24 and int(m.group(4)[4:6]) < 60)
    except ValueError:
        return False

def is_photo(v):
    try:
        return isinstance(v, str) and len(base64.b64decode(v, validate=True)) <= 5 * 1024 * 1024
    except ValueError:
        return False

def objects(v, limit=None):
    return isinstance(v, list) and all(isinstance(x, dict) for x in v) and (limit is None or len(v) <= limit)

KINDS = {"str": lambda v: isinstance(v, str), "bool": lambda v: isinstance(v, bool),
         "num": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
         "time": is_time, "photo": is_photo, "objects": objects, "trail": lambda v: objects(v, 1000),
         "history": lambda v: objects(v, 10000),
         "times": lambda v: isinstance(v, list) and len(v) <= 10000 and all(map(is_time, v)),
         "hex16": lambda v: isinstance(v, str) and bool(re.fullmatch(r"[0-9a-f]{32}", v)),
         "id": lambda v: isinstance(v, str) and bool(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", v)),
         "text500": lambda v: isinstance(v, str) and v.strip() != "" and len(v) <= 500,
         "reason": lambda v: v in ("missed", "duress", "panic", "pin-failures"),
         "state": lambda v: v in ("done", "checked-in")}
# Keys ending in "?" are optional (absent or null); a nested dict is a JSON object of that shape.
SHAPES = {
    1: {"alert": "id", "late": "bool", "photo?": "photo", "payload": {
        "plan": "id", "reason": "reason", "raised_at": "time", "deadline?": "time",
        "match": {"pseudonym": "text500"}, "place": {"name": "text500", "geo?": {"lat": "num", "lon": "num"}},
        "start": "time", "until": "time", "trail": "trail", "check_ins": "times", "history": "history"}},
    2: {"envelope": "hex16", "received_at": "time", "duplicate": "bool"},
    3: {"alert": "id", "plan": "id", "acked_at": "time"},
    4: {"plan": "id", "state": "state", "at": "time"}}

def check_shape(obj, shape, where="body"):
    for key, kind in shape.items():
        name = key.rstrip("?")
        value = obj.get(name)
        if value is None and key.endswith("?"):
            continue
        ok = isinstance(value, dict) if isinstance(kind, dict) else KINDS[kind](value)
        if not ok:
            expected = kind if isinstance(kind, str) else "an object"
            raise Refused("unreadable", "%s.%s is missing or not %s" % (where, name, expected))
        if isinstance(kind, dict):
            check_shape(value, kind, where + "." + name)

def parse_body(type_, raw):
    def no_constants(name):
        raise ValueError(name)
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except ValueError:                       # includes UnicodeDecodeError and JSONDecodeError
        raise Refused("unreadable", "body is not UTF-8 JSON")
    if not isinstance(body, dict):
        raise Refused("unreadable", "body is not a JSON object")
    check_shape(body, SHAPES[type_])
    return body


# ---------------------------------------------------------------- envelopes

def seal_envelope(keys, recipient_sealing_public, type_, body, created, expires, env_id=None,
                  sign_for=None):
    env_id = env_id or os.urandom(16)
    signed = bytes([1, type_]) + env_id + created.to_bytes(8, "big") + expires.to_bytes(8, "big")
    signed += keys.signing_public + len(body).to_bytes(4, "big") + body
    signature = keys.sign(ENVELOPE_DOMAIN + (sign_for or recipient_sealing_public) + signed)
    inner = signed + signature
    return {"id": env_id, "signed": signed, "signature": signature, "inner": inner,
            "sealed": nacl.bindings.crypto_box_seal(inner, recipient_sealing_public)}

def open_envelope(keys, data, contacts, now, types=(1, 3, 4)):
    """Steps 1-7 of "Opening an envelope"; step 8 (dedupe) is the caller's. Raises Refused."""
    if len(data) > MAX_WIRE:
        raise Refused("too-large", "envelope over 8 MiB")
    try:
        inner = nacl.bindings.crypto_box_seal_open(data, keys.sealing_public, keys.sealing_secret)
    except Exception:
        raise Refused("wrong-recipient", "sealed box does not open")
    if len(inner) < HEADER + SIG:
        raise Refused("unreadable", "inner shorter than 134 bytes")
    r = Reader(inner)
    if r.uint(1) != 1:
        raise Refused("unsupported-version", "envelope version is not 1")
    type_, env_id, created, expires = r.uint(1), r.take(16), r.uint(8), r.uint(8)
    sender, body_length = r.take(32), r.uint(4)
    if body_length != len(inner) - HEADER - SIG:
        raise Refused("unreadable", "body_length does not match")
    body, signed, signature = r.take(body_length), inner[:-SIG], inner[-SIG:]
    if not verify(sender, ENVELOPE_DOMAIN + keys.sealing_public + signed, signature):
        raise Refused("bad-signature", "envelope signature does not verify for us")
    if sender not in contacts:
        raise Refused("unknown-sender", "sender is not a contact")
    if created > now + 10 * MINUTE:
        raise Refused("not-yet-valid", "created more than 10 minutes ahead")
    if expires <= now:
        raise Refused("expired", "envelope expired")
    if expires < created or expires - created > 30 * DAY:
        raise Refused("expired", "time to live over 30 days")
    if type_ not in types:
        raise Refused("unknown-type", "type %d not accepted here" % type_)
    return {"type": type_, "type_name": TYPE_NAMES[type_], "id": env_id.hex(),
            "sender": sender, "sender_node_id": contacts[sender]["node_id"],
            "created": created, "expires": expires, "body": parse_body(type_, body)}


# ---------------------------------------------------------------- commands

def load_state(directory):
    path = os.path.join(directory, "state.json")
    if not os.path.exists(path):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        state = {"signing_seed": os.urandom(32).hex(), "sealing_secret": os.urandom(32).hex(),
                 "created": now_ms()}
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            json.dump(state, f)
    with open(path) as f:
        state = json.load(f)
    return Keys(bytes.fromhex(state["signing_seed"]), bytes.fromhex(state["sealing_secret"])), state

def emit(obj):
    print(json.dumps(obj), flush=True)

def cmd_card(a):
    keys, state = load_state(a.state)
    card, _, _ = make_card(keys, state["created"], a.name, [a.endpoint])
    fp = fingerprint(keys.signing_public, keys.sealing_public)
    emit({"card": card, "fingerprint_hex": fp.hex(), "node_id": node_id(fp)})

def alert_body(a, now):
    place = {"name": a.place}
    if a.lat is not None and a.lon is not None:
        place["geo"] = {"lat": a.lat, "lon": a.lon}
    return {"alert": base32_lower(os.urandom(16)), "late": False, "payload": {
        "plan": a.plan, "reason": a.reason, "raised_at": rfc3339(now), "deadline": rfc3339(now),
        "match": {"pseudonym": a.pseudonym}, "place": place,
        "start": rfc3339(now - 3_600_000), "until": rfc3339(now + 7_200_000),
        "trail": [], "check_ins": [], "history": [{"at": rfc3339(now - 3_600_000), "kind": "started"}]}}

def cmd_send_alert(a):
    keys, _ = load_state(a.state)
    card = parse_card(a.to)
    sign_for = parse_card(a.sign_for)["sealing_public"] if a.sign_for else None
    now = now_ms()
    created, expires = (now - 8 * DAY, now - DAY) if a.expired else (now, now + 7 * DAY)
    env = seal_envelope(keys, card["sealing_public"], 1, compact_json(alert_body(a, now)),
                        created, expires, sign_for=sign_for)
    url = card["endpoints"][0].rstrip("/") + "/v1/envelope"
    for _ in range(a.times):
        request = urllib.request.Request(url, data=env["sealed"], method="POST",
                                         headers={"Content-Type": "application/octet-stream"})
        result = {"status": None, "envelope": env["id"].hex(), "receipt": None,
                  "receipt_valid": False, "error": None}
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result["status"], answer = response.status, response.read()
        except urllib.error.HTTPError as e:
            result["status"], answer = e.code, e.read()
        if result["status"] == 200:
            try:
                receipt = open_envelope(keys, answer, {card["signing_public"]: card}, now_ms(), types=(2,))
                result["receipt"] = receipt["body"]
                result["receipt_valid"] = receipt["body"]["envelope"] == env["id"].hex()
            except Refused as e:
                result["error"] = {"code": e.code, "message": "receipt refused: %s" % e}
        else:
            try:
                result["error"] = json.loads(answer)["error"]
            except (ValueError, KeyError, TypeError):
                result["error"] = {"code": "non-json", "message": answer[:200].decode("latin-1")}
        emit(result)

def cmd_serve(a):
    keys, _ = load_state(a.state)
    contact = parse_card(a.trust)
    contacts = {contact["signing_public"]: contact}
    seen, lock, out = {}, threading.Lock(), open(a.out, "a")    # seen: accepted id -> expires

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status, data, content_type="application/octet-stream"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def refuse(self, code, message, status=None):
            error = json.dumps({"error": {"code": code, "message": message}}).encode()
            self.answer(status or HTTP_STATUS.get(code, 400), error, "application/json")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != "/v1/envelope" or length > MAX_WIRE:
                self.close_connection = True          # the body is left unread
                if self.path != "/v1/envelope":
                    return self.refuse("not-found", "no such path", 404)
                return self.refuse("too-large", "envelope over 8 MiB")
            now = now_ms()
            try:
                message = open_envelope(keys, self.rfile.read(length), contacts, now)
            except Refused as e:
                return self.refuse(e.code, str(e))
            with lock:
                for old in [k for k, exp in seen.items() if exp <= now]:
                    del seen[old]
                duplicate = message["id"] in seen
                if not duplicate:                     # commit before answering
                    seen[message["id"]] = message["expires"]
                    keep = ("type", "type_name", "id", "sender_node_id", "created", "expires", "body")
                    out.write(json.dumps({k: message[k] for k in keep}) + "\n")
                    out.flush()
            body = compact_json({"envelope": message["id"], "received_at": rfc3339(now),
                                 "duplicate": duplicate})
            sender = contacts[message["sender"]]
            self.answer(200, seal_envelope(keys, sender["sealing_public"], 2, body, now, now + DAY)["sealed"])

        def do_GET(self):
            self.refuse("not-found", "no such path", 404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    emit({"listening": server.server_address[1]})
    server.serve_forever()


# ---------------------------------------------------------------- test vectors

SENDER = Keys(bytes(range(0, 32)), bytes(range(32, 64)))
RECIPIENT = Keys(bytes(range(64, 96)), bytes(range(96, 128)))
WRONG = Keys(None, bytes(range(128, 160)))
ALERT_ID, RECEIPT_ID = bytes(range(16)), bytes(range(16, 32))
CREATED, RECEIPT_CREATED = 1795000000000, 1795554301000      # the latter is 2026-11-24T21:05:01Z
VECTOR_ALERT = {"alert": "ksgy2ttjrmmqjhewtnvppfs6oy", "late": False, "payload": {
    "plan": "4u4ljkvrxvjps", "reason": "missed", "raised_at": "2026-11-18T11:06:40Z",
    "deadline": "2026-11-18T11:06:39Z", "match": {"pseudonym": "Alex"},
    "place": {"name": "Café de la Gare", "geo": {"lat": 48.8566, "lon": 2.3522}},
    "start": "2026-11-18T10:00:00Z", "until": "2026-11-18T13:00:00Z", "trail": [], "check_ins": [],
    "history": [{"at": "2026-11-18T10:00:00Z", "kind": "started"}]}}

def envelope_vector(expect, sender, recipient, type_, env_id, created, ttl, body, sign_for=None):
    env = seal_envelope(sender, recipient.sealing_public, type_, body, created, created + ttl,
                        env_id, sign_for)
    return [("#", "body JSON: " + body.decode()), ("expect", expect)] + [(k, v.hex()) for k, v in [
        ("sender_signing_seed", sender.signing_seed), ("sender_sealing_secret", sender.sealing_secret),
        ("sender_signing_public", sender.signing_public), ("recipient_signing_seed", recipient.signing_seed),
        ("recipient_sealing_secret", recipient.sealing_secret),
        ("recipient_sealing_public", recipient.sealing_public)]] + [
        ("type", str(type_)), ("id", env_id.hex()), ("created_ms", str(created)),
        ("expires_ms", str(created + ttl)), ("body", body.hex()), ("signed", env["signed"].hex()),
        ("signature", env["signature"].hex()), ("inner", env["inner"].hex())]

def vectors():
    """File name -> [(key, value)]; key "#" is a comment. `sealed` is random: make-vectors adds it."""
    card, body, signature = make_card(SENDER, CREATED, "Alice", ["http://127.0.0.1:7744"])
    fp_a = fingerprint(SENDER.signing_public, SENDER.sealing_public)
    fp_b = fingerprint(RECIPIENT.signing_public, RECIPIENT.sealing_public)
    i = len(CARD_PREFIX) + 40
    altered = card[:i] + ("B" if card[i] == "A" else "A") + card[i + 1:]
    alert = compact_json(VECTOR_ALERT)
    receipt = compact_json({"envelope": ALERT_ID.hex(), "received_at": "2026-11-24T21:05:01Z",
                            "duplicate": False})
    return {
        "card-valid": [("#", "contact card of the sender keys"), ("expect", "valid"),
                       ("signing_seed", SENDER.signing_seed.hex()),
                       ("sealing_secret", SENDER.sealing_secret.hex()),
                       ("signing_public", SENDER.signing_public.hex()),
                       ("sealing_public", SENDER.sealing_public.hex()), ("created_ms", str(CREATED)),
                       ("name", "Alice"), ("endpoint", "http://127.0.0.1:7744"), ("card", card),
                       ("fingerprint", fp_a.hex()), ("node_id", node_id(fp_a)), ("card_body", body.hex()),
                       ("signature", signature.hex())],
        "card-altered": [("#", "card-valid with character 40 after the prefix changed"),
                         ("expect", "invalid"),
                         ("card", altered), ("reason", "bad-signature")],
        "envelope-alert": envelope_vector("valid", SENDER, RECIPIENT, 1, ALERT_ID, CREATED, 7 * DAY, alert),
        "envelope-wrong-recipient": [
            ("#", "signed for the X25519 key of wrong_sealing_secret, sealed to the recipient"),
                                     ("wrong_sealing_secret", WRONG.sealing_secret.hex())] + envelope_vector(
            "bad-signature", SENDER, RECIPIENT, 1, ALERT_ID, CREATED, 7 * DAY, alert, WRONG.sealing_public),
        "safety-number": [("#", "a = sender keys, b = recipient keys"), ("expect", "valid"),
                          ("fingerprint_a", fp_a.hex()), ("fingerprint_b", fp_b.hex()),
                          ("safety_number", safety_number(fp_a, fp_b))],
        "receipt": [("#", "receipt from the alert's recipient (sender_* here) to the alert's sender")]
                   + envelope_vector("valid", RECIPIENT, SENDER, 2, RECEIPT_ID, RECEIPT_CREATED, DAY,
                                     receipt)}

def cmd_make_vectors(a):
    os.makedirs(a.dir, exist_ok=True)
    for name, fields in vectors().items():
        values = dict(fields)
        if "inner" in values:
            public = Keys(None, bytes.fromhex(values["recipient_sealing_secret"])).sealing_public
            sealed = nacl.bindings.crypto_box_seal(bytes.fromhex(values["inner"]), public)
            fields.append(("sealed", sealed.hex()))
        lines = ["source: protocol_peer.py make-vectors, from docs/PROTOCOL.md"]
        lines += [("# " + v) if k == "#" else "%s: %s" % (k, v) for k, v in fields]
        with open(os.path.join(a.dir, name + ".txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
    emit({"wrote": len(vectors()), "dir": a.dir})

def read_vector(path):
    with open(path, encoding="utf-8") as f:
        lines = [line.partition(":") for line in f.read().splitlines()
                 if line and not line.startswith(("#", "source:"))]
    return {key.strip(): value.strip() for key, _, value in lines}

def opened_as(got):
    """What a recipient makes of `sealed`: "valid" or the refusal code (the clock is `created_ms`)."""
    keys = Keys(None, bytes.fromhex(got["recipient_sealing_secret"]))
    sealed = bytes.fromhex(got["sealed"])
    try:
        inner = nacl.bindings.crypto_box_seal_open(sealed, keys.sealing_public, keys.sealing_secret)
    except nacl.exceptions.CryptoError:
        inner = b""
    if inner.hex() != got["inner"]:
        return "sealed does not open to inner"
    try:
        contacts = {bytes.fromhex(got["sender_signing_public"]): {"node_id": "vector"}}
        message = open_envelope(keys, sealed, contacts, int(got["created_ms"]), types=(1, 2, 3, 4))
        return "valid" if message["id"] == got["id"] else "wrong id"
    except Refused as e:
        return e.code

def cmd_check_vectors(a):
    expected = vectors()
    names = sorted(n[:-4] for n in os.listdir(a.dir) if n.endswith(".txt"))
    for name in names:
        if name not in expected:
            raise SystemExit("no checker for vector file %s.txt" % name)
        got = read_vector(os.path.join(a.dir, name + ".txt"))
        for key, value in expected[name]:
            if key != "#" and got.get(key) != value:
                raise SystemExit("%s: %s differs: %r != %r" % (name, key, got.get(key), value))
        if name.startswith("card-"):
            try:
                outcome = "valid" if parse_card(got["card"])["node_id"] == got.get("node_id") else "wrong node id"
            except Refused as e:
                outcome = "invalid" if e.code == got.get("reason") else "refused as " + e.code
        else:
            outcome = opened_as(got) if "sealed" in got else "valid"
        if outcome != got["expect"]:
            raise SystemExit("%s: got %s, expected %s" % (name, outcome, got["expect"]))
    emit({"checked": len(names)})

def cmd_check_deposit(a):
    """A mailbox host's deposit receipt for `envelope` at the mailbox `endpoint` (docs/PROTOCOL.md, "Deposit"),
    checked from the document: the layout, the box and key of the endpoint's path, the digest, the signature."""
    path = urllib.parse.urlparse(a.endpoint).path
    parts = path.split("/v1/mailbox/")[-1].split("/")
    if "/v1/mailbox/" not in path or len(parts) != 2:
        raise Refused("unreadable", "not a mailbox endpoint")
    host, box = unb64url(parts[0]), parts[1]
    receipt, envelope = bytes.fromhex(a.receipt), bytes.fromhex(a.envelope)
    if len(receipt) != 155 or receipt[0] != 1:
        raise Refused("unreadable", "a deposit receipt is 155 bytes of version 1")
    deposit, signature = receipt[:91], receipt[91:]
    digest = nacl.hash.blake2b(envelope, digest_size=32, encoder=nacl.encoding.RawEncoder)
    checks = {"box": base32_lower(deposit[1:11]) == box, "digest": deposit[11:43] == digest,
              "host": deposit[59:91] == host,
              "signature": verify(host, b"meetup/v1/deposit\x00" + deposit, signature)}
    emit({"valid": all(checks.values()), "checks": checks, "deposited_ms": int.from_bytes(deposit[43:51], "big"),
          "expires_ms": int.from_bytes(deposit[51:59], "big")})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("card")
    c.add_argument("--state", required=True), c.add_argument("--name", required=True)
    c.add_argument("--endpoint", required=True)
    s = sub.add_parser("send-alert")
    s.add_argument("--state", required=True), s.add_argument("--to", required=True)
    s.add_argument("--plan", default="pyplan0000001"), s.add_argument("--reason", default="panic")
    s.add_argument("--pseudonym", default="Py Match"), s.add_argument("--place", default="Python Place")
    s.add_argument("--lat", type=float), s.add_argument("--lon", type=float)
    s.add_argument("--times", type=int, default=1), s.add_argument("--sign-for")
    s.add_argument("--expired", action="store_true")
    v = sub.add_parser("serve")
    v.add_argument("--state", required=True), v.add_argument("--port", type=int, required=True)
    v.add_argument("--trust", required=True), v.add_argument("--out", required=True)
    sub.add_parser("make-vectors").add_argument("dir")
    sub.add_parser("check-vectors").add_argument("dir")
    d = sub.add_parser("check-deposit")
    d.add_argument("--endpoint", required=True), d.add_argument("--envelope", required=True)
    d.add_argument("--receipt", required=True)
    a = p.parse_args()
    commands = {"card": cmd_card, "send-alert": cmd_send_alert, "serve": cmd_serve,
                "make-vectors": cmd_make_vectors, "check-vectors": cmd_check_vectors, "check-deposit": cmd_check_deposit}
    try:
        commands[a.command](a)
    except Refused as e:
        sys.exit("refused (%s): %s" % (e.code, e))
    except (OSError, ValueError, KeyError, urllib.error.URLError, nacl.exceptions.CryptoError) as e:
        sys.exit("error: %s" % (e or type(e).__name__))


if __name__ == "__main__":
    main()
