import pytest

from travel_ner.ner.annotations import Annotated, parse_markup, to_doc
from travel_ner.ner.scoring import format_table, score_predictions


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


def test_evaluate_refuses_an_empty_set_naming_it(tmp_path, tokenizer_nlp):
    from spacy.tokens import DocBin

    from travel_ner.ner.scoring import evaluate

    tokenizer_nlp.to_disk(tmp_path / "model")
    DocBin().to_disk(tmp_path / "empty.spacy")
    with pytest.raises(ValueError, match=r"empty.spacy holds no sentence"):
        evaluate(tmp_path / "model", {"empty": tmp_path / "empty.spacy"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_evaluate_script_says_in_one_line_which_set_is_missing(root, tmp_path, tokenizer_nlp):
    import subprocess
    import sys

    tokenizer_nlp.to_disk(tmp_path / "model")
    (tmp_path / "corpus").mkdir()
    command = [sys.executable, str(root / "scripts" / "evaluate.py"), str(tmp_path / "model"), str(tmp_path / "corpus"), str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Nothing written:" in result.stderr and "test.spacy not found: run the 'corpus' step first" in result.stderr
    assert not (tmp_path / "out").exists()
