"""Ed25519 keys for checkpoints (the ``cryptography`` package): the operator's private key
signs, an auditor's copy of the public key verifies.

Keys travel as base64: the private key as its 32-byte seed (``SPOTLIGHT_AUDIT_KEY``), the
public key as its 32 raw bytes (``spotlight audit public-key`` prints it).
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_BYTES = 32


class BadKey(ValueError):
    """A key is not base64 of 32 bytes."""


def key_bytes(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadKey(f"{what} is not base64") from None
    if len(raw) != KEY_BYTES:
        raise BadKey(f"{what} must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def new_seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


class Ed25519Signer:
    def __init__(self, seed: bytes) -> None:
        if len(seed) != KEY_BYTES:
            raise BadKey(f"an Ed25519 seed has {KEY_BYTES} bytes, not {len(seed)}")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    @property
    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


class Ed25519Check:
    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != KEY_BYTES:
            raise BadKey(f"an Ed25519 public key has {KEY_BYTES} bytes, not {len(public_key)}")
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    def is_valid(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True
