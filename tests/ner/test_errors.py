import pytest

from travel_ner.ner.annotations import Annotated, parse_markup, to_doc
from travel_ner.ner.errors import Mistake, format_mistakes, kind_of, most_frequent


def doc(nlp, line):
    return to_doc(nlp, Annotated(*parse_markup(line)))


@pytest.mark.parametrize(
    "gold, raw, kind",
    [
        ("il pleut à Agen et à Pau", "il pleut à [Agen](DEP) et à [Pau](ARR)", "trip found in a non-request"),
        ("de [Agen](DEP) à [Pau](ARR)", "de Agen à Pau", "nothing found"),
        ("de [Agen](DEP) à [Pau](ARR)", "de Agen à [Pau](ARR)", "one end only"),
        ("de [Agen](DEP) à [Pau](ARR) via Tarbes", "de [Agen](DEP) à [Pau](ARR) via [Tarbes](ARR)", "more than one departure or arrival"),
        ("de [Agen](DEP) à [Pau](ARR)", "de [Agen](ARR) à [Pau](DEP)", "departure and arrival swapped"),
        ("de [Agen](DEP) à [Pau](ARR) demain", "de [Agen](DEP) à [Pau demain](ARR)", "span boundary"),
        ("de [Agen](DEP) à [Pau](ARR) via Tarbes", "de [Agen](DEP) à Pau via [Tarbes](ARR)", "another place taken for an end"),
    ],
)
def test_each_wrong_answer_gets_its_kind(tokenizer_nlp, gold, raw, kind):
    assert kind_of(doc(tokenizer_nlp, gold), doc(tokenizer_nlp, raw), answer_is_right=False) == kind


def test_a_trip_the_textcat_scored_below_the_threshold_is_its_own_kind(tokenizer_nlp):
    gold = doc(tokenizer_nlp, "de [Agen](DEP) à [Pau](ARR)")
    raw = doc(tokenizer_nlp, "de [Agen](DEP) à [Pau](ARR)")
    raw.cats = {"TRIP": 0.2, "NO_TRIP": 0.8}
    assert kind_of(gold, raw, answer_is_right=False, threshold=0.5) == "trip taken for a non-request by the textcat"
    assert kind_of(gold, raw, answer_is_right=False, threshold=0.1) == "another place taken for an end"


def test_right_answers_have_no_kind(tokenizer_nlp):
    gold = doc(tokenizer_nlp, "de [Agen](DEP) à [Pau](ARR)")
    assert kind_of(gold, gold, answer_is_right=True) is None


def test_most_frequent_kinds_count_each_tag_and_keep_a_first_example():
    mistakes = [
        Mistake("nothing found", ("entre", "texting"), "entre agen et pau", "agen (DEP), pau (ARR)", "nothing"),
        Mistake("nothing found", ("entre",), "entre Agen et Pau", "Agen (DEP), Pau (ARR)", "nothing"),
        Mistake("one end only", ("request",), "de Agen à Pau", "Agen (DEP), Pau (ARR)", "Pau (ARR)"),
    ]
    top = most_frequent(mistakes, 2)
    assert [(key, count) for key, count, _ in top] == [(("nothing found", "entre"), 2), (("nothing found", "texting"), 1)]
    assert top[0][2].text == "entre agen et pau"
    table = format_mistakes(mistakes, 10)
    assert table.startswith("3 wrong answers out of 10 sentences: nothing found 2, one end only 1")
