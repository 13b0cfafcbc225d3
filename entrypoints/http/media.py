"""Playing back stored media over HTTP: byte ranges (RFC 9110 §14), the content address as
the entity tag, and the type the upload was stored with.

One range a request (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) is answered 206 with
``Content-Range``; a range that starts past the end is 416 with ``Content-Range: bytes */size``;
several ranges, or a ``Range`` of another unit, get the whole blob (200), as the RFC allows.
A ``Range`` with an ``If-Range`` that is not the blob's tag gets the whole blob too.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from application.media_store import MediaStore
from domain.media import StoredBlob
from entrypoints.http.problems import documented, problem_response

_RANGE: Final = re.compile(r"bytes=(\d*)-(\d*)")

#: The OpenAPI of a playback operation: its bodies and headers.
PLAYBACK_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The whole blob, in the type it was stored with.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    206: {"description": "The requested byte range, with `Content-Range`."},
    304: {"description": "Not modified: `If-None-Match` names the blob's tag."},
    **documented((416, "The range starts past the end; `Content-Range: bytes */size`.")),
}


def _etag(blob: StoredBlob) -> str:
    return f'"{blob.address}"'


class _Unsatisfiable(Exception):
    """The range starts past the end (or asks for the last 0 bytes)."""


def _range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive; None: serve the whole; raises ``_Unsatisfiable``."""
    match = _RANGE.fullmatch(header.replace(" ", ""))
    if match is None:
        return None  # another unit, several ranges, or malformed: the whole blob
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        count = int(last)
        if count == 0:
            raise _Unsatisfiable
        return max(0, size - count), size - 1
    start = int(first)
    if start >= size:
        raise _Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None  # an invalid range is ignored (RFC 9110 §14.2)
    return start, end


def playback(request: Request, store: MediaStore, blob: StoredBlob) -> Response:
    """The answer to a GET of ``blob``, honouring ``Range``, ``If-Range`` and
    ``If-None-Match``."""
    tag = _etag(blob)
    size = store.size(blob.address)
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": tag,
        # The bytes are what an uploader sent: never let a browser guess another type.
        "X-Content-Type-Options": "nosniff",
        # Opened as a page, it may run nothing and reach nothing of the service's origin.
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": "inline",
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if wanted is not None and request.headers.get("if-range", tag) != tag:
        wanted = None
    try:
        span = None if wanted is None else _range(wanted, size)
    except _Unsatisfiable:
        return problem_response(
            416,
            "range-not-satisfiable",
            "Range not satisfiable",
            f"the media has {size} bytes; the range {wanted} starts past its end",
            headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        )
    if span is None:
        return StreamingResponse(
            store.open(blob.address),
            media_type=blob.content_type,
            headers={**headers, "Content-Length": str(size)},
        )
    first, last = span
    return StreamingResponse(
        store.open(blob.address, first, last + 1),
        status_code=206,
        media_type=blob.content_type,
        headers={
            **headers,
            "Content-Range": f"bytes {first}-{last}/{size}",
            "Content-Length": str(last - first + 1),
        },
    )
