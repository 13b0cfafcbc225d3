"""ETag / If-Match: the aggregate version is the entity tag."""

from __future__ import annotations

from fastapi import Response

from entrypoints.http.problems import Problem


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
    if not text.isdigit():
        raise Problem(
            400,
            "bad-if-match",
            "Malformed If-Match",
            f'If-Match must be an ETag like "3", not {if_match!r}',
        )
    return int(text)
