"""Pages of a list: one convention for every list the services answer.

A list is read in a stable order, a page at a time: ``limit`` items at most, from just after
the item a ``cursor`` names, and the page's ``next_cursor`` names its last item (``None``: the
list has no more). A cursor is the item's key in the list's order (a keyset, so a page is a
seek on an index, and items added meanwhile are neither skipped nor repeated), written
opaquely: the list's name and the key as JSON in base64url, and a checksum of both. Clients
pass it back as it is; one that was altered, or that another list gave, is refused
(``InvalidValue``, 422 over HTTP) with the reason.

The checksum is not a secret: a cursor holds nothing its reader may not see (a key of an item
of a page it was answered), and a list always applies its reader's own filters, so a cursor
made by hand can only move within what its reader may read anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from uuid import UUID

import attrs

from domain.errors import InvalidValue

T = TypeVar("T")

#: What a key holds, in the list's order.
KeyPart = int | str | UUID
Key = tuple[KeyPart, ...]

#: The most items a page holds, whatever is asked.
MAX_LIMIT = 500
#: The longest cursor any list writes (a few UUIDs and integers) with room to spare.
MAX_CURSOR = 400
#: The characters of a cursor: base64url and the dot between the key and its checksum.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"

_CHECK = b"spotlight list cursor"


@attrs.frozen
class Page(Generic[T]):
    """One page of a list and the cursor of the next (``None``: this is the last)."""

    items: tuple[T, ...]
    next_cursor: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=9, key=_CHECK).digest()


class KeysetCursors:
    """The cursors of one list: its name and the kinds of its key's parts, in order."""

    def __init__(self, list_name: str, *kinds: type[int] | type[str] | type[UUID]) -> None:
        if not kinds:
            raise ValueError("a list's key has at least one part")
        self.list_name = list_name
        self.kinds = kinds

    def encode(self, key: Key) -> str:
        if len(key) != len(self.kinds):
            raise ValueError(f"a key of {self.list_name} has {len(self.kinds)} parts")
        parts = [part.hex if isinstance(part, UUID) else part for part in key]
        payload = json.dumps([self.list_name, *parts], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(_checksum(payload))}"

    def decode(self, cursor: str | None) -> Key | None:
        """The key a cursor names; ``None`` (the start) for no cursor."""
        if cursor is None:
            return None
        payload = self._payload(cursor)
        try:
            decoded = json.loads(payload)
        except ValueError:
            decoded = None
        if not isinstance(decoded, list) or not decoded:
            raise InvalidValue("the cursor is not one a list gave: pass next_cursor as it is")
        name, *parts = decoded
        if name != self.list_name:
            raise InvalidValue(
                f"the cursor is one of another list ({name!r}), not of {self.list_name!r}"
            )
        if len(parts) != len(self.kinds):
            raise InvalidValue(f"the cursor is not one {self.list_name!r} gave")
        return tuple(self._part(kind, part) for kind, part in zip(self.kinds, parts, strict=True))

    def page(self, rows: Sequence[T], limit: int, key: Callable[[T], Key]) -> Page[T]:
        """The page of the first ``limit`` of ``rows``, read with ``limit + 1`` to learn
        whether more follow."""
        items = tuple(rows[:limit])
        more = len(rows) > limit and bool(items)
        return Page(items=items, next_cursor=self.encode(key(items[-1])) if more else None)

    def _payload(self, cursor: str) -> bytes:
        key, dot, check = cursor.partition(".")
        try:
            payload, checksum = _unb64(key), _unb64(check)
        except (binascii.Error, ValueError):
            payload, checksum = b"", b""
        if not dot or not payload or checksum != _checksum(payload):
            raise InvalidValue(
                "the cursor was altered or is not one a list gave: pass next_cursor as it is"
            )
        return payload

    def _part(self, kind: type[int] | type[str] | type[UUID], part: object) -> KeyPart:
        try:
            if kind is UUID and isinstance(part, str):
                return UUID(hex=part)
            if kind is int and isinstance(part, int) and not isinstance(part, bool):
                return part
            if kind is str and isinstance(part, str):
                return part
        except ValueError:
            pass
        raise InvalidValue(f"the cursor is not one {self.list_name!r} gave")


def int_at(key: Key, index: int) -> int:
    """The key's part at ``index``, one the cursors declared an integer."""
    part = key[index]
    if not isinstance(part, int):
        raise TypeError(f"part {index} of the key is not an integer")
    return part


def uuid_at(key: Key, index: int) -> UUID:
    """The key's part at ``index``, one the cursors declared a UUID."""
    part = key[index]
    if not isinstance(part, UUID):
        raise TypeError(f"part {index} of the key is not a UUID")
    return part


def limited(limit: int) -> int:
    """A page's size: at least one item, at most ``MAX_LIMIT``."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidValue(f"a page holds from 1 to {MAX_LIMIT} items")
    return limit
