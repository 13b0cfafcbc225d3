"""The visual signal: whole-frame hashes and footage found in a part of the frame, together.

``PerceptualVisualEngine`` (``adapters.matching.visual``) recognises re-uploads that show
the footage across the frame; ``RegionVisualEngine`` (``adapters.matching.regions``) finds it
when it fills only a part (green screen, picture-in-picture, split screen, filmed off a
screen). A title's policy has one visual rule, so both answer as one engine: a reference
found both ways keeps the stronger candidate, with the other's evidence beside it.

Fingerprint bytes::

    b"SPVC" | u8 format | u8 zero | u16 zero | u32 length of the whole-frame part
    | the whole-frame fingerprint (may be empty) | the region fingerprint

A fingerprint of the whole-frame engine alone (``b"SPVH"``, stored before the regions
existed) is still read: its video has no region part and is matched by its hashes only.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from adapters.matching.index_files import check_header, write_json
from adapters.matching.regions import VERSION as REGIONS_VERSION
from adapters.matching.regions import RegionVisualEngine, Silence
from adapters.matching.regions import decode as decode_regions
from adapters.matching.regions import silence as region_silence
from adapters.matching.visual import VERSION as FRAMES_VERSION
from adapters.matching.visual import IncompatibleFingerprint, PerceptualVisualEngine
from application.media import Candidate, DecodedMedia, Install, PictureSampling, TimeRange

VERSION: Final = f"{FRAMES_VERSION}+{REGIONS_VERSION}"
INDEX_FORMAT: Final = 1
_MAGIC: Final = b"SPVC"
_WHOLE_MAGIC: Final = b"SPVH"
_FORMAT: Final = 1
_HEADER: Final = struct.Struct("<4sBBHI")


def join(whole: bytes, regions: bytes) -> bytes:
    return _HEADER.pack(_MAGIC, _FORMAT, 0, 0, len(whole)) + whole + regions


def split(fingerprint: bytes) -> tuple[bytes, bytes]:
    """The whole-frame part and the region part (either may be empty)."""
    if fingerprint[:4] == _WHOLE_MAGIC:
        return fingerprint, b""
    if len(fingerprint) < _HEADER.size:
        raise IncompatibleFingerprint("too short to be a visual fingerprint")
    magic, fmt, _, _, whole = _HEADER.unpack_from(fingerprint)
    if magic != _MAGIC or fmt != _FORMAT or len(fingerprint) < _HEADER.size + whole:
        raise IncompatibleFingerprint(f"not a visual fingerprint of format {_FORMAT}")
    start = _HEADER.size
    return fingerprint[start : start + whole], fingerprint[start + whole :]


class VisualEngine:
    """The catalogue's visual ``MatchingEngine`` (see the module's docstring)."""

    signal = "visual"
    version = VERSION

    def __init__(
        self,
        frames: PerceptualVisualEngine | None = None,
        regions: RegionVisualEngine | None = None,
    ) -> None:
        self.frames = PerceptualVisualEngine() if frames is None else frames
        self.regions = RegionVisualEngine() if regions is None else regions

    @property
    def sampling(self) -> PictureSampling:
        """Pictures to decode for the region part, beside the decoder's own."""
        return self.regions.sampling

    def fingerprint(self, media: DecodedMedia) -> bytes:
        whole = self.frames.fingerprint(media)
        regions = self.regions.fingerprint(media)
        # Kept even when only the region part's reason is in it: it says why nothing matched.
        return join(whole, regions)

    def silence(self, fingerprint: bytes) -> str | None:
        """Why a fingerprint can hold no visual evidence at all, or None when it can."""
        whole, regions = split(fingerprint)
        reason = region_silence(regions) if regions else None
        if regions and decode_regions(regions)[0] is Silence.TOO_SHORT:
            return reason  # the hashes need 3 frames at 2 a second: too short for them too
        if whole:
            return None
        return reason or "no picture has detail to recognise footage by"

    def __len__(self) -> int:
        return len(self.frames)

    def index(
        self, reference_id: str, fingerprint: bytes, excluded: Sequence[TimeRange] = ()
    ) -> None:
        whole, regions = split(fingerprint)
        self.frames.index(reference_id, whole, excluded)
        if regions:
            self.regions.index(reference_id, regions, excluded)
        else:
            self.regions.forget(reference_id)

    def forget(self, reference_id: str) -> None:
        self.frames.forget(reference_id)
        self.regions.forget(reference_id)

    def query(self, fingerprint: bytes, *, limit: int = 10) -> list[Candidate]:
        whole, regions = split(fingerprint)
        found = {c.reference_id: c for c in self.frames.query(whole, limit=limit)}
        for candidate in self.regions.query(regions, limit=limit) if regions else []:
            other = found.get(candidate.reference_id)
            if other is None:
                found[candidate.reference_id] = candidate
                continue
            stronger, weaker = (
                (candidate, other) if candidate.score > other.score else (other, candidate)
            )
            found[candidate.reference_id] = Candidate(
                reference_id=stronger.reference_id,
                score=stronger.score,
                matched_seconds=max(stronger.matched_seconds, weaker.matched_seconds),
                query_start=stronger.query_start,
                reference_start=stronger.reference_start,
                evidence={**weaker.evidence, **stronger.evidence, "also": dict(weaker.evidence)},
            )
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.reference_id))
        return ranked[:limit]

    # -- a saved index -------------------------------------------------------------------

    def save_index(self, directory: Path) -> None:
        """Each engine's own files in a folder of its own."""
        for name, part in (("frames", self.frames), ("regions", self.regions)):
            (directory / name).mkdir()
            part.save_index(directory / name)
        write_json(
            directory,
            "index",
            {"kind": "visual", "index_format": INDEX_FORMAT, "version": self.version},
        )

    def read_index(self, directory: Path) -> Install:
        check_header(directory, "visual", INDEX_FORMAT, self.version)
        install_frames = self.frames.read_index(directory / "frames")
        install_regions = self.regions.read_index(directory / "regions")

        def install() -> None:
            install_frames()
            install_regions()

        return install
