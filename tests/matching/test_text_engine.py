"""Text evidence: hashtags and keywords, spelled however fans spell them."""

from __future__ import annotations

import pytest

from adapters.matching.text import InvertedTextEngine
from application.anchors.text_matching import TitleWords

DUNE = TitleWords(
    title_id="dune",
    name="Dune: Part Two",
    hashtags=("#DunePartTwo", "dune"),
    keywords=("Paul Atreides", "Arrakis", "sandworm"),
)
BARBIE = TitleWords(
    title_id="barbie", name="Barbie", hashtags=("#BarbieMovie",), keywords=("Greta Gerwig",)
)


@pytest.fixture
def engine() -> InvertedTextEngine:
    text = InvertedTextEngine()
    text.index(DUNE)
    text.index(BARBIE)
    return text


@pytest.mark.parametrize(
    "hashtag", ["#DunePartTwo", "dune_part_two", "#DUNE-part-two", "Dune Part Two", "#dunéparttwo"]
)
def test_a_title_hashtag_matches_however_it_is_spelled(
    engine: InvertedTextEngine, hashtag: str
) -> None:
    [candidate] = engine.query("look at this", [hashtag])

    assert candidate.title_id == "dune"
    assert candidate.score >= 0.9
    assert candidate.evidence["hashtags"] == ["duneparttwo"]


def test_hashtags_written_in_the_caption_count(engine: InvertedTextEngine) -> None:
    [candidate] = engine.query("best scene #BarbieMovie", [])

    assert candidate.title_id == "barbie"


def test_keyword_phrases_in_the_caption_are_evidence(engine: InvertedTextEngine) -> None:
    [candidate] = engine.query("Riding a SANDWORM across Arrakis!!", [])

    assert candidate.title_id == "dune"
    assert sorted(candidate.evidence["phrases"]) == ["arrakis", "sandworm"]  # type: ignore[call-overload]


def test_a_misspelt_name_is_weaker_evidence_than_an_exact_one(engine: InvertedTextEngine) -> None:
    [misspelt] = engine.query("paul atreidis cosplay", [])
    [exact] = engine.query("paul atreides cosplay", [])

    assert misspelt.title_id == "dune"
    assert "near_phrases" in misspelt.evidence
    assert 0.3 < misspelt.score < exact.score


def test_unrelated_captions_find_nothing(engine: InvertedTextEngine) -> None:
    assert engine.query("my cat sleeping on the sofa", ["#fyp", "#cats"]) == []


def test_a_forgotten_title_is_never_found_again(engine: InvertedTextEngine) -> None:
    engine.forget("dune")

    assert engine.query("sandworm", ["#dune"]) == []
    assert len(engine) == 1


def test_reindexing_replaces_the_old_words(engine: InvertedTextEngine) -> None:
    engine.index(TitleWords(title_id="dune", name="Dune: Part Two", keywords=("spice",)))

    assert engine.query("sandworm", []) == []
    assert engine.query("the spice must flow", [])[0].title_id == "dune"
