"""ETag / If-Match: the aggregate version is the entity tag; Location: where a new resource is."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response

from entrypoints.http.problems import Problem

# No aggregate reaches a version of 19 digits; a longer tag is refused before it is parsed
# (int() of thousands of digits is slow and, past 4,300, an error).
_VERSION = re.compile(r"[0-9]{1,18}")


def etag(version: int) -> str:
    return f'"{version}"'


def tag_response(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int | None:
    """None means 'any version' (no header, or '*')."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip()
    text = text.removeprefix("W/")
    text = text.strip('"')
    # fullmatch against ASCII digits: str.isdigit() also accepts '²' and '٣'.
    if _VERSION.fullmatch(text) is None:
        raise Problem(
            400,
            "bad-if-match",
            "Malformed If-Match",
            f'If-Match must be an ETag like "3" (a version of at most 18 digits), not '
            f"{if_match[:40]!r}{'...' if len(if_match) > 40 else ''}",
        )
    return int(text)


#: On the answer to a retry under an ``Idempotency-Key`` already used.
REPLAYED = "Idempotent-Replayed"


def answer_replay(response: Response, *, replayed: bool) -> None:
    """A retry under an ``Idempotency-Key`` answers as the first request did: the same
    status (201) and body, marked ``Idempotent-Replayed: true``."""
    response.status_code = 201
    if replayed:
        response.headers[REPLAYED] = "true"


def set_location(response: Response, *segments: object) -> None:
    """``Location: /v1/<segment>/...`` with every segment percent-encoded, so no value (an
    account, an id) can add a path segment, split the header or fall outside Latin-1."""
    response.headers["Location"] = "/v1/" + "/".join(quote(str(s), safe="") for s in segments)
