"""The links between a list's pages: "Next" carries the trail of cursors that led to the
page, "Previous" pops it, "First page" drops it; other parameters are kept, a trail entry
that is not a cursor is dropped, and a trail never grows past its bound."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import QueryParams

from entrypoints.web.paging import MAX_TRAIL, pager

A, B, C = "YQ.aaa", "Yg.bbb", "Yw.ccc"


def params(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_the_first_page_links_only_forward_with_an_empty_trail() -> None:
    first = pager("/creator", QueryParams(""), A)

    assert first.previous_url is None
    assert first.first_url is None
    assert params(first.next_url) == {"cursor": [A], "back": [""]}


def test_a_later_page_links_back_along_its_trail_and_to_the_first_page() -> None:
    third = pager("/creator", QueryParams({"cursor": B, "back": f",{A}"}), C)

    assert params(third.next_url) == {"cursor": [C], "back": [f",{A},{B}"]}
    assert params(third.previous_url) == {"cursor": [A], "back": [""]}
    assert third.first_url == "/creator"
    second = pager("/creator", QueryParams({"cursor": A, "back": ""}), B)
    assert second.previous_url == "/creator"


def test_other_parameters_are_kept_and_what_a_form_did_is_not() -> None:
    page = pager("/admin/pulse", QueryParams({"status": "approved", "done": "x", "cursor": A}), B)

    assert params(page.next_url)["status"] == ["approved"]
    assert "done" not in params(page.next_url)
    assert page.first_url == "/admin/pulse?status=approved"


def test_a_second_list_has_its_own_cursor_and_trail() -> None:
    query = QueryParams({"cursor": A, "back": "", "appeals_cursor": B})
    appeals = pager("/reviewer/reports", query, C, cursor_name="appeals_cursor")

    # The reports' empty trail (they came from their first page) is the same as none.
    assert params(appeals.next_url) == {
        "cursor": [A],
        "appeals_cursor": [C],
        "appeals_cursor_back": [B],
    }
    assert params(appeals.previous_url) == {"cursor": [A]}


def test_a_trail_entry_that_is_no_cursor_is_dropped_and_the_trail_is_bounded() -> None:
    forged = pager("/creator", QueryParams({"cursor": B, "back": "<script>"}), None)
    long = pager("/creator", QueryParams({"cursor": B, "back": ",".join([A] * 50)}), C)

    assert forged.previous_url == "/creator"  # only the first page is known
    assert forged.next_url is None
    assert len(params(long.next_url)["back"][0].split(",")) == MAX_TRAIL
