#!/usr/bin/env python3
"""An independent libsodium peer (PyNaCl) for the Swift interop tests.

Reads one JSON request on stdin, writes one JSON answer on stdout. All bytes are hex.

  make   {"recipient_seal_public": ..., "message": ...}
         -> signs and seals with fresh PyNaCl keys
  check  {"signing_public": ..., "message": ..., "signature": ..., "sealed": ...,
          "seal_secret": ..., "aead_key": ..., "aead_sealed": ..., "aead_context": ...,
          "argon2id_hash": ..., "password": ...}
         -> verifies and opens what Swift made
"""
import json
import sys

import nacl.bindings as b
import nacl.exceptions
import nacl.pwhash
import nacl.signing
from nacl.public import PrivateKey, PublicKey, SealedBox


def h(value):
    return bytes.fromhex(value)


def make(request):
    message = h(request["message"])
    signer = nacl.signing.SigningKey.generate()
    signature = signer.sign(message).signature
    sealed = SealedBox(PublicKey(h(request["recipient_seal_public"]))).encrypt(message)
    key = b.randombytes(32)
    nonce = b.randombytes(24)
    context = b"interop"
    aead = nonce + b.crypto_aead_xchacha20poly1305_ietf_encrypt(message, context, nonce, key)
    password = b"2468"
    return {
        "signing_public": signer.verify_key.encode().hex(),
        "signature": signature.hex(),
        "sealed": sealed.hex(),
        "aead_key": key.hex(),
        "aead_sealed": aead.hex(),
        "aead_context": context.hex(),
        "argon2id_hash": nacl.pwhash.argon2id.str(
            password,
            opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
            memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN,
        ).decode(),
        "password": password.hex(),
    }


def check(request):
    message = h(request["message"])
    answer = {}
    try:
        nacl.signing.VerifyKey(h(request["signing_public"])).verify(message, h(request["signature"]))
        answer["signature_ok"] = True
    except nacl.exceptions.BadSignatureError:
        answer["signature_ok"] = False
    try:
        answer["opened"] = SealedBox(PrivateKey(h(request["seal_secret"]))).decrypt(h(request["sealed"])).hex()
    except nacl.exceptions.CryptoError:
        answer["opened"] = None
    sealed = h(request["aead_sealed"])
    try:
        answer["aead_opened"] = b.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed[24:], h(request["aead_context"]), sealed[:24], h(request["aead_key"])
        ).hex()
    except nacl.exceptions.CryptoError:
        answer["aead_opened"] = None
    try:
        answer["password_ok"] = nacl.pwhash.argon2id.verify(
            request["argon2id_hash"].encode(), h(request["password"])
        )
    except nacl.exceptions.InvalidkeyError:
        answer["password_ok"] = False
    return answer


def main():
    command = sys.argv[1]
    request = json.load(sys.stdin)
    answer = {"make": make, "check": check}[command](request)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
