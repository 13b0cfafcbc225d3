"""The move to one package per program: references to a moved module follow it, whatever
their form, and a module the table does not place stops the move."""

from __future__ import annotations

import pytest

from tests.tools.move_to_programs import TABLE, MoveRefused, check_table, reference_rewriter

rewritten = reference_rewriter(old for old, new in TABLE.items() if new)


def test_a_from_import_of_several_modules_is_split_by_their_programs() -> None:
    assert rewritten("from domain import titles, money\n") == (
        "from domain.anchors import titles\nfrom domain import money\n"
    )


def test_a_module_named_like_its_new_package_is_rewritten_once() -> None:
    assert rewritten("from application.audit import verify_store\n") == (
        "from application.audit.audit import verify_store\n"
    )
    assert rewritten("from application import audit\n") == "from application.audit import audit\n"


def test_dotted_names_in_strings_follow_whole_module_names_only() -> None:
    assert rewritten('monkeypatch.setattr("application.anchoring.Clock", clock)') == (
        'monkeypatch.setattr("application.anchors.anchoring.Clock", clock)'
    )
    assert rewritten("python -m entrypoints.http.policy") == "python -m entrypoints.http.policy"
    assert rewritten("application.audit_replay") == "application.audit.audit_replay"
    assert rewritten("adapters.domain.titles") == "adapters.domain.titles"


def test_stored_topics_are_not_module_paths_and_stay() -> None:
    assert rewritten('TOPIC = "spotlight.titles:Title"') == 'TOPIC = "spotlight.titles:Title"'


def test_paths_in_documents_follow_the_module() -> None:
    assert rewritten("see `domain/standings.py` and tests/unit/test_titles.py::test_x") == (
        "see `domain/music/standings.py` and tests/unit/anchors/test_titles.py::test_x"
    )


def test_a_module_with_no_row_stops_the_move_and_is_named() -> None:
    with pytest.raises(MoveRefused, match=r"domain/gifts\.py"):
        check_table([*TABLE, "domain/gifts.py"])
