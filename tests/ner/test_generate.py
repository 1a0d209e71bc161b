"""Generated sentences are reproducible, varied, correctly annotated and tokenizable."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from typing import Any, Callable, Iterator

import pytest

from travel_ner.ner.annotations import LABELS, make_tokenizer_nlp, normalise, to_doc
from travel_ner.ner.generate import (
    CATEGORY_WEIGHTS,
    HOMONYM_CLAUSES,
    MENTION_SLOTS,
    NUMBER_SLOTS,
    SENTENCE_SLOTS,
    _separators,
    NON_TRIP_CATEGORIES,
    TRIP_CATEGORIES,
    attach,
    generate,
    misspell,
    render,
    strip_accents,
    to_annotated,
)
from travel_ner.ner.generator_tables import DATA, load_tables
from travel_ner.ner.places import WORD_NAMES, split_places

N = 2000
# Categories whose spans are written exactly as in the gazetteer.
VERBATIM = ("standard", "inverted", "no_markers", "via", "name_ambiguity")


@pytest.fixture(scope="module")
def splits():
    return split_places(seed=0)


@pytest.fixture(scope="module")
def train(splits):
    return generate(N, splits["train"], seed=7)


def written_forms(places) -> set[str]:
    """Names as they can appear in a span: whole or without a contracted article, with or without accents."""
    return {f for p in places for form in (p.name, p.core) for f in (form, strip_accents(form))}


def canonical(text: str) -> str:
    text = re.sub(r"\bst(e?)\b", r"saint\1", strip_accents(text).casefold())
    return re.sub(r"[^a-zœæ]", "", text)


def test_same_seed_same_sentences_other_seed_other_sentences(splits, train):
    assert generate(N, splits["train"], seed=7) == train
    assert generate(N, splits["train"], seed=8) != train


def test_spans_are_clean_and_in_place(train):
    for s in train:
        previous_end = 0
        for start, end, label in s.spans:
            assert label in LABELS
            assert previous_end <= start < end <= len(s.text), s
            name = s.text[start:end]
            assert name[0].isalnum() and name[-1].isalnum(), s
            assert start == 0 or not s.text[start - 1].isalnum(), s
            assert end == len(s.text) or not s.text[end].isalnum(), s
            previous_end = end


def test_trips_have_one_departure_and_one_arrival_non_trips_none(train):
    for s in train:
        labels = sorted(label for _, _, label in s.spans)
        if s.category in TRIP_CATEGORIES:
            assert labels == ["ARR", "DEP"], s
        elif s.category in NON_TRIP_CATEGORIES:
            assert labels == [], s
        else:
            assert labels in (["ARR", "DEP"], []), s


def test_span_text_is_the_place_as_written(splits, train):
    forms = written_forms(splits["train"])
    canonical_forms = {canonical(f) for f in forms}
    for s in train:
        for start, end, _ in s.spans:
            name = s.text[start:end]
            if s.category in VERBATIM:
                assert name in forms, s
            elif s.category in ("lowercase", "compound"):
                assert canonical(name) in canonical_forms, s


def test_all_categories_in_proportion(train):
    counts = Counter(s.category for s in train)
    assert set(counts) == set(CATEGORY_WEIGHTS)
    for category, weight in CATEGORY_WEIGHTS.items():
        assert abs(counts[category] - N * weight) <= 1
    non_trips = sum(not s.spans for s in train) / N
    assert 0.2 <= non_trips <= 0.27


def test_hundreds_of_distinct_phrasings(train):
    def skeleton(s):
        text = s.text
        for start, end, label in reversed(s.spans):
            text = text[:start] + label + text[end:]
        return re.sub(r"\d+", "0", text)

    trips = [s for s in train if s.spans and s.category in VERBATIM]
    assert len({skeleton(s) for s in trips}) > 500


def test_sentences_are_distinct_and_excluded_texts_avoided(splits, train):
    assert len({normalise(s.text) for s in train}) == N
    seen = {normalise(s.text) for s in train}
    dev = generate(500, splits["dev"], seed=7, exclude=seen)
    assert not {normalise(s.text) for s in dev} & seen


def test_held_out_sentences_use_held_out_places_only(splits):
    dev = generate(500, splits["dev"], seed=1)
    allowed = written_forms(splits["dev"])
    for s in dev:
        if s.category in VERBATIM:
            assert {s.text[a:b] for a, b, _ in s.spans} <= allowed, s


def test_every_span_falls_on_project_tokenizer_boundaries(train):
    nlp = make_tokenizer_nlp()
    for s in train:
        assert len(to_doc(nlp, s).ents) == len(s.spans)


@pytest.mark.parametrize(
    "preposition, name, expected",
    [("de", "Le Mans", ("du ", "Mans")), ("à", "Le Havre", ("au ", "Havre")),
     ("de", "Les Sables-d'Olonne", ("des ", "Sables-d'Olonne")), ("à", "Les Ulis", ("aux ", "Ulis")),
     ("jusqu'à", "Le Mans", ("jusqu'au ", "Mans")), ("au départ de", "Le Mans", ("au départ du ", "Mans")),
     ("de", "Amiens", ("d'", "Amiens")), ("De", "Orléans", ("D'", "Orléans")), ("De", "Le Mans", ("Du ", "Mans")),
     ("de", "La Rochelle", ("de ", "La Rochelle")), ("de", "L'Isle-Adam", ("de ", "L'Isle-Adam")),
     ("depuis", "Le Mans", ("depuis ", "Le Mans")), ("à", "Lyon", ("à ", "Lyon"))],
)  # fmt: skip
def test_prepositions_contract_and_elide(preposition, name, expected):
    assert attach(preposition, name) == expected


@pytest.mark.parametrize(
    "names, glued",
    [(("Lyon", "Nice"), True), (("Monts", "Montpellier"), False), (("Saint-Lô", "Caen"), False)],
)
def test_glued_hyphen_only_where_the_tokenizer_splits_it(names, glued):
    """"Lyon-Nice" splits into three tokens, "Monts-Montpellier" stays whole (a French hyphen prefix)."""
    assert ("-" in _separators(names)) == glued
    if glued:
        assert len(make_tokenizer_nlp("fr")("-".join(names))) == 3


def test_misspelling_changes_the_inside_of_a_name_only():
    rng = random.Random(0)
    for name in ("Marseille", "Saint-Étienne", "Aix-en-Provence", "Besançon Viotte", "Lyon"):
        for _ in range(20):
            typo = misspell(name, rng)
            assert typo != name and typo[0] == name[0] and typo[-1] == name[-1]
            assert abs(len(typo) - len(name)) <= 1


def test_common_towns_are_named_more_often_than_villages(splits, train):
    """Places are drawn by popularity: towns of 10,000+ dominate, though the gazetteer is mostly villages."""
    population = {
        f: p.population for p in splits["train"] for form in (p.core, p.name) for f in (form, strip_accents(form))
    }
    towns_in_gazetteer = sum(p.population >= 10_000 for p in splits["train"]) / len(splits["train"])
    named = [s.text[a:b] for s in train if s.category == "standard" for a, b, _ in s.spans]
    assert sum(population[name] >= 10_000 for name in named) / len(named) > 2 * towns_in_gazetteer
    assert len(set(named)) > 0.7 * len(named)  # villages still come up: few names repeat


def test_texted_requests_are_lowercase_with_sms_spellings(train):
    lowercase = [s for s in train if s.category == "lowercase"]
    assert sum(s.text == s.text.lower() for s in lowercase) > 0.6 * len(lowercase)
    sms = re.compile(r"\b(jveux|jvoudrais|jsuis|chui|jpars|jvais|pr|stp|svp|slt|bsr|cc|ya|px|mtn|dmain|c)\b")
    assert sum(bool(sms.search(s.text)) for s in lowercase) > 0.25 * len(lowercase)
    between = [s.text[s.spans[0][1] : s.spans[1][0]] for s in lowercase]
    assert between.count(" ") > 0.05 * len(lowercase)  # "lyon annecy": nothing but a space between the places


def test_some_requests_typed_without_accents_in_every_category(train):
    """"de Lyon a Nimes": "à" typed "a" outside the texted lowercase category too, and the label still there."""
    for category in ("standard", "inverted", "via", "typo", "compound", "not_trip"):
        sentences = [s for s in train if s.category == category]
        plain = [s for s in sentences if re.search(r"\ba\b", s.text) and s.text == strip_accents(s.text)]
        assert 0.03 * len(sentences) < len(plain) < 0.3 * len(sentences), category
        assert all(bool(s.spans) == (category != "not_trip") for s in plain)


def test_arrival_first_requests_use_two_clauses(train):
    inverted = [s for s in train if s.category == "inverted"]
    assert all(s.spans[0][2] == "ARR" for s in inverted)
    clause = re.compile(r"[,;.:!] (je|on|départ|au départ|en partant|depuis)\b", re.IGNORECASE)
    assert sum(bool(clause.search(s.text[s.spans[0][1] : s.spans[1][0]])) for s in inverted) > 0.2 * len(inverted)


def test_people_named_like_an_end_of_the_trip(train):
    """"Nancy prend le train de Laval à Nancy": the person is no span, the city is."""
    namesakes = 0
    for s in train:
        if s.category == "name_ambiguity" and s.spans:
            names = {s.text[a:b] for a, b, _ in s.spans}
            outside = s.text
            for a, b, _ in reversed(s.spans):
                outside = outside[:a] + outside[b:]
            namesakes += any(re.search(rf"\b{re.escape(n)}\b", outside) for n in names)
    assert namesakes > 20


def test_communes_named_like_words_appear_as_the_word_and_as_places(train):
    """"Mes valises sont lourdes. Un billet de Metz à Lourdes": the word is no span, the commune is."""
    assert set(HOMONYM_CLAUSES) == set(WORD_NAMES)
    clauses = {clause: name for name, options in HOMONYM_CLAUSES.items() for clause in options}
    assert all(re.search(rf"\b{name}\b", clause, re.IGNORECASE) for clause, name in clauses.items())
    with_word = word_as_end = 0
    for s in train:
        for clause, name in clauses.items():
            start = s.text.find(clause)
            if start >= 0:
                with_word += 1
                assert all(b <= start or a >= start + len(clause) for a, b, _ in s.spans), s
                word_as_end += any(s.text[a:b] == name for a, b, _ in s.spans)
    assert with_word > 20 and word_as_end > 3


def test_foreign_requests_in_several_languages_are_never_trips(train):
    foreign = [s for s in train if s.category == "foreign"]
    assert not any(s.spans for s in foreign)
    markers = {"es": " a ", "it": " da ", "pt": " para ", "de": " nach ", "nl": " naar ", "en": " from "}
    for marker in markers.values():
        assert any(marker in s.text for s in foreign), marker
    assert any(s.text.startswith("¿") for s in foreign)


CODE_SLOTS = (*MENTION_SLOTS, *NUMBER_SLOTS, *SENTENCE_SLOTS)


def weights(value: Any) -> Iterator[Any]:
    """Every weight of a data file as written: ``[text, weight]`` options and numbers of weight tables."""
    if isinstance(value, list):
        yield from (option[1] for option in value if isinstance(option, list))
    elif isinstance(value, dict):
        for item in value.values():
            yield from weights(item)
    elif isinstance(value, (int, float)):
        yield value


def test_every_data_file_loads_and_every_weight_is_positive():
    names = sorted(entry.name for entry in DATA.iterdir() if entry.name.endswith(".json"))
    tables = load_tables(CODE_SLOTS, MENTION_SLOTS)
    found = []
    for name in names:
        content = json.loads((DATA / name).read_text(encoding="utf-8"))
        assert set(content) - {"why"} <= set(tables), name
        found += weights(content)
    assert len(names) >= 7 and len(found) > 30
    assert all(isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0 for w in found)


def test_a_weight_draws_an_option_as_if_it_were_listed_that_many_times(tmp_path):
    table = {"why": "a note", "TEXT_SLOTS": {"A": [["x", 3], "y"]}, "F": {"why": "a note", "options": ["{A} {DEP:de}"]}}
    (tmp_path / "t.json").write_text(json.dumps(table))
    tables = load_tables(CODE_SLOTS, MENTION_SLOTS, tmp_path)
    assert tables == {"TEXT_SLOTS": {"A": ("x", "x", "x", "y")}, "F": ("{A} {DEP:de}",)}


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(content: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            content = content[key]
        content[last] = value

    return edit


@pytest.mark.parametrize(
    "file, edit, error",
    [("slots.json", _set(("TEXT_SLOTS", "HELLO", "options", 0), ["", -8]), r"slots\.json: TEXT_SLOTS\.HELLO\[0\]"),
     ("slots.json", _set(("TEXT_SLOTS", "OPEN", 0), ["Je veux", 1.5]), r"slots\.json: TEXT_SLOTS\.OPEN\[0\]"),
     ("categories.json", _set(("CATEGORY_WEIGHTS", "typo"), -0.06), r"categories\.json: CATEGORY_WEIGHTS\.typo"),
     ("trips.json", _set(("FORWARD_CORES", "options", 2), "{DEP:de} {ARRIVAL:à}"),
      r"trips\.json: FORWARD_CORES\[2\]: unknown slot \{ARRIVAL\}"),
     ("trips.json", _set(("TICKET_FRAMES", "options", 3), "{DATE:à} {DEP}{SEP}{ARR}"),
      r"trips\.json: TICKET_FRAMES\[3\]: \{DATE:à\}"),
     ("names.json", _set(("PERSON_TITLES", "options", 1), "Mon pote"),
      r"names\.json: PERSON_TITLES\[1\]: 'Mon pote' listed twice")],
)  # fmt: skip
def test_a_bad_data_file_is_refused_naming_the_file_and_the_entry(tmp_path, file, edit, error):
    for entry in DATA.iterdir():
        (tmp_path / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    content = json.loads((tmp_path / file).read_text(encoding="utf-8"))
    edit(content)
    (tmp_path / file).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_tables(CODE_SLOTS, MENTION_SLOTS, tmp_path)


def test_no_full_stop_after_a_name_ending_in_one_letter(tokenizer_nlp):
    """ "Plouezoc'h." is read as "Plouezoc'" | "h.": the dot goes, at the end of a sentence too."""
    for template in ("Je suis {DEP:à}.", "Je suis {DEP:à}. Je vais {ARR:à}."):
        pieces = render(template, {"DEP": ("Plouezoc'h", "DEP"), "ARR": ("Brest", "ARR")})
        doc = to_doc(tokenizer_nlp, to_annotated(pieces, "standard"))
        assert [ent.text for ent in doc.ents][0] == "Plouezoc'h"
