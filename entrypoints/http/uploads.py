"""Multipart uploads with a size limit that is enforced before the body is read."""

from __future__ import annotations

import attrs
from fastapi import Request
from starlette.datastructures import UploadFile

from entrypoints.http.problems import Problem

READ_CHUNK = 1024 * 1024


def refuse_oversized(request: Request, limit: int) -> None:
    length = request.headers.get("content-length")
    if length is None:
        raise Problem(411, "length-required", "Length required", "send a Content-Length header")
    if not length.isdigit():
        raise Problem(400, "bad-request", "Bad request", "Content-Length is not a number")
    if int(length) > limit + 64 * 1024:  # the multipart envelope adds a little
        raise Problem(
            413,
            "payload-too-large",
            "Payload too large",
            f"the upload has {length} bytes; the limit is {limit}",
        )


@attrs.frozen
class Upload:
    """The bytes of the one media file and the type its part declared (None: none)."""

    data: bytes
    content_type: str | None


async def read_form(
    request: Request, *, limit: int, file_field: str = "media"
) -> tuple[dict[str, list[str]], bytes | None]:
    """The text fields (each possibly repeated) and the bytes of the one media file."""
    fields, upload = await read_upload(request, limit=limit, file_field=file_field)
    return fields, None if upload is None else upload.data


async def read_upload(
    request: Request, *, limit: int, file_field: str = "media"
) -> tuple[dict[str, list[str]], Upload | None]:
    """The text fields (each possibly repeated) and the one media file with its type."""
    refuse_oversized(request, limit)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Problem(
            415, "unsupported-media-type", "Unsupported media type", "send multipart/form-data"
        )
    form = await request.form(max_files=1, max_fields=100)
    fields: dict[str, list[str]] = {}
    media: Upload | None = None
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != file_field:
                    raise Problem(
                        422, "validation-error", "Invalid request", f"unexpected file {key!r}"
                    )
                media = Upload(await _read_limited(value, limit), value.content_type)
            else:
                fields.setdefault(key, []).append(value)
    finally:
        await form.close()
    return fields, media


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Problem(
                413,
                "payload-too-large",
                "Payload too large",
                f"the media file exceeds {limit} bytes",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def single(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise Problem(422, "validation-error", "Invalid request", f"{name} is given more than once")
    return values[0]


def words(fields: dict[str, list[str]], name: str) -> list[str]:
    """A list given as repeated fields or as one comma- or space-separated field."""
    return [word for value in fields.get(name, []) for word in value.replace(",", " ").split()]
