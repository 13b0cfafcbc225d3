"""The cyclic garbage collector is held off while pages are applied, and comes back after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from application.projections import _CollectionPause


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_off_during_a_pause_and_on_after_it() -> None:
    paused = _CollectionPause()

    with paused():
        during = gc.isenabled()

    assert not during
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_comes_back_only_when_the_last_of_nested_pauses_ends() -> None:
    paused = _CollectionPause()

    with paused():
        with paused():
            pass
        after_inner = gc.isenabled()

    assert not after_inner
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_pause_that_fails_still_gives_the_collector_back() -> None:
    paused = _CollectionPause()

    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("the page could not be applied")

    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with _CollectionPause()():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_overlapping_pauses_of_two_threads_give_the_collector_back_once_both_end() -> None:
    paused = _CollectionPause()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with paused():
        pass
    still_paused = not gc.isenabled()
    leave.set()
    thread.join(5)

    assert still_paused
    assert gc.isenabled()
