"""The persisted text index answers what the in-memory BM25 index answers for the same
documents (same keys, same order, same scores), whatever was added, replaced and forgotten,
with its keys listing ids or accounts; it reads the postings of a query's words only; and
its writes belong to the batch that made them.

Each test runs on a SQLite file and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.projections import SqlBatch, SqlProjectionStore, projection_database_for
from adapters.projections.text_index import SqlTextIndex
from adapters.search.bm25 import BM25Index
from adapters.storage import parse_store
from tests.deployments import StoreUnderTest, store_under_test

#: Generations of this module's indexes: each example fills new tables.
GENERATIONS = itertools.count(1)


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def projections(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlProjectionStore]:
    under_test: StoreUnderTest = store_under_test(request, tmp_path, "text")
    store = parse_store(under_test.url)
    store.prepare()
    projections = SqlProjectionStore(projection_database_for(store))
    yield projections
    projections.close()


class Both:
    """The same documents in memory and in tables."""

    def __init__(self, projections: SqlProjectionStore, key_type: sa.types.TypeEngine[Any]):
        self.projections = projections
        self.memory: BM25Index[Any] = BM25Index()
        self.tables: SqlTextIndex[Any] = SqlTextIndex(projections, "test_text", key_type)
        self.generation = next(GENERATIONS)
        self.tables.create(self.generation)

    def write(self, steps: list[tuple[str, Any, Mapping[str, int]]]) -> None:
        """The steps, in one batch, and in memory."""
        with self.projections.database.writer.begin() as connection:
            batch = SqlBatch(connection, self.generation)
            for kind, key, terms in steps:
                if kind == "replace":
                    self.tables.replace(batch, {key: terms})
                    self.memory.replace(key, terms)
                elif kind == "add":
                    self.tables.add(batch, {key: terms})
                    self.memory.add(key, terms)
                else:
                    self.tables.forget(batch, [key])
                    self.memory.forget(key)

    def agree(self, query: str, limit: int) -> None:
        """Both rank the same keys in the same order, matching the same words, with the
        same scores (within rounding)."""
        expected = self.memory.ranked(query, limit=limit)
        found = self.tables.ranked(self.generation, query, limit=limit)
        assert [(key, matched) for key, _, matched in found] == [
            (key, matched) for key, _, matched in expected
        ]
        assert [score for _, score, _ in found] == pytest.approx(
            [score for _, score, _ in expected], rel=1e-12
        )

    def close(self) -> None:
        self.tables.drop(self.generation)


# Words close to each other: from a small alphabet (so that a query's word is often one edit
# from a document's), words sharing most trigrams, and typos of each (a letter dropped, added,
# changed, or two swapped); words under three letters are taken as typed.
STEMS = ["leather", "lether", "weather", "handbag", "handbga", "tote", "totes", "boots"]
word = st.one_of(st.sampled_from(STEMS), st.text(alphabet="abcd", min_size=1, max_size=4))


@st.composite
def typo(draw: st.DrawFn) -> str:
    typed = draw(word)
    at = draw(st.integers(0, len(typed) - 1))
    letter = draw(st.sampled_from("abcdet"))
    edits = [
        typed[:at] + typed[at + 1 :],
        typed[:at] + letter + typed[at:],
        typed[:at] + letter + typed[at + 1 :],
        typed[:at] + typed[at + 1 : at + 2] + typed[at : at + 1] + typed[at + 2 :],
    ]
    return draw(st.sampled_from(edits)) or typed


bag = st.dictionaries(word, st.integers(-1, 4), max_size=5)
keys = st.integers(0, 7)
step = st.tuples(st.sampled_from(["replace", "replace", "add", "forget"]), keys, bag)
query = st.lists(st.one_of(word, typo()), max_size=4)


def key_of(kind: str, number: int) -> Any:
    return UUID(int=number + 1) if kind == "uuid" else f"creator-{number}"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key_kind=st.sampled_from(["uuid", "text"]),
    batches=st.lists(st.lists(step, min_size=1, max_size=6), min_size=1, max_size=5),
    queries=st.lists(st.tuples(query, st.integers(0, 6)), min_size=1, max_size=6),
)
def test_the_tables_rank_as_the_memory_index_does(
    projections: SqlProjectionStore,
    key_kind: str,
    batches: list[list[tuple[str, int, dict[str, int]]]],
    queries: list[tuple[list[str], int]],
) -> None:
    both = Both(projections, sa.Uuid() if key_kind == "uuid" else sa.Text())
    try:
        for steps in batches:
            both.write([(kind, key_of(key_kind, key), terms) for kind, key, terms in steps])
            for words, limit in queries:
                both.agree(" ".join(words), limit)
    finally:
        both.close()


def test_a_typo_finds_the_word_it_stands_for(projections: SqlProjectionStore) -> None:
    both = Both(projections, sa.Uuid())
    try:
        both.write(
            [
                ("replace", UUID(int=1), {"leather": 3, "handbag": 3}),
                ("replace", UUID(int=2), {"canvas": 3, "tote": 3}),
                ("replace", UUID(int=3), {"handbag": 1, "strap": 3}),
            ]
        )
        found = both.tables.ranked(both.generation, "Léather handbga", limit=10)
        assert [(key, matched) for key, _, matched in found] == [
            (UUID(int=1), ("handbag", "leather")),
            (UUID(int=3), ("handbag",)),
        ]
        both.agree("Léather handbga", 10)
    finally:
        both.close()


def test_a_forgotten_document_leaves_no_word_behind(projections: SqlProjectionStore) -> None:
    both = Both(projections, sa.Text())
    try:
        both.write([("add", "mia", {"salsa": 2}), ("add", "mia", {"tango": 1})])
        both.write([("add", "leo", {"salsa": 1}), ("forget", "mia", {})])
        view = both.tables.export(both.generation)
        assert view["test_text:document:leo"] == (1, (("salsa", 1),))
        assert view["test_text:words"] == (("salsa", 1),)
        assert view["test_text:totals"] == (1, 1)
        assert both.tables.ranked(both.generation, "tango", limit=5) == []
        assert both.tables.ranked(both.generation, "tangos", limit=5) == []

        both.write([("forget", "leo", {})])
        view = both.tables.export(both.generation)
        assert view["test_text:words"] == ()
        assert view["test_text:deletions"] == view["test_text:trigrams"] == 0
        assert both.tables.ranked(both.generation, "salsa", limit=5) == []
    finally:
        both.close()


def test_writes_belong_to_their_batch(projections: SqlProjectionStore) -> None:
    both = Both(projections, sa.Text())
    try:
        both.write([("add", "mia", {"salsa": 2})])

        def killed_mid_batch() -> None:
            with projections.database.writer.begin() as connection:
                both.tables.add(SqlBatch(connection, both.generation), {"leo": {"tango": 1}})
                raise KeyboardInterrupt("killed mid-batch")

        with pytest.raises(KeyboardInterrupt):
            killed_mid_batch()
        assert both.tables.ranked(both.generation, "tango", limit=5) == []
        assert both.tables.export(both.generation)["test_text:totals"] == (1, 2)
    finally:
        both.close()


def test_many_documents_are_written_in_one_call(projections: SqlProjectionStore) -> None:
    both = Both(projections, sa.Uuid())
    try:
        documents = {UUID(int=n): {f"w{n % 7}x": 1 + n % 3, "common": 1} for n in range(1, 1_200)}
        with projections.database.writer.begin() as connection:
            both.tables.replace(SqlBatch(connection, both.generation), documents)
        for key, terms in documents.items():
            both.memory.replace(key, terms)
        for text in ("common", "w3x", "w3x commn"):
            both.agree(text, 50)
    finally:
        both.close()
