"""The decoding budget: pictures and clips measured from their headers before they are
decoded, and a few decodes at a time in the whole process."""

from __future__ import annotations

import threading

import pytest

from adapters.media.budget import DecodeSlots
from adapters.media.decoding import PyAVDecoder
from adapters.media.pictures import open_picture
from application.media import DecodersBusy, MediaOverBudget
from tests.media import bombs, corpus


def test_a_video_frame_over_the_pixel_budget_is_refused_from_the_header() -> None:
    clip = corpus.reference_clip(4, seconds=2, size=(640, 360))

    with pytest.raises(MediaOverBudget, match="a video frame is 640 x 360 pixels"):
        PyAVDecoder(max_pixels=640 * 360 - 1).decode(clip)
    assert len(PyAVDecoder(max_pixels=640 * 360).decode(clip).frames) == 4


def test_a_picture_is_measured_at_the_size_it_would_be_decoded_at() -> None:
    with pytest.raises(MediaOverBudget, match="6000 x 6000"):
        open_picture(bombs.huge_png(6_000, 6_000), side=640, max_pixels=4096 * 4096)
    # A JPEG is decoded at a reduced scale, so a large one costs what the reduced one does.
    jpeg = bombs.huge_jpeg(6_000, 6_000)
    with open_picture(jpeg, side=640, max_pixels=1_000 * 1_000) as picture:
        assert picture.size == (750, 750)


def test_a_long_sound_is_refused_from_the_container_header() -> None:
    with pytest.raises(
        MediaOverBudget, match="the clip is 2 minutes long; the limit is 60 seconds"
    ):
        PyAVDecoder(max_duration_seconds=60).decode(bombs.long_quiet_opus(minutes=2))


def test_a_decode_that_finds_every_slot_taken_is_refused_after_its_wait() -> None:
    slots = DecodeSlots(1, wait_seconds=0)
    taken, release = threading.Event(), threading.Event()

    def decoding() -> None:
        with slots.held():
            taken.set()
            release.wait(30)

    other = threading.Thread(target=decoding)
    other.start()
    try:
        assert taken.wait(30)
        with pytest.raises(DecodersBusy) as busy, slots.held():
            pass
    finally:
        release.set()
        other.join()
    assert busy.value.retry_after_seconds == 1
    with slots.held(), slots.held():  # a decode within a decode takes no second slot
        pass
