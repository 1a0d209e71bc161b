import pytest

from travel_ner.annotations import Annotated, parse_markup, to_doc
from travel_ner.scoring import format_table, score_predictions


def docs(nlp, lines, category="standard"):
    return [to_doc(nlp, Annotated(*parse_markup(line), category=category)) for line in lines]


def test_sentence_accuracy_by_category_counts_non_trips_right_when_no_pair(tokenizer_nlp):
    gold = docs(tokenizer_nlp, ["de [Paris](DEP) à [Lyon](ARR)", "de [Brest](DEP) à [Nice](ARR)"]) + docs(
        tokenizer_nlp, ["il pleut à Nice", "je suis né à Brest"], "not_trip"
    )
    predicted = docs(tokenizer_nlp, ["de [Paris](DEP) à [Lyon](ARR)", "de [Brest](ARR) à [Nice](ARR)"]) + docs(
        tokenizer_nlp, ["il pleut à Nice", "je suis né à [Brest](ARR)"], "not_trip"
    )
    scores = score_predictions(predicted, gold)
    assert scores["sentence_accuracy"] == 0.75
    assert scores["by_category"] == {"not_trip": {"n": 2, "accuracy": 1.0}, "standard": {"n": 2, "accuracy": 0.5}}
    assert scores["ents_per_type"]["DEP"] == pytest.approx({"p": 1.0, "r": 0.5, "f": 2 / 3})
    assert scores["ents_per_type"]["ARR"]["p"] == pytest.approx(0.5)
    table = format_table("test", scores)
    assert "sentence accuracy: 0.750" in table and "standard" in table
