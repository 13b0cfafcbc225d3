"""The cursors every list shares: a key read back as it was written, and a cursor altered in
any character, or given by another list, refused with the reason."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.paging import KeysetCursors, limited
from domain.errors import InvalidValue

QUEUE = KeysetCursors("a queue", int, UUID, str)
OTHER = KeysetCursors("another list", int, UUID, str)
KEYS = st.tuples(st.integers(-(2**63), 2**63 - 1), st.uuids(), st.text(max_size=20))


@given(KEYS)
def test_a_key_reads_back_as_it_was_written(key: tuple[int, UUID, str]) -> None:
    assert QUEUE.decode(QUEUE.encode(key)) == key


@given(KEYS, st.data())
def test_a_cursor_altered_in_any_character_is_refused(
    key: tuple[int, UUID, str], data: st.DataObject
) -> None:
    cursor = QUEUE.encode(key)
    where = data.draw(st.integers(0, len(cursor) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHabcdefgh0123456789-_.").filter(lambda c: c != cursor[where])
    )
    altered = cursor[:where] + replacement + cursor[where + 1 :]

    try:
        decoded = QUEUE.decode(altered)
    except InvalidValue:
        return
    # Base64 may spell the same bytes two ways in its last character: then nothing changed.
    assert decoded == key


@given(KEYS)
def test_a_cursor_of_another_list_is_refused_naming_both(key: tuple[int, UUID, str]) -> None:
    with pytest.raises(InvalidValue, match="another list"):
        QUEUE.decode(OTHER.encode(key))


def test_no_cursor_is_the_start_and_a_page_names_its_last_item() -> None:
    assert QUEUE.decode(None) is None
    page = KeysetCursors("numbers", int).page([1, 2, 3], 2, lambda n: (n,))
    last = KeysetCursors("numbers", int).page([3], 2, lambda n: (n,))

    assert page.items == (1, 2)
    assert KeysetCursors("numbers", int).decode(page.next_cursor) == (2,)
    assert last.next_cursor is None


@pytest.mark.parametrize("garbage", ["", ".", "abc", "abc.def", "e30.AAAA", "😀.x"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidValue):
        QUEUE.decode(garbage)


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_a_page_holds_from_one_to_the_maximum(limit: int) -> None:
    with pytest.raises(InvalidValue):
        limited(limit)
