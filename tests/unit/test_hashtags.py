"""Hashtags have one canonical spelling, so '#Dune_Part-Two' and 'dune part two' are one tag."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.hashtags import (
    MAX_HASHTAG_LENGTH,
    MAX_HASHTAGS,
    normalise_hashtag,
    normalise_hashtags,
)

FULLWIDTH_DUNE = "\uff24\uff35\uff2e\uff25"  # as typed on a Japanese keyboard
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # the typographic one phones insert


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("dune", "dune"),
        ("#Dune", "dune"),
        ("DUNE", "dune"),
        ("##dune", "dune"),
        ("  #dune  ", "dune"),
        ("Café", "cafe"),
        ("Amélie", "amelie"),
        ("Pokémon", "pokemon"),
        ("Straße", "strasse"),
        (FULLWIDTH_DUNE, "dune"),
        ("#Dune_Part-Two", "duneparttwo"),
        ("dune.part.two", "duneparttwo"),
        ("dune part two", "duneparttwo"),
        ("rock'n'roll", "rocknroll"),
        (f"rock{APOSTROPHE}n{APOSTROPHE}roll", "rocknroll"),
        ("Oppenheimer2023", "oppenheimer2023"),
        ("東京", "東京"),
    ],
)
def test_a_hashtag_is_folded_to_its_canonical_spelling(written: str, canonical: str) -> None:
    assert normalise_hashtag(written) == canonical


@pytest.mark.parametrize("written", ["", "   ", "#", "###", "_", "-.-", " ' "])
def test_a_hashtag_with_nothing_left_after_folding_is_refused(written: str) -> None:
    with pytest.raises(InvalidValue, match="empty hashtag"):
        normalise_hashtag(written)


@pytest.mark.parametrize("written", ["dune!", "du/ne", "dune#2", "🔥", "dune,arrakis", "a+b"])
def test_a_hashtag_with_punctuation_or_symbols_is_refused(written: str) -> None:
    with pytest.raises(InvalidValue, match="not a hashtag"):
        normalise_hashtag(written)


def test_a_hashtag_has_at_most_the_maximum_length_once_folded() -> None:
    longest = "d" * MAX_HASHTAG_LENGTH

    assert normalise_hashtag("#" + longest) == longest
    assert normalise_hashtag("_".join(longest)) == longest
    with pytest.raises(InvalidValue, match="not a hashtag"):
        normalise_hashtag(longest + "d")


def test_spellings_of_the_same_tag_collapse_into_one_in_the_order_first_given() -> None:
    tags = normalise_hashtags(["#Dune", "#Oppenheimer", "dune", "DUNE", "#Barbenheimer"])

    assert tags == ("dune", "oppenheimer", "barbenheimer")


def test_a_video_carries_at_most_the_maximum_number_of_distinct_hashtags() -> None:
    distinct = [f"tag{n}" for n in range(MAX_HASHTAGS)]

    assert len(normalise_hashtags(distinct + [tag.upper() for tag in distinct])) == MAX_HASHTAGS
    with pytest.raises(InvalidValue, match=f"at most {MAX_HASHTAGS} hashtags"):
        normalise_hashtags([*distinct, "onetoomany"])


def test_one_malformed_hashtag_refuses_the_whole_list() -> None:
    with pytest.raises(InvalidValue, match="not a hashtag"):
        normalise_hashtags(["#dune", "#not/a/tag"])


ascii_words = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=30)
separators = st.text(alphabet="_-. '" + APOSTROPHE, max_size=3)


@given(word=ascii_words, separator=separators, hashes=st.integers(0, 3))
def test_case_separators_and_hash_marks_never_make_a_different_tag(
    word: str, separator: str, hashes: int
) -> None:
    written = "#" * hashes + separator.join(word) + separator

    assert normalise_hashtag(written) == word.lower()


@given(st.text(min_size=1, max_size=40))
def test_a_canonical_spelling_is_its_own_canonical_spelling(written: str) -> None:
    try:
        canonical = normalise_hashtag(written)
    except InvalidValue:
        return

    assert normalise_hashtag(canonical) == canonical
