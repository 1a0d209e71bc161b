"""Seeded generator of annotated French travel requests (and of non-requests).

Sentences are built compositionally from the phrase tables of ``generator_data`` (frames ×
verbs × connectors × noise, see ``generator_tables``), so the model sees thousands of
phrasings rather than a few memorisable ones. A template is plain text with two kinds of slots:

* text slots ``{NAME}`` (upper or lower case), replaced by a random option of
  ``TEXT_SLOTS`` (options may hold slots themselves) until none is left;
* mention slots ``{DEP:de}``, ``{ARR:à}``, ``{VIA}``, ``{PLACE}``, ``{PERSON:à}``…, a place
  or person written after an optional preposition. Contractions are applied ("de" + Le Mans
  → "du Mans", "à" + Les Sables-d'Olonne → "aux Sables-d'Olonne", "de" + Amiens →
  "d'Amiens") and only the name, without preposition or contracted article, is the span.

The sentence is kept as a list of (text, label) pieces up to the end, so case changes,
SMS spellings ("jveux", "pr", "stp"), typos and misspellings never shift an entity offset.

Places are drawn as people name them: mostly by popularity (a power of the population, so
"Tours" or "Poitiers" far more often than "Saint-Germain-la-Blanche-Herbe"), partly
uniformly, so that the long tail of oddly shaped names is still covered.

Annotation conventions (same as the hand-written test set): a trip has exactly one DEP
and one ARR; a sentence with a single city, the same city twice, a stop ("via Dijon"),
a person, or a request in another language has no span.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Collection, Mapping, Sequence

from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH as FRENCH_TOKEN_MATCH

from travel_ner.ner.annotations import Annotated, normalise
from travel_ner.ner.generator_tables import SLOT, load_tables
from travel_ner.ner.places import FIRST_NAMES, Place, split_article, strip_accents

Option = str | Callable[[random.Random], str]
Options = tuple[str, ...]

MENTION_SLOTS = ("DEP", "ARR", "VIA", "VIA2", "PLACE", "PLACE2", "PERSON")
# Text slots drawing numbers, the only ones not in the data.
NUMBER_SLOTS: dict[str, tuple[Option, ...]] = {
    "day": (lambda rng: str(rng.randint(1, 28)),),
    "mm": (lambda rng: f"{rng.randint(1, 12):02d}",),
    "hour": (lambda rng: str(rng.randint(5, 23)),),
    "min": (lambda rng: rng.choice(("00", "15", "30", "45", "10", "50")),),
    "n": (lambda rng: str(rng.randint(2, 6)),),
}
# Filled per sentence: the connector core, the separators of a bare route, a title before a
# person, a foreign language's route and tail (from its own table).
SENTENCE_SLOTS = ("CORE", "SEP", "TITLE", "R", "T")
_TABLES = load_tables((*MENTION_SLOTS, *NUMBER_SLOTS, *SENTENCE_SLOTS), MENTION_SLOTS)

# categories.json
CATEGORY_WEIGHTS: dict[str, float] = _TABLES["CATEGORY_WEIGHTS"]
TRIP_KINDS: Options = _TABLES["TRIP_KINDS"]
TEXTED_KINDS: Options = _TABLES["TEXTED_KINDS"]
COMPOUND_KINDS: Options = _TABLES["COMPOUND_KINDS"]
NON_TRIP_WEIGHTS: dict[str, float] = _TABLES["NON_TRIP_WEIGHTS"]
# trips.json: the cores of each kind of trip built from a frame (each such kind is also a category)
KIND_CORES: dict[str, Options] = {kind: _TABLES[table] for kind, table in _TABLES["KIND_CORES"].items()}
TRIP_CATEGORIES = (*KIND_CORES, "no_markers", "lowercase", "typo", "compound")
NON_TRIP_CATEGORIES = ("not_trip", "foreign")
MAX_TRIES = 200  # attempts at a sentence not already produced (or excluded) before giving up
# slots.json
TEXT_SLOTS: dict[str, tuple[Option, ...]] = _TABLES["TEXT_SLOTS"] | NUMBER_SLOTS
# trips.json
REQUEST_FRAMES: Options = _TABLES["REQUEST_FRAMES"]
FORWARD_CORES: Options = _TABLES["FORWARD_CORES"]
INVERTED_CORES: Options = _TABLES["INVERTED_CORES"]
NO_MARKER_CORES: Options = _TABLES["NO_MARKER_CORES"]
NO_MARKER_FRAMES: Options = _TABLES["NO_MARKER_FRAMES"]
CLAUSE_FRAMES: dict[str, Options] = _TABLES["CLAUSE_FRAMES"]
CLAUSE_SHARE: dict[str, float] = _TABLES["CLAUSE_SHARE"]
SPECIFIC_SHARE = 0.3  # of a kind's trips, after CLAUSE_SHARE; the rest are request frames
SPECIFIC_FRAMES: dict[str, Options] = _TABLES["SPECIFIC_FRAMES"]
TICKET_FRAMES: Options = _TABLES["TICKET_FRAMES"]
TICKET_SEPARATORS: Options = _TABLES["TICKET_SEPARATORS"]
REQUEST_SEPARATORS: Options = _TABLES["REQUEST_SEPARATORS"]
# A glued hyphen only between one-word names: the tokenizer keeps "Lyon-Saint-Étienne" or
# "Gare du Nord-Le Havre" as one token, and a reader could not split them either.
GLUED_HYPHEN = "-"
# names.json
NAME_AMBIGUITY_TRIPS: Options = _TABLES["NAME_AMBIGUITY_TRIPS"]
NAME_AMBIGUITY_NON_TRIPS: Options = _TABLES["NAME_AMBIGUITY_NON_TRIPS"]
PERSON_TITLES: Options = _TABLES["PERSON_TITLES"]
HOMONYM_CLAUSES: dict[str, Options] = _TABLES["HOMONYM_CLAUSES"]
HOMONYM_SHARE = 0.35  # of name_ambiguity sentences: a commune's name as a word rather than a person
# non_trips.json
SINGLE_CORES: Options = _TABLES["SINGLE_CORES"]
ABOUT_PLACE: Options = _TABLES["ABOUT_PLACE"]
TWO_PLACES: Options = _TABLES["TWO_PLACES"]
SAME_PLACE: Options = _TABLES["SAME_PLACE"]
NO_PLACE: Options = _TABLES["NO_PLACE"]
GIBBERISH_LETTERS: str = _TABLES["GIBBERISH_LETTERS"]
GIBBERISH_ENDS: Options = _TABLES["GIBBERISH_ENDS"]
# foreign.json
FOREIGN: Options = _TABLES["FOREIGN"]
FOREIGN_LANGUAGES: dict[str, dict[str, Options]] = _TABLES["FOREIGN_LANGUAGES"]
EXONYMS: dict[str, dict[str, str]] = _TABLES["EXONYMS"]
# spellings.json
SMS_SPELLINGS: dict[str, Options] = _TABLES["SMS_SPELLINGS"]  # pattern -> options, applied in this order
SMS_RATE = 0.6
COMMON_TYPOS: dict[str, Options] = _TABLES["COMMON_TYPOS"]
SAINT_VARIANTS: dict[str, Options] = _TABLES["SAINT_VARIANTS"]

_PREPOSITION_END = re.compile(r"(|.*[ '])(de|à)", re.IGNORECASE)
_CONTRACTED = {("de", "Le"): "du", ("de", "Les"): "des", ("à", "Le"): "au", ("à", "Les"): "aux"}
VOWELS = "aeiouyâàäéèêëîïôöûüœ"
_WORD = re.compile(r"[^\W\d_]{4,}")
_ONE_LETTER_END = re.compile(r"(?:^|\W)\w$")

Piece = tuple[str, str | None]  # text, entity label (None for plain text)


# How places are drawn: people name towns roughly in proportion to a power of their
# population (a town of 100,000 far more often than a village of 1,000, but villages still
# come up), stations less often than their town; some draws stay uniform, so that the long
# tail of rare, oddly shaped names is still covered.
MAJOR_SHARE = 0.15  # one of the 100 biggest communes
WEIGHTED_SHARE = 0.65  # otherwise, weighted by population ** POPULATION_EXPONENT; the rest uniform
POPULATION_EXPONENT = 0.75
STATION_WEIGHT = 0.25  # a station is named this much less often than its town (shared by its stations)


def popularity(place: Place, n_stations: int = 1) -> float:
    """How often people name ``place`` relative to other places."""
    weight = place.population**POPULATION_EXPONENT
    return weight * STATION_WEIGHT / n_stations if place.is_station else weight


@dataclass(frozen=True)
class Pool:
    """Places to draw from, with their popularity (a town's weight shared among its stations)."""

    places: tuple[Place, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def of(cls, places: Sequence[Place]) -> Pool:
        stations = Counter(p.city for p in places if p.is_station)
        return cls(tuple(places), tuple(accumulate(popularity(p, stations[p.city]) for p in places)))

    def draw(self, rng: random.Random, weighted: bool) -> Place:
        if weighted:
            return rng.choices(self.places, cum_weights=self.cum_weights)[0]
        return rng.choice(self.places)


@dataclass(frozen=True)
class _Pools:
    """Where places are drawn from: mostly by popularity, often a big city, sometimes a hard one."""

    places: Pool
    major: Pool  # the most populous communes, as people name big cities far more often
    compound: Pool  # multi-word, hyphenated, with article, elided or stations
    ambiguous: Pool  # communes that are also first names

    @classmethod
    def build(cls, places: Sequence[Place]) -> _Pools:
        if len({p.city for p in places}) < 4:
            raise ValueError("need places from at least 4 communes to write trips with stops")
        by_size = sorted((p for p in places if not p.is_station), key=lambda p: (-p.population, p.name))
        compound = [p for p in places if p.is_station or p.article or re.search(r"[ '-]", p.name) or _elides(p)]
        return cls(
            Pool.of(places),
            Pool.of(by_size[:100] or places),
            Pool.of(compound or places),
            Pool.of([p for p in places if p.name in FIRST_NAMES]),
        )

    def pick(self, rng: random.Random, taken: Collection[Place], pool: Pool | None = None) -> Place:
        """A place from ``pool`` (default: major, by popularity or uniform) in a commune not in ``taken``."""
        cities = {p.city for p in taken}
        if pool is not None and all(p.city in cities for p in pool.places):
            pool = None
        while True:
            source = pool or (self.major if rng.random() < MAJOR_SHARE else self.places)
            place = source.draw(rng, rng.random() < WEIGHTED_SHARE)
            if place.city not in cities:
                return place


def _elides(place: Place) -> bool:
    return not place.article and place.name[0].lower() in VOWELS


def expand(template: str, rng: random.Random, extra: Mapping[str, tuple[Option, ...]] | None = None) -> str:
    """Replace text slots by random options until only mention slots are left."""
    slots = TEXT_SLOTS | dict(extra or {})

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) in MENTION_SLOTS:
            return match.group(0)
        option = rng.choice(slots[match.group(1)])
        return option if isinstance(option, str) else option(rng)

    while True:
        expanded = SLOT.sub(substitute, template)
        if expanded == template:
            return expanded
        template = expanded


def attach(preposition: str, name: str) -> tuple[str, str]:
    """Write ``name`` after ``preposition``: returns (text before the span, span text).

    ``("de", "Le Mans")`` → ``("du ", "Mans")``; ``("jusqu'à", "Les Ulis")`` → ``("jusqu'aux ", "Ulis")``;
    ``("de", "Amiens")`` → ``("d'", "Amiens")``; ``("de", "La Rochelle")`` → ``("de ", "La Rochelle")``.
    """
    article, core = split_article(name)
    match = _PREPOSITION_END.fullmatch(preposition)
    if match:
        head, word = match.groups()
        contracted = _CONTRACTED.get((word.lower(), article.capitalize()))
        if contracted:
            return f"{head}{contracted.capitalize() if word[0].isupper() else contracted} ", core
        if word.lower() == "de" and not article and core[0].lower() in VOWELS:
            return f"{head}{word[0]}'", name
    return f"{preposition} ", name


def render(template: str, mentions: Mapping[str, tuple[str, str | None]]) -> list[Piece]:
    """Turn a template whose text slots are expanded into (text, label) pieces."""
    pieces: list[Piece] = []
    pos = 0
    for match in SLOT.finditer(template):
        slot, preposition = match.groups()
        name, label = mentions[slot]
        before, span = attach(preposition, name) if preposition else ("", name)
        pieces += [(template[pos : match.start()] + before, None), (span, label)]
        pos = match.end()
    pieces.append((template[pos:], None))
    # The tokenizer reads "Plouezoc'h. Je" as "Plouezoc'" | "h." (an abbreviation): no full stop after such a name.
    for i in range(1, len(pieces) - 1, 2):
        after = pieces[i + 1][0]
        if _ONE_LETTER_END.search(pieces[i][0]) and after.startswith("."):
            pieces[i + 1] = ("," + after[1:] if after.startswith(". ") else after.lstrip("."), None)
    return pieces


def to_annotated(pieces: Sequence[Piece], category: str, source: str = "generated") -> Annotated:
    """Join pieces into text with character-offset spans."""
    text, spans = "", []
    for piece, label in pieces:
        if label:
            spans.append((len(text), len(text) + len(piece), label))
        text += piece
    return Annotated(text, tuple(spans), category, source)


def misspell(word: str, rng: random.Random) -> str:
    """One realistic slip inside a word: drop, double or swap letters, or lose the accents.

    Only letters between two letters are edited, so the first and last characters and the
    separators of "Saint-Jean-d'Angély" stay put and a misspelt name keeps clean edges.
    """
    inner = [i for i in range(1, len(word) - 1) if word[i - 1 : i + 2].isalpha()]
    edits: list[tuple[list[int], Callable[[int], str]]] = [
        (inner, lambda i: word[:i] + word[i + 1 :]),
        (inner, lambda i: word[:i] + word[i] + word[i:]),
        ([i for i in inner if i + 1 in inner], lambda i: word[:i] + word[i + 1] + word[i] + word[i + 2 :]),
    ]
    for _ in range(10):
        if strip_accents(word) != word and rng.random() < 0.3:
            return strip_accents(word)
        positions, edit = rng.choice(edits)
        if positions and (candidate := edit(rng.choice(positions))) != word:
            return candidate
    return word


def _typo_words(text: str, rng: random.Random, rate: float) -> str:
    def slip(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= rate:
            return word
        common = COMMON_TYPOS.get(word.lower())
        return rng.choice(common) if common else misspell(word, rng)

    return _WORD.sub(slip, text)


# Case and accent changes of the "lowercase" category, on (text, is_entity).
CASINGS: dict[str, Callable[[str, bool], str]] = {
    "lower": lambda text, _: text.lower(),
    "upper": lambda text, _: text.upper(),
    "no_accents": lambda text, _: strip_accents(text),
    "lower_no_accents": lambda text, _: strip_accents(text.lower()),
    "lower_places": lambda text, entity: text.lower() if entity else text,
}


def _variant(name: str, rng: random.Random) -> str:
    """How people actually write a compound name: St-/Ste-, spaces for hyphens."""
    if rng.random() < 0.5:
        name = re.sub(r"\bSainte?-", lambda m: rng.choice(SAINT_VARIANTS[m.group()]), name)
    if rng.random() < 0.5:
        name = name.replace("-", " ")
    return name


_SENTENCE_START = re.compile(r"([.!?] )([a-zàâçéèêîôû])")


def _capitalise_sentences(template: str) -> str:
    """Upper-case the first letter after a full stop inside a template ("Cap sur X. je pars" → ". Je pars")."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), template)


def _separators(names: Sequence[str], options: Options = TICKET_SEPARATORS) -> Options:
    """Separators between ``names`` in a bare route; a glued hyphen only where the tokenizer will split it.

    French tokenizer rules keep some hyphenated words whole ("Monts-Montpellier", like "mont-blanc").
    """
    one_word = not any(re.search(r"[ '-]", name) for name in names)
    if one_word and not FRENCH_TOKEN_MATCH(GLUED_HYPHEN.join(names)):
        return options
    return tuple(option for option in options if option != GLUED_HYPHEN)


def _trip(
    rng: random.Random,
    pools: _Pools,
    kind: str,
    pool: Pool | None = None,
    variant: bool = False,
    ends: tuple[Place, Place] | None = None,
) -> list[Piece]:
    """A trip of ``kind`` (no_markers or one of ``KIND_CORES``) with one DEP and one ARR (``ends`` if given)."""
    if ends is None:
        dep = pools.pick(rng, (), pool)
        arr = pools.pick(rng, (dep,), pool)
    else:
        dep, arr = ends
    via = pools.pick(rng, (dep, arr))
    via2 = pools.pick(rng, (dep, arr, via))
    names = {slot: (_variant(p.name, rng) if variant else p.name) for slot, p in (("DEP", dep), ("ARR", arr))}
    extra: dict[str, tuple[Option, ...]] = {"SEP": _separators(tuple(names.values()))}
    if kind == "no_markers":
        if rng.random() < 0.3:
            frame, extra["CORE"] = rng.choice(NO_MARKER_FRAMES), NO_MARKER_CORES
            extra["SEP"] = _separators(tuple(names.values()), REQUEST_SEPARATORS)
        else:
            frame = rng.choice(TICKET_FRAMES)
    else:
        extra["CORE"] = KIND_CORES[kind]
        draw = rng.random()
        if draw < CLAUSE_SHARE.get(kind, 0.0):
            frame = rng.choice(CLAUSE_FRAMES[kind])
        elif draw < CLAUSE_SHARE.get(kind, 0.0) + SPECIFIC_SHARE and kind in SPECIFIC_FRAMES:
            frame = rng.choice(SPECIFIC_FRAMES[kind])
        else:
            frame = rng.choice(REQUEST_FRAMES)
    template = _capitalise_sentences(expand(frame, rng, extra))
    mentions = {"DEP": (names["DEP"], "DEP"), "ARR": (names["ARR"], "ARR"),
                "VIA": (via.name, None), "VIA2": (via2.name, None)}  # fmt: skip
    return render(template, mentions)


def _plain_trip(rng: random.Random, pools: _Pools, kinds: Sequence[str] = TRIP_KINDS, variant: bool = False):
    return _trip(rng, pools, rng.choice(kinds), variant=variant)


def texted(text: str, rng: random.Random) -> str:
    """Text as typed on a phone: lower case, SMS spellings, mostly no accents, fewer commas."""
    text = text.lower()
    for pattern, options in SMS_SPELLINGS.items():
        text = re.sub(pattern, lambda m: rng.choice(options) if rng.random() < SMS_RATE else m.group(0), text)
    if rng.random() < 0.8:
        text = strip_accents(text)
    if rng.random() < 0.5:
        text = text.replace(", ", " ").replace(" ; ", " ")
    return text


def _case(pieces: Sequence[Piece], rng: random.Random, texting: float) -> list[Piece]:
    """The pieces texted (with probability ``texting``) or in another case and accent style."""
    if rng.random() < texting:
        cased = [(texted(text, rng) if label is None else text.lower(), label) for text, label in pieces]
        if rng.random() < 0.8:
            cased = [(strip_accents(text), label) for text, label in cased]
        if rng.random() < 0.5 and cased[-1][1] is None:
            cased[-1] = (cased[-1][0].rstrip(".!"), None)
        return cased
    casing = CASINGS[rng.choice(tuple(CASINGS))]
    return [(casing(text, label is not None), label) for text, label in pieces]


UNACCENTED_SHARE = 0.12  # typed on a keyboard without accents ("de Lyon a Nimes"), in any category but these
UNACCENTED_SKIP = ("lowercase", "foreign")  # lowercase has its own accent changes; foreign texts keep theirs


def _unaccented(pieces: Sequence[Piece], rng: random.Random) -> list[Piece]:
    """Accents dropped around the names ("à" typed "a"), and in half the cases from the names too."""
    names_too = rng.random() < 0.5
    return [(strip_accents(text) if label is None or names_too else text, label) for text, label in pieces]


COMPOUND_TEXTED_SHARE = 0.3  # texted trips between long names: "pont a mousson", "saint valery en caux"


def _lowercase(rng: random.Random, pools: _Pools) -> list[Piece]:
    pool = pools.compound if rng.random() < COMPOUND_TEXTED_SHARE else None
    trip = _trip(rng, pools, rng.choice(TEXTED_KINDS), pool, variant=rng.random() < 0.5)
    return _case(trip, rng, texting=0.6)


def _typo(rng: random.Random, pools: _Pools) -> list[Piece]:
    """Slips in request words, in a city name, or both."""
    in_words, in_names = rng.choice(((True, False), (False, True), (True, True)))
    misspelt = rng.choice(("DEP", "ARR"))
    pieces = []
    for text, label in _plain_trip(rng, pools):
        if label is None and in_words:
            text = _typo_words(text, rng, 0.3)
        elif label == misspelt and in_names:
            core = split_article(text)[1]
            text = text[: len(text) - len(core)] + misspell(core, rng)
        pieces.append((text, label))
    return pieces


def _compound(rng: random.Random, pools: _Pools) -> list[Piece]:
    return _trip(rng, pools, rng.choice(COMPOUND_KINDS), pools.compound, variant=True)


def _name_ambiguity(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A person named like a commune: a trip with that person, or a sentence about them with no trip.

    In a trip, the person is often named like one of its two ends ("Nancy va de Laval à Nancy").
    """
    if rng.random() < HOMONYM_SHARE:
        return _homonym_word(rng, pools)
    person = rng.choice(FIRST_NAMES)
    extra = {"TITLE": PERSON_TITLES}
    if rng.random() < 0.4:
        place = pools.pick(rng, ())
        template = expand(rng.choice(NAME_AMBIGUITY_NON_TRIPS), rng, extra)
        return render(template, {"PERSON": (person, None), "PLACE": (place.name, None)})
    ambiguous = pools.ambiguous.places
    namesake = [p for p in ambiguous if p.name == person]
    if namesake and rng.random() < 0.6:
        dep, arr = _namesake_ends(rng, pools, namesake)
    else:
        dep = pools.pick(rng, (), pools.ambiguous if ambiguous and rng.random() < 0.5 else None)
        arr = pools.pick(rng, (dep,), pools.ambiguous if ambiguous and rng.random() < 0.3 else None)
    extra["CORE"] = FORWARD_CORES + INVERTED_CORES
    template = expand(rng.choice(NAME_AMBIGUITY_TRIPS), rng, extra)
    return render(template, {"PERSON": (person, None), "DEP": (dep.name, "DEP"), "ARR": (arr.name, "ARR")})


def _namesake_ends(rng: random.Random, pools: _Pools, namesake: Sequence[Place]) -> tuple[Place, Place]:
    """A trip between one of ``namesake`` and another commune, in either direction."""
    ends = [namesake[0], pools.pick(rng, namesake)]
    rng.shuffle(ends)
    return ends[0], ends[1]


def _homonym_word(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A commune's name as a word ("Mes valises sont lourdes") before or after a trip or a non-trip.

    In half the trips that commune is also one end ("C'est super nice. Un billet de Cannes à Nice").
    """
    name = rng.choice(tuple(HOMONYM_CLAUSES))
    clause = rng.choice(HOMONYM_CLAUSES[name])
    if rng.random() < 0.4:
        pieces = _not_trip(rng, pools)
    else:
        namesake = [p for p in pools.places.places if p.name == name]
        ends = _namesake_ends(rng, pools, namesake) if namesake and rng.random() < 0.5 else None
        pieces = _trip(rng, pools, rng.choice(TRIP_KINDS), ends=ends)
    text, label = pieces[-1]
    if rng.random() < 0.5 or not text.endswith(tuple(".!?")):
        return [(clause + ". ", None), *pieces]
    return [*pieces[:-1], (text + " " + clause + ".", label)]


def _gibberish(rng: random.Random) -> str:
    n_words = rng.randint(1, 5)
    words = ["".join(rng.choice(GIBBERISH_LETTERS) for _ in range(rng.randint(2, 9))) for _ in range(n_words)]
    return " ".join(words) + rng.choice(GIBBERISH_ENDS)


# How to draw an expanded template of each kind of NON_TRIP_WEIGHTS.
NON_TRIP_DRAWS: dict[str, Callable[[random.Random], str]] = {
    "single_city": lambda rng: expand(rng.choice(REQUEST_FRAMES), rng, {"CORE": SINGLE_CORES}),
    "about_place": lambda rng: expand(rng.choice(ABOUT_PLACE), rng),
    "two_places": lambda rng: expand(rng.choice(TWO_PLACES), rng),
    "same_place": lambda rng: expand(rng.choice(SAME_PLACE), rng),
    "no_place": lambda rng: expand(rng.choice(NO_PLACE), rng),
    "gibberish": _gibberish,
}
NON_TRIP_RECASED = 0.35  # share of non-trips lowercased or texted, like trips of the lowercase category


def _not_trip(rng: random.Random, pools: _Pools) -> list[Piece]:
    kind = rng.choices(tuple(NON_TRIP_WEIGHTS), weights=tuple(NON_TRIP_WEIGHTS.values()))[0]
    template = NON_TRIP_DRAWS[kind](rng)
    place = pools.pick(rng, ())
    other = pools.pick(rng, (place,))
    same = kind == "same_place"
    mentions = {"PLACE": (place.name, None), "PLACE2": (other.name, None), "DEP": (place.name, None),
                "ARR": (place.name if same else other.name, None)}  # fmt: skip
    pieces = render(template, mentions)
    return _case(pieces, rng, texting=0.6) if rng.random() < NON_TRIP_RECASED else pieces


def _foreign(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A request (or not) in another language: never a trip, even with French city names."""
    dep = pools.pick(rng, ())
    arr = pools.pick(rng, (dep,))
    if rng.random() < 0.3:
        template, lang = rng.choice(FOREIGN), ""
    else:
        lang = rng.choice(tuple(FOREIGN_LANGUAGES))
        template = expand(rng.choice(FOREIGN_LANGUAGES[lang]["F"]), rng, FOREIGN_LANGUAGES[lang])
    names = {slot: EXONYMS.get(p.name, {}).get(lang, p.name) for slot, p in (("DEP", dep), ("ARR", arr))}
    pieces = render(template, {slot: (name, None) for slot, name in names.items()})
    if rng.random() < 0.25:
        lowered = [(text.lower(), label) for text, label in pieces]
        pieces = [(strip_accents(t), label) for t, label in lowered] if rng.random() < 0.5 else lowered
    return pieces


def _kind(kind: str) -> Callable[[random.Random, _Pools], list[Piece]]:
    return lambda rng, pools: _trip(rng, pools, kind)


BUILDERS: dict[str, Callable[[random.Random, _Pools], list[Piece]]] = {
    **{kind: _kind(kind) for kind in (*KIND_CORES, "no_markers")},
    "lowercase": _lowercase,
    "typo": _typo,
    "compound": _compound,
    "name_ambiguity": _name_ambiguity,
    "not_trip": _not_trip,
    "foreign": _foreign,
}


def _check_weighs(table: str, weights: Mapping[str, float], built: Collection[str]) -> None:
    """A weight table names exactly what the code builds: a kind left out would silently vanish."""
    if set(weights) != set(built):
        raise ValueError(f"{table} weighs {sorted(weights)}, but the generator builds {sorted(built)}")


_check_weighs("CATEGORY_WEIGHTS", CATEGORY_WEIGHTS, BUILDERS)
_check_weighs("NON_TRIP_WEIGHTS", NON_TRIP_WEIGHTS, NON_TRIP_DRAWS)


def category_plan(n: int, weights: Mapping[str, float], rng: random.Random) -> list[str]:
    """Exactly proportional category counts (largest remainder), in random order."""
    total = sum(weights.values())
    quotas = {c: n * w / total for c, w in weights.items()}
    counts = {c: int(q) for c, q in quotas.items()}
    for c in sorted(quotas, key=lambda c: counts[c] - quotas[c])[: n - sum(counts.values())]:
        counts[c] += 1
    plan = [c for c in weights for _ in range(counts[c])]
    rng.shuffle(plan)
    return plan


def generate(
    n: int,
    places: Sequence[Place],
    seed: int,
    *,
    exclude: Collection[str] = (),
    weights: Mapping[str, float] = CATEGORY_WEIGHTS,
) -> list[Annotated]:
    """``n`` distinct annotated sentences about ``places``; the same arguments give the same list.

    ``exclude`` holds ``annotations.normalise``d texts never to produce, e.g. the train
    sentences when generating dev, since a place-free sentence ("Bonjour !") could
    otherwise appear in two splits.
    """
    rng = random.Random(seed)
    pools = _Pools.build(places)
    seen = set(exclude)
    sentences = []
    for category in category_plan(n, weights, rng):
        for _ in range(MAX_TRIES):
            pieces = BUILDERS[category](rng, pools)
            if category not in UNACCENTED_SKIP and rng.random() < UNACCENTED_SHARE:
                pieces = _unaccented(pieces, rng)
            sentence = to_annotated(pieces, category)
            key = normalise(sentence.text)
            if key not in seen:
                break
        else:
            raise RuntimeError(f"could not write a new '{category}' sentence in {MAX_TRIES} tries; ask for fewer")
        seen.add(key)
        sentences.append(sentence)
    return sentences
