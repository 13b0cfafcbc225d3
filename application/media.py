"""Ports of the media pipeline: decoding uploads, and engines that fingerprint and match them.

Decoded media is plain numpy data so that engines stay independent of the decoder. Engines
turn media into compact, deterministic fingerprints (bytes, storable in events) and answer
queries from an inverted index that can be rebuilt from those stored fingerprints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs
import numpy as np
from numpy.typing import NDArray

from application.errors import ApplicationError
from domain.anchors.matching import TimeRange

__all__ = [
    "AudioTrack",
    "Candidate",
    "DamagedSnapshot",
    "DecodedMedia",
    "DecodersBusy",
    "Frame",
    "Install",
    "MatchingEngine",
    "MediaDecoder",
    "MediaDescriber",
    "MediaOverBudget",
    "MediaTooLarge",
    "PictureSampling",
    "SampledEngine",
    "SavedIndex",
    "SnapshotEngine",
    "TimeRange",
    "UnreadableMedia",
]


class UnreadableMedia(ApplicationError):
    """The upload is empty, corrupt, truncated, not media, or has nothing usable in it."""


class MediaTooLarge(ApplicationError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the upload has {size} bytes; the limit is {limit}")
        self.limit = limit


class MediaOverBudget(UnreadableMedia):
    """The upload is small but would decode to more than the service decodes for one upload:
    a picture or video frame of too many pixels, too many frames, or too long a clip. Found
    from the file's headers before decoding where they say it, else when decoding reaches the
    budget. An ``UnreadableMedia`` too: callers that only refuse need not tell them apart."""


class DecodersBusy(ApplicationError):
    """Every decoding slot stayed taken for as long as an upload may wait: try again later."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "the service is decoding as many uploads as it can at once; "
            f"try again in {retry_after_seconds} seconds"
        )
        self.retry_after_seconds = retry_after_seconds


@attrs.frozen(eq=False)
class AudioTrack:
    """Mono samples in [-1, 1] at ``sample_rate`` Hz."""

    samples: NDArray[np.float32]
    sample_rate: int

    @property
    def duration_seconds(self) -> float:
        return len(self.samples) / self.sample_rate


@attrs.frozen(eq=False)
class Frame:
    """One sampled picture: RGB, uint8, shape (height, width, 3), shown at ``at_seconds``."""

    at_seconds: float
    pixels: NDArray[np.uint8]


@attrs.frozen
class PictureSampling:
    """How pictures are sampled from a video: so many a second, the longer side at most
    ``max_side`` pixels (never scaled up)."""

    frames_per_second: float
    max_side: int


@attrs.frozen(eq=False)
class DecodedMedia:
    duration_seconds: float
    audio: AudioTrack | None
    frames: tuple[Frame, ...]
    #: Pictures sampled other ways in the same decoding, for other consumers (``also``).
    views: Mapping[PictureSampling, tuple[Frame, ...]] = attrs.field(factory=dict)

    def view(self, sampling: PictureSampling) -> DecodedMedia:
        """The same media with the pictures sampled as ``sampling`` asked; a decoder that was
        not asked for them is a bug (``KeyError``), never a second decoding."""
        return DecodedMedia(
            duration_seconds=self.duration_seconds, audio=self.audio, frames=self.views[sampling]
        )


class MediaDecoder(Protocol):
    def decode(self, data: bytes, *, also: Sequence[PictureSampling] = ()) -> DecodedMedia:
        """Decode an upload; raise UnreadableMedia with a reason a person can act on. Pictures
        are sampled as the decoder is set up (``frames``) and, from the same decoding, as
        each of ``also`` asks (``views``): one pass over the file feeds every consumer."""
        ...


@attrs.frozen
class Candidate:
    """A reference that a query matched, how strongly, and the evidence for it."""

    reference_id: str
    score: float  # 0..1, comparable within one engine
    matched_seconds: float  # length of the query covered by the consistent match
    query_start: float  # where the match starts in the query, seconds
    reference_start: float  # where it starts in the reference, seconds
    evidence: Mapping[str, object] = attrs.field(factory=dict)


class MatchingEngine(Protocol):
    """One signal (audio or visual). Fingerprints are deterministic and versioned."""

    signal: str
    version: str

    def fingerprint(self, media: DecodedMedia) -> bytes:
        """Deterministic bytes; empty when the media carries nothing this engine can use
        (no audio track, only blank frames)."""
        ...

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        """Add (or replace) a reference; nothing inside ``excluded`` may ever match."""
        ...

    def forget(self, reference_id: str) -> None: ...

    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        """Best candidates first, found without scanning every reference."""
        ...

    def __len__(self) -> int:
        """The number of indexed references."""
        ...


@runtime_checkable
class SampledEngine(MatchingEngine, Protocol):
    """A matching engine that also needs pictures sampled its own way (e.g. larger ones):
    whoever decodes for it asks the decoder for them (``MediaDecoder.decode(also=...)``),
    and the engine reads them from ``DecodedMedia.views``."""

    @property
    def sampling(self) -> PictureSampling: ...


#: Installs an index that was read; it cannot fail, so several engines take their
#: snapshots all together or not at all.
Install = Callable[[], None]


class DamagedSnapshot(Exception):
    """A saved index's files are missing, truncated, inconsistent or of another format."""


@runtime_checkable
class SavedIndex(Protocol):
    """A part of a matching index (an engine, a recogniser) that can write its index to a
    directory and read it back, so a new process need not index every stored fingerprint
    or descriptor again."""

    signal: str  # names its files in a snapshot
    version: str

    def save_index(self, directory: Path) -> None:
        """Write the index's files into ``directory`` (which exists and is empty)."""
        ...

    def read_index(self, directory: Path) -> Install:
        """Read and check the files ``save_index`` wrote, memory-mapped read-only where they
        are large; answer what replaces this part's index with them. Raises
        ``DamagedSnapshot`` and changes nothing when the files do not fit."""
        ...


@runtime_checkable
class SnapshotEngine(MatchingEngine, SavedIndex, Protocol):
    """A matching engine that can save its index."""


class MediaDescriber(Protocol):
    """Another program's description of a published video's media, kept with its
    fingerprints (e.g. the shop's product descriptors). What it needs (frame rate, picture
    size) is not what the anchors engines need, so it names its ``sampling``; the upload is
    still decoded once, and the describer is handed that view of it."""

    signal: str
    version: str
    sampling: PictureSampling

    def describe(self, media: DecodedMedia) -> bytes:
        """Deterministic bytes from the pictures sampled as ``sampling`` says; empty when
        the media holds nothing to describe. Raises only for a bug."""
        ...
