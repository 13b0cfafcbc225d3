"""Sealing personal data: AES-256-GCM (``cryptography``), a fresh 96-bit nonce per seal,
the person's account as associated data (so sealed bytes cannot be moved to another
person), and a version byte in front so that a later scheme can be told apart."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12
KEY_BYTES = 32


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class AesGcmSealer:
    def seal(self, key: bytes, plaintext: bytes, *, subject: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, subject.encode())

    def open(self, key: bytes, sealed: bytes, *, subject: str) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + 16:
            raise ValueError("not sealed personal data of a known version")
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        try:
            return AESGCM(key).decrypt(nonce, body, subject.encode())
        except InvalidTag:
            raise ValueError("sealed with another key, or for another person") from None
