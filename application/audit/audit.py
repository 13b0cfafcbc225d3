"""Tamper evidence: the hash chain over each application log, its verification, signed
checkpoints, and the auditor's export.

Every stored event record of a log gets a link when it is written, in the same transaction:

    link_0 = 32 zero bytes
    link_n = SHA-256(link_{n-1} || frame(record_n))

where the records are taken in log order (ascending notification id) and ``frame`` is the
canonical framing of what the store holds for the record (``frame_record``):

    notification id       8 bytes, unsigned big-endian
    originator id         4-byte big-endian length, then UTF-8 text: a UUID in its canonical
                          form (lowercase, hyphenated), or the text id as stored
    originator version    8 bytes, signed big-endian
    topic                 4-byte big-endian length, then UTF-8
    state                 8-byte big-endian length, then the state bytes exactly as stored
                          (ciphertext and compressed bytes when a cipher or compressor is on)

The recorders in ``adapters.audit`` write each link beside the record, with the position of
the record it follows (``previous``, 0 for the first). This module is the part that needs
no database: the link function, the verification of a log read through the
``ChainedLogReader`` port, checkpoints (the message an Ed25519 key signs and the JSON an
auditor keeps), and the export of records with their links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import attrs
from eventsourcing.persistence import Mapper, Notification, StoredEvent

from application.audit.published import PublishedEvent, UnpublishableValue, published
from application.auth import Principal, Role, require_role
from application.errors import NotFound

GENESIS = bytes(32)
LINK_BYTES = 32
PAGE = 1000

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")


# The link function ---------------------------------------------------------------------------


def as_uuid(originator_id: UUID | str) -> UUID:
    """An id as a UUID column gives it back, so the link is made from what is read later."""
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def originator_text(originator_id: UUID | str) -> str:
    """The originator id as it is framed: a UUID's canonical text, or the text id itself."""
    return str(originator_id)


def frame_record(
    position: int, originator_id: UUID | str, originator_version: int, topic: str, state: bytes
) -> bytes:
    """The canonical bytes of one stored record (see the module's docstring)."""
    ident = originator_text(originator_id).encode()
    topic_bytes = topic.encode()
    return b"".join(
        (
            _U64.pack(position),
            _U32.pack(len(ident)),
            ident,
            _I64.pack(originator_version),
            _U32.pack(len(topic_bytes)),
            topic_bytes,
            _U64.pack(len(state)),
            state,
        )
    )


def next_link(previous: bytes, framed: bytes) -> bytes:
    return hashlib.sha256(previous + framed).digest()


@attrs.frozen
class ChainLink:
    """The link stored for the record at ``position``, chained to the record at ``previous``
    (0: the first record of the log)."""

    position: int
    previous: int
    link: bytes


def chain_links(
    head: ChainLink | None, records: Iterable[tuple[int, StoredEvent]]
) -> list[ChainLink]:
    """The links of new records (position, stored event), in log order, after ``head``."""
    previous, link = (0, GENESIS) if head is None else (head.position, head.link)
    links = []
    for position, stored in records:
        link = next_link(
            link,
            frame_record(
                position,
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
            ),
        )
        links.append(ChainLink(position=position, previous=previous, link=link))
        previous = position
    return links


# The port the verification reads through -----------------------------------------------------


@runtime_checkable
class ChainedLogReader(Protocol):
    """A log's records and links, read in pages (the chained recorders implement it)."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def max_notification_id(self) -> int | None: ...

    def select_links(self, start: int, limit: int, stop: int | None = None) -> Sequence[ChainLink]:
        """Links at positions from ``start`` (inclusive) up to ``stop``, in order."""
        ...

    def head_link(self) -> ChainLink | None:
        """The link at the highest position, if any."""
        ...


def end_of(reader: ChainedLogReader) -> int:
    """The highest position of a log's records or links (a deleted last record leaves its
    link behind, and that must be seen)."""
    head = reader.head_link()
    return max(reader.max_notification_id() or 0, 0 if head is None else head.position)


def records_of(
    reader: ChainedLogReader, *, after: int = 0, stop: int, page: int = PAGE
) -> Iterator[Notification]:
    """The log's records after a position up to ``stop``, a page at a time."""
    while after < stop:
        batch = reader.select_notifications(
            start=after, limit=page, stop=stop, inclusive_of_start=False
        )
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def links_of(
    reader: ChainedLogReader, *, after: int = 0, stop: int, page: int = PAGE
) -> Iterator[ChainLink]:
    while after < stop:
        batch = reader.select_links(after + 1, page, stop)
        if not batch:
            return
        yield from batch
        after = batch[-1].position


# Checkpoints ---------------------------------------------------------------------------------

CHECKPOINT_FORMAT = "spotlight-audit-checkpoint/1"
CHECKPOINTS_DOCUMENT = "spotlight-audit-checkpoints/1"


class Signer(Protocol):
    """Signs checkpoints (Ed25519 in ``adapters.audit.checkpoints``)."""

    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class SignatureCheck(Protocol):
    """Checks signatures with a public key only."""

    def is_valid(self, message: bytes, signature: bytes) -> bool: ...


class NotACheckpoint(ValueError):
    """A document is not a checkpoints file (the message says why)."""


def _moment(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a checkpoint's time must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@attrs.frozen
class Checkpoint:
    """What a log's head was at a time, signed: (log, position, head link, time)."""

    log: str
    position: int
    head: bytes
    at: datetime
    signature: bytes = b""

    def message(self) -> bytes:
        """The exact bytes signed: five lines, each ending with a newline."""
        return (
            f"{CHECKPOINT_FORMAT}\nlog={self.log}\nposition={self.position}\n"
            f"head={self.head.hex()}\nat={_moment(self.at)}\n"
        ).encode()

    def as_json(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "position": self.position,
            "head": self.head.hex(),
            "at": _moment(self.at),
            "signature": base64.b64encode(self.signature).decode(),
        }


def take_checkpoint(log: str, reader: ChainedLogReader, signer: Signer, at: datetime) -> Checkpoint:
    """A signed checkpoint of a log's head as stored now (verify the log to trust it)."""
    head = reader.head_link()
    unsigned = Checkpoint(
        log=log,
        position=0 if head is None else head.position,
        head=GENESIS if head is None else head.link,
        at=at,
    )
    return attrs.evolve(unsigned, signature=signer.sign(unsigned.message()))


def checkpoints_document(checkpoints: Sequence[Checkpoint], public_key: bytes) -> str:
    """The JSON document an auditor keeps outside the database."""
    return json.dumps(
        {
            "format": CHECKPOINTS_DOCUMENT,
            "public_key": base64.b64encode(public_key).decode(),
            "checkpoints": [checkpoint.as_json() for checkpoint in checkpoints],
        },
        indent=2,
    )


def _field(entry: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    value = entry.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise NotACheckpoint(f"{where}: '{name}' is missing or not a {kind.__name__}")
    return value


def parse_checkpoints(text: str) -> list[Checkpoint]:
    """The checkpoints of a document; anything else is ``NotACheckpoint``.

    A document whose signatures are wrong still parses: that is for verification to say.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotACheckpoint(f"not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(document, dict) or document.get("format") != CHECKPOINTS_DOCUMENT:
        raise NotACheckpoint(f"not a {CHECKPOINTS_DOCUMENT} document")
    entries = document.get("checkpoints")
    if not isinstance(entries, list) or not entries:
        raise NotACheckpoint("it lists no checkpoints")
    checkpoints = []
    for number, entry in enumerate(entries, start=1):
        where = f"checkpoint {number}"
        if not isinstance(entry, dict):
            raise NotACheckpoint(f"{where} is not an object")
        log = _field(entry, "log", str, where)
        position = _field(entry, "position", int, where)
        if position < 0:
            raise NotACheckpoint(f"{where}: the position is negative")
        try:
            head = bytes.fromhex(_field(entry, "head", str, where))
            signature = base64.b64decode(_field(entry, "signature", str, where), validate=True)
            at = datetime.fromisoformat(_field(entry, "at", str, where))
        except (ValueError, binascii.Error) as error:
            raise NotACheckpoint(f"{where}: {error}") from None
        if len(head) != LINK_BYTES:
            raise NotACheckpoint(f"{where}: the head is not a {LINK_BYTES}-byte link")
        if at.tzinfo is None:
            raise NotACheckpoint(f"{where}: the time has no time zone")
        checkpoints.append(
            Checkpoint(log=log, position=position, head=head, at=at, signature=signature)
        )
    return checkpoints


# Verification --------------------------------------------------------------------------------


class FindingKind(StrEnum):
    ALTERED = "altered"  # the record's stored bytes do not hash to its link
    DELETED = "deleted"  # a record the chain (or a checkpoint) vouches for is missing
    INSERTED = "inserted"  # a record the chain never linked
    REORDERED = "reordered"  # the chain places the record elsewhere in the log
    TRUNCATED = "truncated"  # the log ends before a checkpoint's position
    REWRITTEN = "rewritten"  # the chain holds together but not with a signed checkpoint
    FORGED_CHECKPOINT = "forged-checkpoint"  # a checkpoint's signature does not verify


@attrs.frozen
class Finding:
    log: str
    position: int
    kind: FindingKind
    detail: str

    def __str__(self) -> str:
        return f"{self.log} position {self.position}: {self.kind.value}: {self.detail}"


@attrs.frozen
class LogVerification:
    log: str
    records: int  # records read
    last_position: int  # the highest position read (0: empty)
    head: bytes  # the link recomputed over the records as they are now
    findings: tuple[Finding, ...]
    checkpoints_matched: int

    @property
    def intact(self) -> bool:
        return not self.findings


Progress = Callable[[str, int, int], None]  # (log, position reached, records read so far)


@attrs.define
class _Walk:
    """The state of one pass along a log."""

    log: str
    pending: list[Checkpoint]  # this log's checkpoints not reached yet, by position
    findings: list[Finding] = attrs.field(factory=list)
    flagged: set[int] = attrs.field(factory=set)
    trusted: bytes = GENESIS  # the link the next record must follow (resynchronised)
    running: bytes = GENESIS  # recomputed from the records alone, never resynchronised
    chained_to: int = 0  # the position the next link should name as its previous
    records: int = 0
    last_position: int = 0
    matched: int = 0
    last_matching_checkpoint: int | None = None

    def flag(self, position: int, kind: FindingKind, detail: str) -> None:
        if position not in self.flagged:
            self.flagged.add(position)
            self.findings.append(Finding(self.log, position, kind, detail))

    def record(self, record: Notification, stored: ChainLink | None) -> None:
        position = record.id
        self.records += 1
        self.last_position = position
        framed = frame_record(
            position,
            record.originator_id,
            record.originator_version,
            record.topic,
            record.state,
        )
        running_before, self.running = self.running, next_link(self.running, framed)
        if stored is None:
            self.flag(
                position,
                FindingKind.INSERTED,
                f"no link was written with this record ({record.topic} of "
                f"{record.originator_id} v{record.originator_version}): it was added outside "
                "the application",
            )
        elif stored.previous != self.chained_to:
            if self.chained_to < stored.previous < position:
                self.flag(
                    stored.previous,
                    FindingKind.DELETED,
                    f"the record at position {stored.previous} is missing (with its link): "
                    f"the chain links position {position} to it",
                )
            else:
                self.flag(
                    position,
                    FindingKind.REORDERED,
                    f"the chain places this record after position {stored.previous}, but it "
                    f"follows position {self.chained_to}",
                )
            self._follow(stored)
        else:
            # Until a finding resynchronises the trusted chain, both chains are the same one:
            # one hash a record, not two.
            expected = (
                self.running if self.trusted == running_before else next_link(self.trusted, framed)
            )
            if expected != stored.link:
                self.flag(
                    position,
                    FindingKind.ALTERED,
                    f"the record stored here ({record.topic} of {record.originator_id} "
                    f"v{record.originator_version}) does not hash to its link: its bytes, or "
                    "its place in the log, changed",
                )
            self._follow(stored)
        self._check_checkpoints(position, present=True)

    def orphan_link(self, stored: ChainLink) -> None:
        """A link whose record is gone."""
        self.flag(
            stored.position,
            FindingKind.DELETED,
            "the record is missing: its link remains",
        )
        self._follow(stored)
        self._check_checkpoints(stored.position, present=False)

    def _follow(self, stored: ChainLink) -> None:
        self.trusted = stored.link
        self.chained_to = stored.position

    def _check_checkpoints(self, position: int, *, present: bool) -> None:
        while self.pending and self.pending[0].position <= position:
            checkpoint = self.pending.pop(0)
            if checkpoint.position < position:
                self.flag(
                    checkpoint.position,
                    FindingKind.DELETED,
                    f"the record at position {checkpoint.position}, signed by the checkpoint "
                    f"of {_moment(checkpoint.at)}, is missing",
                )
            elif not present:
                continue  # already reported as deleted
            elif checkpoint.head == self.running:
                self.matched += 1
                self.last_matching_checkpoint = checkpoint.position
            elif not self.findings:
                since = (
                    "the start of the log"
                    if self.last_matching_checkpoint is None
                    else f"position {self.last_matching_checkpoint} (an earlier checkpoint)"
                )
                self.flag(
                    position,
                    FindingKind.REWRITTEN,
                    f"the records up to here do not hash to the head signed by the checkpoint "
                    f"of {_moment(checkpoint.at)}, though the stored links agree with them: "
                    f"records between {since} and here were changed and relinked",
                )

    def finish(self) -> LogVerification:
        for checkpoint in self.pending:
            if checkpoint.position == 0:
                self.matched += checkpoint.head == GENESIS
                continue
            self.flag(
                self.last_position + 1,
                FindingKind.TRUNCATED,
                f"the log ends at position {self.last_position}, but the checkpoint of "
                f"{_moment(checkpoint.at)} signed it up to position {checkpoint.position}: "
                f"records after position {self.last_position} were removed",
            )
        self.pending = []
        return LogVerification(
            log=self.log,
            records=self.records,
            last_position=self.last_position,
            head=self.running,
            findings=tuple(sorted(self.findings, key=lambda finding: finding.position)),
            checkpoints_matched=self.matched,
        )


def verify_log(
    log: str,
    reader: ChainedLogReader,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    page: int = PAGE,
    progress: Progress | None = None,
) -> LogVerification:
    """Recompute a log's chain from its records and compare it with the stored links and
    with the (already signature-checked) checkpoints of this log.

    Reads a page of records and a page of links at a time (constant memory), up to the end
    of the log when it starts; records written meanwhile are left for the next run. Each
    position is reported at most once, and after a finding the walk follows the stored
    link again, so one change is one finding.
    """
    stop = end_of(reader)
    walk = _Walk(
        log=log,
        pending=sorted(
            (c for c in checkpoints if c.log == log), key=lambda checkpoint: checkpoint.position
        ),
    )
    records = records_of(reader, stop=stop, page=page)
    links = links_of(reader, stop=stop, page=page)
    record = next(records, None)
    link = next(links, None)
    while record is not None or link is not None:
        if link is None or (record is not None and record.id < link.position):
            assert record is not None
            walk.record(record, None)
            record = next(records, None)
        elif record is None or link.position < record.id:
            walk.orphan_link(link)
            link = next(links, None)
        else:
            walk.record(record, link)
            record, link = next(records, None), next(links, None)
        if progress is not None and walk.records % page == 0 and walk.records:
            progress(log, walk.last_position, walk.records)
    if progress is not None:
        progress(log, walk.last_position, walk.records)
    return walk.finish()


@attrs.frozen
class StoreVerification:
    logs: tuple[LogVerification, ...]
    forged: tuple[Finding, ...]  # checkpoints whose signature does not verify

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for log in self.logs for f in log.findings)

    @property
    def tampered(self) -> bool:
        return bool(self.findings)

    @property
    def intact(self) -> bool:
        return not self.tampered and not self.forged


class UnknownLog(ValueError):
    """A checkpoint (or a request) names a log the store does not have."""


def verify_store(
    logs: Mapping[str, ChainedLogReader],
    *,
    checkpoints: Sequence[Checkpoint] = (),
    signatures: SignatureCheck | None = None,
    page: int = PAGE,
    progress: Progress | None = None,
) -> StoreVerification:
    """Verify every log; checkpoints are used only when their signature verifies."""
    unknown = sorted({c.log for c in checkpoints} - set(logs))
    if unknown:
        raise UnknownLog(f"checkpoints name logs this store does not have: {', '.join(unknown)}")
    if checkpoints and signatures is None:
        raise ValueError("checkpoints need a public key to be checked with")
    trusted: list[Checkpoint] = []
    forged: list[Finding] = []
    for checkpoint in checkpoints:
        assert signatures is not None
        if signatures.is_valid(checkpoint.message(), checkpoint.signature):
            trusted.append(checkpoint)
        else:
            forged.append(
                Finding(
                    checkpoint.log,
                    checkpoint.position,
                    FindingKind.FORGED_CHECKPOINT,
                    f"the checkpoint of {_moment(checkpoint.at)} (head {checkpoint.head.hex()}) "
                    "is not signed by the audit key",
                )
            )
    results = tuple(
        verify_log(name, reader, checkpoints=trusted, page=page, progress=progress)
        for name, reader in logs.items()
    )
    return StoreVerification(logs=results, forged=tuple(forged))


# The auditor's export ------------------------------------------------------------------------


PlainState = Callable[[bytes], bytes]


def plain_state(mapper: Mapper[Any]) -> PlainState:
    """Undo the mapper's cipher and compressor: the transcoder's bytes of a stored state."""

    def plain(state: bytes) -> bytes:
        if mapper.cipher is not None:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor is not None:
            state = mapper.compressor.decompress(state)
        return state

    return plain


@attrs.frozen
class AuditedRecord:
    """One record as an auditor reads it: what is stored, decoded, and its link."""

    position: int
    topic: str
    originator_id: str
    version: int
    timestamp: str | None
    state: Any  # the transcoder's JSON document, as stored; None when it cannot be decoded
    link: str | None  # hex; None when no link is stored for the record
    state_bytes: str | None = None  # base64 of the stored state when it cannot be decoded

    @property
    def event(self) -> PublishedEvent | None:
        """The event in the published form (``application.audit.published``); None when
        its state cannot be read or holds a value the form does not define."""
        if not isinstance(self.state, dict):
            return None
        try:
            return published(self.topic, self.originator_id, self.version, self.state)
        except UnpublishableValue:
            return None

    def as_json(self) -> dict[str, Any]:
        event = self.event
        out = {
            "position": self.position,
            "topic": self.topic,
            "originator_id": self.originator_id,
            "version": self.version,
            "timestamp": self.timestamp,
            "state": self.state,
            "link": self.link,
            "event": None if event is None else event.as_json(),
        }
        if self.state_bytes is not None:
            out["state_bytes"] = self.state_bytes
        return out


def _timestamp_of(state: Any) -> str | None:
    if not isinstance(state, dict):
        return None
    stamp = state.get("timestamp")
    if isinstance(stamp, dict) and isinstance(stamp.get("_data_"), str):
        return str(stamp["_data_"])
    return stamp if isinstance(stamp, str) else None


def audited(record: Notification, link: ChainLink | None, plain: PlainState) -> AuditedRecord:
    try:
        state: Any = json.loads(plain(record.state))
        raw = None
    except Exception:  # any failure to decode is shown in the export, never raised
        state, raw = None, base64.b64encode(record.state).decode()
    return AuditedRecord(
        position=record.id,
        topic=record.topic,
        originator_id=originator_text(record.originator_id),
        version=record.originator_version,
        timestamp=_timestamp_of(state),
        state=state,
        link=None if link is None else link.link.hex(),
        state_bytes=raw,
    )


def audited_records(
    reader: ChainedLogReader,
    plain: PlainState,
    *,
    after: int = 0,
    stop: int,
    page: int = PAGE,
) -> Iterator[AuditedRecord]:
    """The records after a position up to ``stop``, each with its stored link."""
    while after < stop:
        batch = reader.select_notifications(
            start=after, limit=page, stop=stop, inclusive_of_start=False
        )
        if not batch:
            return
        links = {
            link.position: link
            for link in reader.select_links(batch[0].id, len(batch) * 2, batch[-1].id)
        }
        for record in batch:
            yield audited(record, links.get(record.id), plain)
        after = batch[-1].id


@attrs.frozen
class AuditSource:
    """A log as the audit trail reads it."""

    reader: ChainedLogReader
    plain: PlainState


@attrs.frozen
class AuditPage:
    log: str
    records: tuple[AuditedRecord, ...]
    next_after: int | None  # the position to ask after for the next page; None at the end


@attrs.frozen
class LogHead:
    """Where a log ends: the highest position of its records or links (0: an empty log) and
    the hash-chain link stored there (None: no link yet)."""

    log: str
    position: int
    link: bytes | None


class AuditTrail:
    """The auditor's read access to every log, with their links."""

    MAX_PAGE = 1000

    def __init__(self, logs: Mapping[str, AuditSource]) -> None:
        self.logs = dict(logs)

    def heads(self, actor: Principal) -> tuple[LogHead, ...]:
        """Each log's head now, in the order the logs are verified: what a checkpoint signs
        and the next verification must reach (auditors and admins)."""
        require_role(actor, Role.AUDITOR, Role.ADMIN, doing="reading the audit trail")
        heads = []
        for name, source in self.logs.items():
            head = source.reader.head_link()
            heads.append(LogHead(name, end_of(source.reader), None if head is None else head.link))
        return tuple(heads)

    def page(self, actor: Principal, log: str, *, after: int = 0, limit: int = 100) -> AuditPage:
        """A log's records after ``after`` in log order, each with its stored link, at most
        ``limit`` (auditors and admins; an unknown log is ``NotFound``)."""
        require_role(actor, Role.AUDITOR, Role.ADMIN, doing="reading the audit trail")
        source = self.logs.get(log)
        if source is None:
            raise NotFound("log", log)
        limit = max(1, min(limit, self.MAX_PAGE))
        stop = source.reader.max_notification_id() or 0
        records = []
        for record in audited_records(
            source.reader, source.plain, after=after, stop=stop, page=limit
        ):
            records.append(record)
            if len(records) == limit:
                break
        more = bool(records) and records[-1].position < stop
        return AuditPage(
            log=log, records=tuple(records), next_after=records[-1].position if more else None
        )
