"""A persisted BM25 text index (``application.text_index.TextIndex``): the index of
``adapters.search.bm25`` kept in tables of a projection's generation, written in its batch
and queried in place, answering what the in-memory ``BM25Index`` answers for the same
documents (same keys, same order, same scores).

Tables, each ``<prefix>_<table>_g<generation>``, so that several read models keep an index
each (shop search by listing id, the marketplace by creator account):

- ``documents`` (key, length): a document's words, counted;
- ``postings`` (word, key, count): who holds each word; the primary key (word, key) is what a
  query seeks, the index on key is what forgetting a document seeks;
- ``words`` (word, documents): the vocabulary, with how many documents hold each word;
- ``deletions`` (deletion, word): each word of the vocabulary with one letter left out, for
  the typos one edit away;
- ``trigrams`` (trigram, word): each word's character trigrams, for the similar words;
- ``totals``: one row, the count of documents and the sum of their lengths.

A query reads the vocabulary rows of its words (and of their deletions), the deletions and
trigrams of the words missing from it, then the postings of the words they resolve to, with
their documents' lengths, and scores those rows in numpy exactly as ``BM25Index`` does (the
resolution and the scoring are ``adapters.search.bm25``'s own functions).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.matching.text import words_of
from adapters.projections.rows import add_amounts, chunks
from adapters.projections.store import SqlBatch, SqlProjectionStore, generation_tables
from adapters.search.bm25 import (
    MIN_TYPO_WORD,
    add_scores,
    best_of,
    deletions,
    near_words,
    trigrams,
)
from application.projections import Batch

Key = TypeVar("Key", bound=Hashable)

#: The one row of the totals table.
TOTALS = 1


@attrs.frozen
class _Tables:
    metadata: sa.MetaData
    documents: sa.Table
    postings: sa.Table
    words: sa.Table
    deletions: sa.Table
    trigrams: sa.Table
    totals: sa.Table


class SqlTextIndex(Generic[Key]):
    """One text index, its tables named ``<prefix>_…`` and its keys of ``key_type``
    (``sa.Uuid()`` for listing ids, ``sa.Text()`` for accounts)."""

    def __init__(
        self, store: SqlProjectionStore, prefix: str, key_type: sa.types.TypeEngine[Any]
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.key_type = key_type
        self._generations: dict[int, _Tables] = {}
        self._lock = threading.Lock()

    def _define(self, metadata: sa.MetaData, suffix: str) -> None:
        p = self.prefix
        sa.Table(
            f"{p}_documents{suffix}",
            metadata,
            sa.Column("key", self.key_type, primary_key=True),
            sa.Column("length", sa.BigInteger, nullable=False),
        )
        sa.Table(
            f"{p}_postings{suffix}",
            metadata,
            sa.Column("word", sa.Text, primary_key=True),
            sa.Column("key", self.key_type, primary_key=True),
            sa.Column("count", sa.BigInteger, nullable=False),
            sa.Index(f"{p}_postings_key{suffix}", "key"),
        )
        sa.Table(
            f"{p}_words{suffix}",
            metadata,
            sa.Column("word", sa.Text, primary_key=True),
            sa.Column("documents", sa.BigInteger, nullable=False),
        )
        sa.Table(
            f"{p}_deletions{suffix}",
            metadata,
            sa.Column("deletion", sa.Text, primary_key=True),
            sa.Column("word", sa.Text, primary_key=True),
            sa.Index(f"{p}_deletions_word{suffix}", "word"),
        )
        sa.Table(
            f"{p}_trigrams{suffix}",
            metadata,
            sa.Column("trigram", sa.Text, primary_key=True),
            sa.Column("word", sa.Text, primary_key=True),
            sa.Index(f"{p}_trigrams_word{suffix}", "word"),
        )
        sa.Table(
            f"{p}_totals{suffix}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("documents", sa.BigInteger, nullable=False),
            sa.Column("length", sa.BigInteger, nullable=False),
        )

    def _tables(self, generation: int) -> _Tables:
        with self._lock:
            tables = self._generations.get(generation)
            if tables is None:
                metadata = generation_tables(self._define, self.store.metadata.schema, generation)
                suffix, prefix = f"_g{generation}", f"{self.prefix}_"
                tables = _Tables(
                    metadata=metadata,
                    **{
                        table.name.removesuffix(suffix).removeprefix(prefix): table
                        for table in metadata.tables.values()
                    },
                )
                self._generations[generation] = tables
            return tables

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        assert isinstance(batch, SqlBatch)
        return batch.connection, self._tables(batch.generation)

    def create(self, generation: int) -> None:
        self.store.create_tables(self._tables(generation).metadata)

    def drop(self, generation: int) -> None:
        self.store.drop_tables(self._tables(generation).metadata)
        with self._lock:
            self._generations.pop(generation, None)

    def words(self, text: str) -> list[str]:
        return words_of(text)

    # Writes ---------------------------------------------------------------------------------

    def replace(self, batch: Batch, documents: Mapping[Key, Mapping[str, int]]) -> None:
        self.forget(batch, list(documents))
        self.add(batch, documents)

    def add(self, batch: Batch, documents: Mapping[Key, Mapping[str, int]]) -> None:
        connection, t = self._batch(batch)
        bags = {
            key: bag
            for key, terms in documents.items()
            if (bag := {word: count for word, count in terms.items() if count > 0})
        }
        if not bags:
            return
        d, p = t.documents.c, t.postings.c
        known = {
            row.key
            for chunk in chunks(bags)
            for row in connection.execute(sa.select(d.key).where(d.key.in_(chunk)))
        }
        held = {
            (row.word, row.key)
            for chunk in chunks(known)
            for row in connection.execute(sa.select(p.word, p.key).where(p.key.in_(chunk)))
        }
        lengths = {key: sum(bag.values()) for key, bag in bags.items()}
        add_amounts(
            connection,
            t.documents,
            ["key"],
            ["length"],
            [{"key": key, "length": length} for key, length in lengths.items()],
        )
        add_amounts(
            connection,
            t.totals,
            ["id"],
            ["documents", "length"],
            [{"id": TOTALS, "documents": len(bags) - len(known), "length": sum(lengths.values())}],
        )
        add_amounts(
            connection,
            t.postings,
            ["word", "key"],
            ["count"],
            [
                {"word": word, "key": key, "count": count}
                for key, bag in bags.items()
                for word, count in bag.items()
            ],
        )
        holders = Counter(
            word for key, bag in bags.items() for word in bag if (word, key) not in held
        )
        self._add_words(connection, t, holders)

    def _add_words(self, connection: Connection, t: _Tables, holders: Mapping[str, int]) -> None:
        """Count the new holders of each word, indexing the words new to the vocabulary."""
        if not holders:
            return
        w = t.words.c
        present = {
            row.word
            for chunk in chunks(holders)
            for row in connection.execute(sa.select(w.word).where(w.word.in_(chunk)))
        }
        add_amounts(
            connection,
            t.words,
            ["word"],
            ["documents"],
            [{"word": word, "documents": count} for word, count in holders.items()],
        )
        new = [word for word in holders if word not in present]
        deletion_rows = [
            {"deletion": deletion, "word": word} for word in new for deletion in deletions(word)
        ]
        if deletion_rows:
            connection.execute(t.deletions.insert(), deletion_rows)
        trigram_rows = [
            {"trigram": trigram, "word": word} for word in new for trigram in trigrams(word)
        ]
        if trigram_rows:
            connection.execute(t.trigrams.insert(), trigram_rows)

    def forget(self, batch: Batch, keys: Collection[Key]) -> None:
        connection, t = self._batch(batch)
        d, p, w = t.documents.c, t.postings.c, t.words.c
        lengths = [
            int(row.length)
            for chunk in chunks(keys)
            for row in connection.execute(sa.select(d.length).where(d.key.in_(chunk)))
        ]
        if not lengths:
            return
        held = Counter(
            row.word
            for chunk in chunks(keys)
            for row in connection.execute(sa.select(p.word).where(p.key.in_(chunk)))
        )
        for chunk in chunks(keys):
            connection.execute(t.postings.delete().where(p.key.in_(chunk)))
            connection.execute(t.documents.delete().where(d.key.in_(chunk)))
        add_amounts(
            connection,
            t.totals,
            ["id"],
            ["documents", "length"],
            [{"id": TOTALS, "documents": -len(lengths), "length": -sum(lengths)}],
        )
        add_amounts(
            connection,
            t.words,
            ["word"],
            ["documents"],
            [{"word": word, "documents": -count} for word, count in held.items()],
        )
        for chunk in chunks(held):
            gone = list(
                connection.execute(
                    sa.select(w.word).where(w.word.in_(chunk), w.documents <= 0)
                ).scalars()
            )
            if gone:
                connection.execute(t.words.delete().where(w.word.in_(gone)))
                connection.execute(t.deletions.delete().where(t.deletions.c.word.in_(gone)))
                connection.execute(t.trigrams.delete().where(t.trigrams.c.word.in_(gone)))

    # Reads ----------------------------------------------------------------------------------

    def ranked(
        self, generation: int, query: str, *, limit: int
    ) -> list[tuple[Key, float, tuple[str, ...]]]:
        with self.store.reading() as connection:
            return self.ranked_in(connection, generation, query, limit=limit)

    def ranked_in(
        self, connection: Connection, generation: int, query: str, *, limit: int
    ) -> list[tuple[Key, float, tuple[str, ...]]]:
        """``ranked`` through an open connection: a caller's read of its own rows and of the
        index in one snapshot."""
        if limit < 1:
            return []
        t = self._tables(generation)
        totals = connection.execute(
            sa.select(t.totals.c.documents, t.totals.c.length).where(t.totals.c.id == TOTALS)
        ).first()
        if totals is None or not totals.documents:
            return []
        documents = int(totals.documents)
        average = int(totals.length) / documents
        expansions = self._resolve(connection, t, list(dict.fromkeys(words_of(query))))
        if not expansions:
            return []
        p, d = t.postings.c, t.documents.c
        keys: dict[Key, int] = {}
        postings: dict[str, tuple[list[int], list[int], list[int]]] = defaultdict(
            lambda: ([], [], [])
        )
        for chunk in chunks(dict.fromkeys(term for term, _ in expansions)):
            for word, key, count, length in connection.execute(
                sa.select(p.word, p.key, p.count, d.length)
                .join_from(t.postings, t.documents, d.key == p.key)
                .where(p.word.in_(chunk))
            ):
                ordinals, counts, lengths = postings[word]
                ordinals.append(keys.setdefault(key, len(keys)))
                counts.append(count)
                lengths.append(length)
        scores = np.zeros(len(keys), dtype=np.float64)
        for term, weight in expansions:
            if term not in postings:
                continue
            ordinals, counts, lengths = postings[term]
            add_scores(
                scores,
                np.array(ordinals, dtype=np.int64),
                np.array(counts, dtype=np.float64),
                np.array(lengths, dtype=np.float64),
                documents=documents,
                average=average,
                weight=weight,
            )
        matched: dict[int, set[str]] = defaultdict(set)
        for term, (ordinals, _, _) in postings.items():
            for ordinal in ordinals:
                matched[ordinal].add(term)
        return [
            (key, score, tuple(sorted(matched[ordinal])))
            for key, score, ordinal in best_of(scores, list(keys), limit)
        ]

    def _resolve(
        self, connection: Connection, t: _Tables, words: list[str]
    ) -> list[tuple[str, float]]:
        """The indexed words each query word stands for, with weights, in the query's order
        (as ``BM25Index._resolve``, from the vocabulary's tables)."""
        w, dl, tg = t.words.c, t.deletions.c, t.trigrams.c
        probes = set(words).union(*(deletions(word) for word in words))
        vocabulary = {
            row.word
            for chunk in chunks(probes)
            for row in connection.execute(sa.select(w.word).where(w.word.in_(chunk)))
        }
        expansions: list[tuple[str, float]] = []
        for word in words:
            if word in vocabulary:
                expansions.append((word, 1.0))
                continue
            if len(word) < MIN_TYPO_WORD:
                continue
            variants = {word, *deletions(word)}
            one_deletion_apart = set(
                connection.execute(
                    sa.select(dl.word).where(dl.deletion.in_(sorted(variants)))
                ).scalars()
            )
            one_deletion_apart.update(variants & vocabulary)  # the typo added a letter
            grams = trigrams(word)
            sharing = {
                row.word: int(row.shared)
                for row in connection.execute(
                    sa.select(tg.word, sa.func.count().label("shared"))
                    .where(tg.trigram.in_(sorted(grams)))
                    .group_by(tg.word)
                    .having(sa.func.count() * 2 >= len(grams))
                )
            }
            expansions += near_words(word, one_deletion_apart=one_deletion_apart, sharing=sharing)
        return expansions

    # The audit's view -----------------------------------------------------------------------

    def export(self, generation: int) -> dict[str, object]:
        t = self._tables(generation)
        p, d, w = t.postings.c, t.documents.c, t.words.c
        view: dict[str, object] = {}
        with self.store.reading() as connection:
            bags: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for word, key, count in connection.execute(sa.select(p.word, p.key, p.count)):
                bags[str(key)].append((word, int(count)))
            for key, length in connection.execute(sa.select(d.key, d.length)):
                view[f"{self.prefix}:document:{key}"] = (int(length), tuple(sorted(bags[str(key)])))
            view[f"{self.prefix}:words"] = tuple(
                sorted(
                    (word, int(count))
                    for word, count in connection.execute(sa.select(w.word, w.documents))
                )
            )
            for name, table in (("deletions", t.deletions), ("trigrams", t.trigrams)):
                view[f"{self.prefix}:{name}"] = connection.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar()
            totals = connection.execute(
                sa.select(t.totals.c.documents, t.totals.c.length).where(t.totals.c.id == TOTALS)
            ).first()
            view[f"{self.prefix}:totals"] = (
                (0, 0) if totals is None else (int(totals.documents), int(totals.length))
            )
        return view

