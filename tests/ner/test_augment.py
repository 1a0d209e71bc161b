import random
import re

import pytest

from travel_ner.ner.annotations import Annotated, normalise, parse_markup
from travel_ner.ner.augment import PlaceSwapper, swapped
from travel_ner.ner.places import Place

POOL = (
    Place("Lyon", "Lyon", 520000),
    Place("Nantes", "Nantes", 310000),
    Place("Besançon", "Besançon", 128000),
    Place("Orléans", "Orléans", 116000),
    Place("Amiens", "Amiens", 143000),
    Place("Le Havre", "Le Havre", 170000),
    Place("Lille Europe", "Lille", 238000, is_station=True),
)


def sentence(line: str) -> Annotated:
    text, spans = parse_markup(line)
    return Annotated(text, spans, "request", "a1.txt:3", ("request",), "a1")


def ends(s: Annotated) -> list[str]:
    return [s.text[start:end] for start, end, _ in s.spans]


@pytest.fixture(scope="module")
def swapper(tokenizer_nlp):
    return PlaceSwapper(POOL, tokenizer_nlp)


def test_a_swapped_trip_keeps_the_writers_words_and_style_around_other_places(swapper):
    original = sentence("slt un train de [brest](DEP) a [morlaix](ARR) stp")
    rng = random.Random(0)
    seen = set()
    for _ in range(30):
        copy = swapper.swap(original, rng)
        dep, arr = ends(copy)
        assert re.fullmatch(r"slt un train de \S+ a \S+ stp", copy.text)
        assert [label for *_, label in copy.spans] == ["DEP", "ARR"]
        # consonant-initial, article-less communes of the pool, in lower case and without accents
        assert {dep, arr} <= {"lyon", "nantes", "besancon"} and dep != arr
        assert (copy.author, copy.tags, copy.source) == ("a1", ("request",), "a1.txt:3 (places swapped)")
        seen |= {dep, arr}
    assert seen == {"lyon", "nantes", "besancon"}


def test_a_swapped_place_keeps_elision_article_and_station(swapper):
    rng = random.Random(0)
    elided = swapper.swap(sentence("Un billet d'[Amiens](DEP) à [Metz](ARR) ?"), rng)
    assert elided.text.startswith("Un billet d'Orléans à ")  # the one vowel-initial commune other than Amiens
    with_article = swapper.swap(sentence("De [Le Mans](DEP) à [Metz](ARR)"), rng)
    assert ends(with_article)[0] == "Le Havre"
    station = swapper.swap(sentence("de [Paris Montparnasse](DEP) à [Rennes](ARR)"), rng)
    assert ends(station)[0] == "Lille Europe"
    spaced = swapper.swap(sentence("de [Brest](DEP) à [saint remy de provence](ARR)"), rng)
    assert " " not in ends(spaced)[0] and "-" not in ends(spaced)[1]


@pytest.mark.parametrize(
    "line",
    [
        "il pleut a brest",  # no trip
        "de [charlevile](DEP) a [reims](ARR)",  # a misspelt name is no known place
        "du [Mans](DEP) à [Lyon](ARR)",  # the name after a contracted article
        "de [Brest](DEP) à [Morlaix](ARR), Brest le matin",  # the name said again, unmarked
        "de [Brest](DEP) à [Bâle](ARR)",  # abroad: not in the gazetteer
    ],
)
def test_what_cannot_be_swapped_is_left_out(swapper, line):
    assert swapper.swap(sentence(line), random.Random(0)) is None


def test_swapped_is_seeded_skips_held_out_texts_and_the_zero_case(tokenizer_nlp):
    trips = [sentence("slt un train de [brest](DEP) a [morlaix](ARR) stp"), sentence("il pleut a brest")]
    first = swapped(trips, POOL, 3, seed=5, nlp=tokenizer_nlp)
    assert first == swapped(trips, POOL, 3, seed=5, nlp=tokenizer_nlp) and len(first) == 3
    held_out = {normalise(first[0].text)}
    assert all(normalise(s.text) not in held_out for s in swapped(trips, POOL, 3, 5, nlp=tokenizer_nlp, exclude=held_out))
    assert swapped(trips, POOL, 0, seed=5, nlp=tokenizer_nlp) == []
