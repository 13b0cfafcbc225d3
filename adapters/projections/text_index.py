"""A persisted BM25 text index (``application.text_index.TextIndex``): the index of
``adapters.search.bm25`` kept in tables of a projection's generation, written in its batch
and queried in place, answering what the in-memory ``BM25Index`` answers for the same
documents (same keys, same order, same scores).

Tables, each ``<prefix>_<table>_g<generation>``, so that several read models keep an index
each (shop search by listing id, the marketplace by creator account):

- ``documents`` (key, ordinal, length): a document's number in the index and its words,
  counted;
- ``postings`` (word, ordinal, count): who holds each word; the primary key (word, ordinal)
  is what a query seeks, the index on ordinal is what forgetting a document seeks (postings
  name documents by number, so that a query reads and scores integers, and reads the keys of
  the best documents only);
- ``words`` (word, documents): the vocabulary, with how many documents hold each word;
- ``deletions`` (deletion, word): each word of the vocabulary with one letter left out, for
  the typos one edit away;
- ``trigrams`` (trigram, word): each word's character trigrams, for the similar words;
- ``totals``: one row, the count of documents, the sum of their lengths and the numbers given.

A query reads the vocabulary rows of its words (and of their deletions), the deletions and
trigrams of the words missing from it, then the postings of the words they resolve to, with
their documents' lengths, scores those rows in numpy exactly as ``BM25Index`` does (the
resolution and the scoring are ``adapters.search.bm25``'s own functions), and reads the keys
of the best documents only (``Scored.top``: a caller that filters the ranking, as the shop
does, asks for more of it as it needs them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Connection

from adapters.matching.text import words_of
from adapters.projections.rows import add_amounts, chunks, insert_many
from adapters.projections.store import ByGeneration, SqlProjectionStore
from adapters.search.bm25 import (
    MIN_TYPO_WORD,
    add_scores,
    deletions,
    in_order,
    near_words,
    shortlist,
    trigrams,
    word_score,
)
from application.projections import Batch

Key = TypeVar("Key", bound=Hashable)

#: A document's number: SQLite's rowid (an INTEGER PRIMARY KEY is 64 bits there).
_ORDINAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The one row of the totals table.
TOTALS = 1


@attrs.frozen
class _Tables:
    documents: sa.Table
    postings: sa.Table
    words: sa.Table
    deletions: sa.Table
    trigrams: sa.Table
    totals: sa.Table


class Scored(Generic[Key]):
    """The documents a query found, with their scores, ranked on demand."""

    def __init__(
        self,
        connection: Connection,
        tables: _Tables,
        scores: NDArray[np.float64],
        numbers: NDArray[np.int64],
        holders: Mapping[str, set[int]],
    ) -> None:
        self._connection = connection
        self._tables = tables
        self._scores = scores
        self._numbers = numbers  # each scored document's ordinal in the tables
        self._holders = holders  # the words matched -> the scored documents holding them

    def __len__(self) -> int:
        return int(np.count_nonzero(self._scores))

    def top(self, limit: int) -> list[tuple[Key, float, tuple[str, ...]]]:
        """The ``limit`` best (key, score, the indexed words matched), best first, ties in the
        order of keys as text: the first ``limit`` of any longer ranking."""
        return self.following(None, limit)

    def following(
        self, after: tuple[float, Key] | None, limit: int
    ) -> list[tuple[Key, float, tuple[str, ...]]]:
        """The ``limit`` (key, score, the indexed words matched) ranked next after the
        document ``after`` names by its score and key (none: from the best), in the order of
        ``top``: those of its score whose keys follow its key as text, then those scoring less.
        A keyset on the whole ranking, not a window of its best: any depth is read alike,
        the scores masked past the mark and the best of the rest shortlisted."""
        if limit < 1:
            return []
        scores = self._scores
        ranked: list[tuple[Key, float, int]] = []
        if after is not None:
            mark, last = after
            tied = np.flatnonzero((scores == mark) & (scores != 0))
            keys = self._keys(tied)
            later = str(last)
            ranked = in_order(
                scores,
                tied[[str(keys.get(int(self._numbers[at]))) > later for at in tied]]
                if len(tied)
                else tied,
                lambda at: keys.get(int(self._numbers[at])),
                limit,
            )
            scores = np.where(scores < mark, scores, 0.0)
        if len(ranked) < limit:
            found = shortlist(scores, limit - len(ranked))
            keys = self._keys(found)
            ranked += in_order(
                scores, found, lambda at: keys.get(int(self._numbers[at])), limit - len(ranked)
            )
        return [
            (key, score, tuple(sorted(t for t, held in self._holders.items() if at in held)))
            for key, score, at in ranked
        ]

    def _keys(self, found: NDArray[np.intp]) -> dict[int, Key]:
        """The keys of the scored documents at ``found``, by their ordinals."""
        d = self._tables.documents.c
        keys: dict[int, Key] = {}
        for chunk in chunks(int(self._numbers[at]) for at in found):
            for key, ordinal in self._connection.execute(
                sa.select(d.key, d.ordinal).where(d.ordinal.in_(chunk))
            ).all():
                keys[int(ordinal)] = key
        return keys


class Matching(Generic[Key]):
    """The indexed words a query resolved to, for a caller that orders the documents holding
    any of them by its own columns (not by score): it narrows its rows to those documents in
    SQL (``keys_holding`` or ``holds``) and scores only the few it answers (``scores``)."""

    def __init__(
        self,
        tables: _Tables,
        expansions: Sequence[tuple[str, float]],
        holders: Mapping[str, int],
        *,
        documents: int,
        average: float,
    ) -> None:
        self._tables = tables
        self._expansions = expansions
        self._holders = holders  # each indexed word -> how many documents hold it
        self._documents = documents
        self._average = average

    @property
    def words(self) -> list[str]:
        """The indexed words the query stands for (none: it finds nothing)."""
        return sorted(word for word, held in self._holders.items() if held > 0)

    @property
    def documents(self) -> int:
        """How many documents the index holds."""
        return self._documents

    @property
    def postings(self) -> int:
        """How many postings those words have: at least the documents found."""
        return sum(self._holders.values())

    def keys_holding(self) -> sa.Select[Any]:
        """The keys of the documents holding any of the words (read from their postings)."""
        p, d = self._tables.postings.c, self._tables.documents.c
        return (
            sa.select(d.key)
            .join_from(self._tables.postings, self._tables.documents, d.ordinal == p.ordinal)
            .where(p.word.in_(self.words))
        )

    def holds(self, key: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """Whether the document of ``key`` (a caller's column) holds any of the words: a few
        seeks per row, for a caller walking its own index in order."""
        p, d = self._tables.postings.c, self._tables.documents.c
        return sa.exists(
            sa.select(p.ordinal)
            .join_from(self._tables.postings, self._tables.documents, d.ordinal == p.ordinal)
            .where(d.key == key, p.word.in_(self.words))
        )

    def scores(
        self, connection: Connection, keys: Collection[Key]
    ) -> dict[Key, tuple[float, tuple[str, ...]]]:
        """Each document's BM25 for the query and the indexed words it matched, as the
        ranking (``Scored``) gives them, read from its postings alone."""
        p, d = self._tables.postings.c, self._tables.documents.c
        # The documents by key, then their postings by (word, ordinal): two seeks each. As
        # one join, SQLite (no statistics) read every posting of the words instead and
        # looked each one's document up, 27 ms for a page of 21 at 100,000 listings.
        documents: dict[int, tuple[Key, int]] = {}
        for chunk in chunks(keys):
            for key, ordinal, length in connection.execute(
                sa.select(d.key, d.ordinal, d.length).where(d.key.in_(chunk))
            ):
                documents[int(ordinal)] = (key, int(length))
        held: dict[Key, dict[str, tuple[int, int]]] = defaultdict(dict)
        for ordinals in chunks(documents):
            for ordinal, word, count in connection.execute(
                sa.select(p.ordinal, p.word, p.count).where(
                    p.word.in_(self.words), p.ordinal.in_(ordinals)
                )
            ):
                key, length = documents[int(ordinal)]
                held[key][word] = (int(count), length)
        answered: dict[Key, tuple[float, tuple[str, ...]]] = {}
        for key, words in held.items():
            score = 0.0
            for term, weight in self._expansions:
                if term in words:
                    count, length = words[term]
                    score += word_score(
                        float(count),
                        float(length),
                        documents=self._documents,
                        holders=self._holders[term],
                        average=self._average,
                        weight=weight,
                    )
            answered[key] = (score, tuple(sorted(words)))
        return answered


class SqlTextIndex(Generic[Key]):
    """One text index, its tables named ``<prefix>_…`` and its keys of ``key_type``
    (``sa.Uuid()`` for listing ids, ``sa.Text()`` for accounts)."""

    def __init__(
        self, store: SqlProjectionStore, prefix: str, key_type: sa.types.TypeEngine[Any]
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.key_type = key_type
        self._tables = ByGeneration(
            store, self._define, f"{prefix}_", _Tables, key=("text index", prefix, repr(key_type))
        )

    def _define(self, metadata: sa.MetaData, suffix: str) -> None:
        p = self.prefix
        sa.Table(
            f"{p}_documents{suffix}",
            metadata,
            # The ordinal is SQLite's rowid: a posting finds its document's length in one seek.
            sa.Column("ordinal", _ORDINAL, primary_key=True, autoincrement=False),
            sa.Column("key", self.key_type, nullable=False, unique=True),
            sa.Column("length", sa.BigInteger, nullable=False),
        )
        sa.Table(
            f"{p}_postings{suffix}",
            metadata,
            sa.Column("word", sa.Text, primary_key=True),
            sa.Column("ordinal", _ORDINAL, primary_key=True, autoincrement=False),
            sa.Column("count", sa.BigInteger, nullable=False),
            sa.Index(f"{p}_postings_ordinal{suffix}", "ordinal"),
            # Clustered by (word, ordinal): a word's postings are one range of the table.
            sqlite_with_rowid=False,
        )
        sa.Table(
            f"{p}_words{suffix}",
            metadata,
            sa.Column("word", sa.Text, primary_key=True),
            sa.Column("documents", sa.BigInteger, nullable=False),
            sqlite_with_rowid=False,
        )
        sa.Table(
            f"{p}_deletions{suffix}",
            metadata,
            sa.Column("deletion", sa.Text, primary_key=True),
            sa.Column("word", sa.Text, primary_key=True),
            sa.Index(f"{p}_deletions_word{suffix}", "word"),
            sqlite_with_rowid=False,
        )
        sa.Table(
            f"{p}_trigrams{suffix}",
            metadata,
            sa.Column("trigram", sa.Text, primary_key=True),
            sa.Column("word", sa.Text, primary_key=True),
            sa.Index(f"{p}_trigrams_word{suffix}", "word"),
            sqlite_with_rowid=False,
        )
        sa.Table(
            f"{p}_totals{suffix}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("documents", sa.BigInteger, nullable=False),
            sa.Column("length", sa.BigInteger, nullable=False),
            sa.Column("ordinals", sa.BigInteger, nullable=False),  # numbers given
        )

    def _batch(self, batch: Batch) -> tuple[Connection, _Tables]:
        return self._tables.of(batch)

    def create(self, generation: int) -> None:
        self._tables.create(generation)

    def drop(self, generation: int) -> None:
        self._tables.drop(generation)

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
        numbers = dict(
            tuple(row)
            for chunk in chunks(bags)
            for row in connection.execute(sa.select(d.key, d.ordinal).where(d.key.in_(chunk)))
        )
        held = {
            tuple(row)
            for chunk in chunks(numbers.values())
            for row in connection.execute(sa.select(p.word, p.ordinal).where(p.ordinal.in_(chunk)))
        }
        new = [key for key in bags if key not in numbers]
        fresh = set(new)
        given = connection.execute(
            sa.select(t.totals.c.ordinals).where(t.totals.c.id == TOTALS)
        ).scalar()
        numbers.update({key: (given or 0) + n for n, key in enumerate(new)})
        lengths = {key: sum(bag.values()) for key, bag in bags.items()}
        if new:
            connection.execute(
                t.documents.insert(),
                [{"key": key, "ordinal": numbers[key], "length": lengths[key]} for key in new],
            )
        grown = [{"id": numbers[key], "length": lengths[key]} for key in bags if key not in fresh]
        if grown:
            connection.execute(
                t.documents.update()
                .where(d.ordinal == sa.bindparam("id"))
                .values(length=d.length + sa.bindparam("length")),
                grown,
            )
        add_amounts(
            connection,
            t.totals,
            ["id"],
            ["documents", "length", "ordinals"],
            [
                {
                    "id": TOTALS,
                    "documents": len(new),
                    "length": sum(lengths.values()),
                    "ordinals": len(new),
                }
            ],
        )
        # A new document's postings are new; a grown one's may add to some.
        insert_many(
            connection,
            t.postings,
            ("word", "ordinal", "count"),
            [(word, numbers[key], count) for key in new for word, count in bags[key].items()],
        )
        add_amounts(
            connection,
            t.postings,
            ["word", "ordinal"],
            ["count"],
            [
                {"word": word, "ordinal": numbers[key], "count": count}
                for key, bag in bags.items()
                if key not in fresh
                for word, count in bag.items()
            ],
        )
        holders = Counter(
            word for key, bag in bags.items() for word in bag if (word, numbers[key]) not in held
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
        insert_many(
            connection,
            t.deletions,
            ("deletion", "word"),
            [(deletion, word) for word in new for deletion in deletions(word)],
        )
        insert_many(
            connection,
            t.trigrams,
            ("trigram", "word"),
            [(trigram, word) for word in new for trigram in trigrams(word)],
        )

    def forget(self, batch: Batch, keys: Collection[Key]) -> None:
        connection, t = self._batch(batch)
        d, p, w = t.documents.c, t.postings.c, t.words.c
        found = [
            tuple(row)
            for chunk in chunks(keys)
            for row in connection.execute(sa.select(d.ordinal, d.length).where(d.key.in_(chunk)))
        ]
        if not found:
            return
        numbers = [int(ordinal) for ordinal, _ in found]
        held = Counter(
            word
            for chunk in chunks(numbers)
            for word in connection.execute(sa.select(p.word).where(p.ordinal.in_(chunk))).scalars()
        )
        for chunk in chunks(numbers):
            connection.execute(t.postings.delete().where(p.ordinal.in_(chunk)))
            connection.execute(t.documents.delete().where(d.ordinal.in_(chunk)))
        add_amounts(
            connection,
            t.totals,
            ["id"],
            ["documents", "length", "ordinals"],
            [
                {
                    "id": TOTALS,
                    "documents": -len(found),
                    "length": -sum(length for _, length in found),
                    "ordinals": 0,
                }
            ],
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
        """``ranked`` through an open connection."""
        return self.scored_in(connection, generation, query).top(limit)

    def scored_in(self, connection: Connection, generation: int, query: str) -> Scored[Key]:
        """Every document the query finds, scored, through an open connection (a caller's
        read of its own rows and of the index in one snapshot); ``top`` ranks them."""
        t = self._tables[generation]
        totals = connection.execute(
            sa.select(t.totals.c.documents, t.totals.c.length).where(t.totals.c.id == TOTALS)
        ).first()
        if totals is None or not totals.documents:
            return Scored(connection, t, np.zeros(0), np.zeros(0, dtype=np.int64), {})
        documents = int(totals.documents)
        average = int(totals.length) / documents
        expansions = self._resolve(connection, t, list(dict.fromkeys(words_of(query))))
        p, d = t.postings.c, t.documents.c
        rows = [
            row
            for chunk in chunks(dict.fromkeys(term for term, _ in expansions))
            for row in connection.execute(
                sa.select(p.word, p.ordinal, p.count, d.length)
                .join_from(t.postings, t.documents, d.ordinal == p.ordinal)
                .where(p.word.in_(chunk))
            ).all()
        ]
        at: dict[str, list[int]] = defaultdict(list)
        for row_number, row in enumerate(rows):
            at[row[0]].append(row_number)
        numbers, local = np.unique(
            np.array([row[1] for row in rows], dtype=np.int64), return_inverse=True
        )
        counts = np.array([row[2] for row in rows], dtype=np.float64)
        lengths = np.array([row[3] for row in rows], dtype=np.float64)
        scores = np.zeros(len(numbers), dtype=np.float64)
        for term, weight in expansions:
            if term in at:
                held = np.array(at[term], dtype=np.int64)
                add_scores(
                    scores,
                    local[held],
                    counts[held],
                    lengths[held],
                    documents=documents,
                    average=average,
                    weight=weight,
                )
        holders = {term: {int(local[r]) for r in row_numbers} for term, row_numbers in at.items()}
        return Scored(connection, t, scores, numbers, holders)

    def matching_in(self, connection: Connection, generation: int, query: str) -> Matching[Key]:
        """The indexed words ``query`` stands for (typos resolved as ``scored_in`` resolves
        them), through an open connection: what a caller ordering by its own columns
        narrows its rows by, without reading every posting of those words."""
        t = self._tables[generation]
        totals = connection.execute(
            sa.select(t.totals.c.documents, t.totals.c.length).where(t.totals.c.id == TOTALS)
        ).first()
        if totals is None or not totals.documents:
            return Matching(t, [], {}, documents=0, average=0.0)
        expansions = self._resolve(connection, t, list(dict.fromkeys(words_of(query))))
        w = t.words.c
        terms = sorted({term for term, _ in expansions})
        holders = {
            row.word: int(row.documents)
            for chunk in chunks(terms)
            for row in connection.execute(sa.select(w.word, w.documents).where(w.word.in_(chunk)))
        }
        documents = int(totals.documents)
        return Matching(
            t, expansions, holders, documents=documents, average=int(totals.length) / documents
        )

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
        t = self._tables[generation]
        p, d, w = t.postings.c, t.documents.c, t.words.c
        view: dict[str, object] = {}
        with self.store.reading() as connection:
            bags: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for word, key, count in connection.execute(
                sa.select(p.word, d.key, p.count).join_from(
                    t.postings, t.documents, d.ordinal == p.ordinal
                )
            ):
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
