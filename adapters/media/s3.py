"""The media store on an S3-compatible object store (boto3), for deployments past one machine.

Not the default: chosen by ``SPOTLIGHT_MEDIA_STORE=s3://bucket[/prefix]?endpoint=URL&region=R``
(credentials from the usual ``AWS_*`` variables or files, as boto3 reads them), and boto3 comes
with the ``s3`` extra. Tested against moto's S3 server (``moto[server]``, a real HTTP endpoint
started by the test on 127.0.0.1), not against AWS or MinIO: what it shows is that the adapter
speaks the S3 API, not how any provider behaves under load.

Keys under the prefix: ``blobs/<address>``; holdings as empty objects ``holders/<address>/
<holder>`` and ``people/<sha256 of the person>/<address>~<holder>``. An upload is spooled to a
temporary file while it is hashed (its address is known only at its end), then sent with one
``upload_fileobj`` (multipart past boto3's threshold), which S3 makes visible all at once.
S3 has no lock across objects: a release racing an identical upload can delete the blob the
upload just re-used (the same window as the file store's, documented in ARCHITECTURE.md).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from application.media_store import (
    ContentAddress,
    MediaNotStored,
    check_limit,
    content_type_of,
    is_address,
)
from domain.media import StoredBlob

READ_CHUNK: Final = 256 * 1024
SPOOL_IN_MEMORY: Final = 8 * 1024 * 1024


def _client(endpoint: str | None, region: str | None) -> Any:
    import boto3  # the s3 extra: imported only when the S3 store is chosen

    return boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1")


def _missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Location:
    """A bucket and a key prefix on an S3-compatible endpoint, from ``s3://bucket/prefix?...``."""

    def __init__(self, url: str, client: Any = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket[/prefix] address: {url!r}")
        query = parse_qs(parts.query)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        endpoint = query.get("endpoint", [None])[0]
        self.client = client or _client(endpoint, query.get("region", [None])[0])

    def key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)


class S3MediaStore:
    """``MediaStore`` on S3 (see the module's docstring)."""

    def __init__(self, location: S3Location) -> None:
        self.at = location
        self.s3 = location.client

    def _key(self, address: str) -> str:
        if not is_address(address):
            raise MediaNotStored(address)
        return self.at.key("blobs", address)

    def put(self, chunks: Iterable[bytes], *, content_type: str | None, limit: int) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            for chunk in chunks:
                size += len(chunk)
                check_limit(size, limit)
                digest.update(chunk)
                spool.write(chunk)
            address = digest.hexdigest()
            kind = content_type_of(content_type)
            if self._exists(address):
                # Copied onto itself, so that its LastModified is now: an upload in flight
                # makes its blob young again, and the collector leaves it.
                key = self._key(address)
                self.s3.copy_object(
                    Bucket=self.at.bucket,
                    Key=key,
                    CopySource={"Bucket": self.at.bucket, "Key": key},
                    MetadataDirective="REPLACE",
                    ContentType=kind,
                )
            else:
                spool.seek(0)
                self.s3.upload_fileobj(
                    spool, self.at.bucket, self._key(address), ExtraArgs={"ContentType": kind}
                )
        return StoredBlob(address=address, size=size, content_type=kind)

    def _exists(self, address: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.at.bucket, Key=self._key(address))
        except Exception as error:
            if _missing(error):
                return False
            raise
        return True

    def open(
        self, address: ContentAddress, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        key = self._key(address)
        if end is not None and end <= start:
            self.size(address)  # still refuses a blob that is not there
            return iter(())
        wanted = {} if start == 0 and end is None else {"Range": _range(start, end)}
        try:
            answer = self.s3.get_object(Bucket=self.at.bucket, Key=key, **wanted)
        except Exception as error:
            if _missing(error):
                raise MediaNotStored(address) from None
            raise
        body = answer["Body"]
        chunks: Iterator[bytes] = body.iter_chunks(READ_CHUNK)
        return chunks

    def _head(self, address: ContentAddress) -> Any:
        try:
            return self.s3.head_object(Bucket=self.at.bucket, Key=self._key(address))
        except Exception as error:
            if _missing(error):
                raise MediaNotStored(address) from None
            raise

    def size(self, address: ContentAddress) -> int:
        return int(self._head(address)["ContentLength"])

    def stored_at(self, address: ContentAddress) -> datetime:
        modified: datetime = self._head(address)["LastModified"]
        return modified if modified.tzinfo else modified.replace(tzinfo=UTC)

    def addresses(self) -> Iterator[ContentAddress]:
        prefix = self.at.key("blobs") + "/"
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.at.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(prefix) :]
                if is_address(name):
                    yield name

    def delete(self, address: ContentAddress) -> bool:
        if not self._exists(address):
            return False
        self.s3.delete_object(Bucket=self.at.bucket, Key=self._key(address))
        return True


def _range(start: int, end: int | None) -> str:
    return f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"


class S3MediaHoldings:
    """``MediaHoldings`` as empty objects on S3 (see the module's docstring)."""

    def __init__(self, location: S3Location) -> None:
        self.at = location
        self.s3 = location.client

    def _names(self, address: str, holder: str, person: str) -> tuple[str, str]:
        if not is_address(address):
            raise MediaNotStored(address)
        if not holder or "/" in holder or "~" in holder or holder.startswith("."):
            raise ValueError(f"not a holder name: {holder!r}")
        person_dir = hashlib.sha256(person.encode()).hexdigest()
        return (
            self.at.key("holders", address, holder),
            self.at.key("people", person_dir, f"{address}~{holder}"),
        )

    def hold(self, address: ContentAddress, holder: str, person: str) -> None:
        for key in self._names(address, holder, person):
            self.s3.put_object(Bucket=self.at.bucket, Key=key, Body=b"")

    def _keys(self, prefix: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.at.bucket, Prefix=prefix
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def held_by(self, person: str) -> list[tuple[ContentAddress, str]]:
        prefix = self.at.key("people", hashlib.sha256(person.encode()).hexdigest()) + "/"
        held = []
        for key in sorted(self._keys(prefix)):
            address, _, holder = key[len(prefix) :].partition("~")
            held.append((address, holder))
        return held

    def release(self, address: ContentAddress, holder: str, person: str) -> bool:
        for key in self._names(address, holder, person):
            self.s3.delete_object(Bucket=self.at.bucket, Key=key)
        return bool(self._keys(self.at.key("holders", address) + "/"))
