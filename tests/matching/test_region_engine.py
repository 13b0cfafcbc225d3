"""The visual signal finds a title's footage in a part of the frame, and says where.

The rates over every layout are measured in ``tests/quality/test_region_quality.py``; here
are single cases: a picture-in-picture found with its region, footage that no title owns
left alone, excluded stretches, and uploads that cannot hold evidence (too short, one
colour, a still picture held for a minute) answered with nothing and a reason.
"""

from __future__ import annotations

import functools
import io

import av
import numpy as np

from adapters.matching.regions import SAMPLING, RegionVisualEngine, Silence, decode, silence
from adapters.matching.visual_engine import VisualEngine, split
from adapters.media.decoding import PyAVDecoder
from application.media import TimeRange
from tests.media import corpus
from tests.media.layouts import LAYOUTS


@functools.cache
def fingerprint(media: bytes) -> bytes:
    return VisualEngine().fingerprint(PyAVDecoder().decode(media, also=(SAMPLING,)))


@functools.cache
def trailer() -> bytes:
    return corpus.reference_clip(11)


def catalogue() -> VisualEngine:
    engine = VisualEngine()
    engine.index("trailer", fingerprint(trailer()))
    engine.index("teaser", fingerprint(corpus.reference_clip(12)))
    return engine


def _clip(pictures: list[np.ndarray], seconds: float) -> bytes:
    """``pictures`` shown one after another for ``seconds`` in all, 24 fps, 640x360."""
    count = max(1, round(seconds * corpus.FPS))
    frames = (pictures[i * len(pictures) // count] for i in range(count))
    return corpus._encode(frames, None, size=(640, 360))


def _first_picture(media: bytes) -> np.ndarray:
    with av.open(io.BytesIO(media), mode="r") as container:
        for frame in container.decode(video=0):
            picture = frame.reformat(640, 360, "rgb24").to_ndarray()
            return np.asarray(picture, np.uint8)
    raise AssertionError("no picture")


def test_footage_in_a_corner_is_found_with_the_region_it_fills() -> None:
    engine = catalogue()
    query = fingerprint(LAYOUTS["picture_in_picture"](trailer()))

    best = engine.query(query)[0]

    assert best.reference_id == "trailer"
    assert best.score >= 0.45
    assert best.matched_seconds >= 3
    region = best.evidence["region"]
    assert isinstance(region, tuple)
    left, top, right, bottom = (float(side) for side in region)
    # The footage fills 30 % of the frame; the region is where its keypoints were found.
    assert 0.1 <= (right - left) * (bottom - top) <= 0.4
    assert best.evidence["view"] == "region"


def test_the_whole_frame_hashes_alone_do_not_find_it() -> None:
    engine = catalogue()
    query = fingerprint(LAYOUTS["split_left_right"](trailer()))

    assert engine.frames.query(split(query)[0]) == []
    assert engine.query(query)[0].reference_id == "trailer"


def test_look_alike_footage_in_the_same_layout_is_left_alone() -> None:
    engine = catalogue()

    assert (
        engine.query(fingerprint(LAYOUTS["picture_in_picture"](corpus.reference_clip(201)))) == []
    )


def test_footage_inside_an_excluded_stretch_never_matches() -> None:
    engine = VisualEngine()
    engine.index("trailer", fingerprint(trailer()), [TimeRange(0.0, 20.0)])

    assert engine.query(fingerprint(LAYOUTS["picture_in_picture"](trailer()))) == []


def test_a_forgotten_reference_is_not_found() -> None:
    engine = catalogue()
    engine.forget("trailer")

    assert engine.query(fingerprint(LAYOUTS["picture_in_picture"](trailer()))) == []


def test_a_clip_shorter_than_a_second_holds_no_evidence_and_says_why() -> None:
    engine = catalogue()
    short = _clip([_first_picture(trailer())], seconds=0.6)
    query = fingerprint(short)

    assert engine.query(query) == []
    assert decode(split(query)[1])[0] is Silence.TOO_SHORT
    assert "shorter than 1 s" in (engine.silence(query) or "")


def test_one_colour_frames_hold_no_evidence_and_say_why() -> None:
    engine = catalogue()
    flat = [np.full((360, 640, 3), colour, np.uint8) for colour in (20, 120, 240)]
    query = fingerprint(_clip(flat, seconds=6))

    assert engine.query(query) == []
    assert "one colour" in (engine.silence(query) or "")


def test_a_still_picture_of_the_title_held_for_a_minute_attaches_nothing() -> None:
    engine = catalogue()
    query = fingerprint(_clip([_first_picture(trailer())], seconds=60))

    # One instant of the title, however long it is shown, is not footage of it.
    assert all(c.score < 0.2 or c.matched_seconds < 3 for c in engine.query(query))
    assert engine.regions.query(split(query)[1]) == []


def test_fingerprints_of_the_whole_frame_engine_alone_are_still_read() -> None:
    engine = VisualEngine()
    whole = split(fingerprint(trailer()))[0]
    engine.index("trailer", whole)

    assert engine.query(split(fingerprint(corpus.trimmed_excerpt(trailer())))[0])[
        0
    ].reference_id == ("trailer")
    assert len(engine.regions) == 0


def test_pictures_not_sampled_for_the_regions_say_so() -> None:
    media = PyAVDecoder().decode(corpus.reference_clip(12))  # not asked for SAMPLING

    assert "not decoded" in (silence(RegionVisualEngine().fingerprint(media)) or "")
