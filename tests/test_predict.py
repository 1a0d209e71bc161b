import io
import subprocess
import sys

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span
from typer.testing import CliRunner

from travel_ner.__main__ import app
from travel_ner.annotations import TOKENIZER_CONFIG
from travel_ner.predict import INVALID, Trip, TripFilter, extract_trip, predict_file, read_lines, trip_filter

MARKERS = {"de": "DEP", "depuis": "DEP", "à": "ARR", "vers": "ARR"}


@Language.component("toy_trip_tagger")
def toy_trip_tagger(doc):
    """A rule stand-in for the trained NER: the capitalised word after de/à is DEP/ARR."""
    doc.ents = [
        Span(doc, i + 1, i + 2, MARKERS[tok.lower_])
        for i, tok in enumerate(doc[:-1])
        if tok.lower_ in MARKERS and doc[i + 1].is_title
    ]
    return doc


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    nlp.add_pipe("toy_trip_tagger")
    return nlp


@pytest.fixture(scope="module")
def model_dir(nlp, tmp_path_factory):
    path = tmp_path_factory.mktemp("model")
    nlp.to_disk(path)
    return path


@pytest.mark.parametrize(
    "text, trip",
    [
        ("Je veux aller de Marseille à Paris", Trip("Marseille", "Paris")),
        ("Je veux aller à Paris", None),
        ("de Lyon de Nice à Paris", None),
        ("de Paris à Paris", None),
        ("Bonjour", None),
    ],
)
def test_extract_trip_needs_one_distinct_departure_and_arrival(nlp, text, trip):
    assert extract_trip(nlp(text)) == trip


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Je veux aller de Marseille à Paris", ["Marseille", "Paris"]),
        ("Je veux aller à Paris", []),
        ("de Lyon de Nice à Paris", []),
        ("de Paris à Paris", []),
    ],
)
def test_trip_filter_keeps_entities_only_when_they_make_one_trip(nlp, text, kept):
    doc = trip_filter(nlp(text))
    assert [ent.text for ent in doc.ents] == kept
    assert all(token.ent_iob_ in "BIO" and token.ent_iob_ for token in doc)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("de Vannes, non, de Lorient à Quimper", ["Lorient", "Quimper"]),
        ("de Niort à Poitiers puis à Limoges", ["Niort", "Limoges"]),
        ("Je veux aller à Paris", []),
        ("de Paris à Paris", []),
    ],
)
def test_trip_filter_resolving_to_the_last_of_each_label(nlp, text, kept):
    doc = TripFilter("last")(nlp(text))
    assert [ent.text for ent in doc.ents] == kept


def test_trip_filter_refuses_an_unknown_resolve_mode():
    pipeline = spacy.blank("fr")
    with pytest.raises(ValueError, match=r"\[components.trip_filter\] resolve = 'first'; allowed: strict, last"):
        pipeline.add_pipe("trip_filter", config={"resolve": "first"})


def test_trip_filter_is_found_by_name_through_its_entry_point():
    """A saved pipeline names the component; spaCy must find it without importing travel_ner first."""
    code = "import spacy; nlp = spacy.blank('fr'); nlp.add_pipe('trip_filter'); print(nlp.pipe_names)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['trip_filter']"


def test_read_lines_flags_each_bad_line():
    raw = b"\xef\xbb\xbf1,de Paris \xe0 Lyon\n\n2,\n3 sans virgule\n4,de Lille, puis Metz\n"
    lines = list(read_lines(raw))
    assert [(l.line_no, l.id, l.sentence) for l in lines] == [
        (1, "1", "de Paris \ufffd Lyon"),
        (2, "", ""),
        (3, "2", ""),
        (4, "", "3 sans virgule"),
        (5, "4", "de Lille, puis Metz"),
    ]
    assert "not UTF-8 at byte 15 of the line" in lines[0].problem
    assert lines[1].problem.startswith("empty line")
    assert lines[2].problem == "blank sentence"
    assert lines[3].problem.startswith("no comma")
    assert lines[4].problem == ""


def test_predict_file_answers_every_line_with_an_id(nlp, tmp_path):
    long_sentence = "de Brest à Nantes " + "blabla " * 1500
    source = tmp_path / "in.csv"
    source.write_bytes(
        "1,Je pars de Brest à Nantes\n2,Il fait beau\n\n3,\n4,\xff\xfe\n5,".encode("utf-8").replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe")
        + long_sentence.encode()
        + b"\n"
    )
    log = io.StringIO()
    out = tmp_path / "out.csv"
    assert predict_file(nlp, source, out, log=log) == 5
    assert out.read_text().splitlines() == ["1,Brest,Nantes", "2,INVALID", "3,INVALID", "4,INVALID", "5,Brest,Nantes"]
    assert len(long_sentence) > 10_000
    messages = log.getvalue()
    assert f"{source}:3: empty line" in messages and f"{source}:4: blank sentence" in messages
    assert f"{source}:5: bytes that are not UTF-8" in messages


def test_cli_single_sentence(model_dir):
    result = CliRunner().invoke(app, ["predict", str(model_dir), "Je veux aller de Marseille à Paris"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["departure: Marseille", "arrival: Paris"]
    result = CliRunner().invoke(app, ["predict", str(model_dir), "Quel temps fait-il ?"])
    assert result.output.strip() == INVALID


def test_cli_file(model_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("7,depuis Lille vers Rouen\n8,rien\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["predict", str(model_dir), "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == "7,Lille,Rouen\n8,INVALID\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["SENTENCE", "--input", "IN"], "either a SENTENCE or --input FILE"),
        (["--input", "missing.csv"], "missing.csv does not exist"),
    ],
)
def test_cli_bad_arguments(model_dir, tmp_path, args, message):
    source = tmp_path / "in.csv"
    source.write_text("1,x\n")
    args = [str(source) if a == "IN" else a for a in args]
    result = CliRunner().invoke(app, ["predict", str(model_dir), *args])
    assert result.exit_code != 0 and message in result.output


def test_cli_refuses_a_folder_that_is_no_model(tmp_path):
    result = CliRunner().invoke(app, ["predict", str(tmp_path), "de Paris à Lyon"])
    assert result.exit_code != 0 and "is not a trained pipeline" in result.output


def test_cli_evaluate_scores_own_annotated_sentences(model_dir, tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text(
        "## standard\nde [Brest](DEP) à [Nantes](ARR)\n## no_markers\nBillet [Brest](DEP) [Nantes](ARR)\n"
        "## not_trip\nIl pleut à Nice\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["evaluate", str(model_dir), str(mine)])
    assert result.exit_code == 0, result.output
    assert "sentence accuracy: 0.667" in result.output
    assert "no_markers        0.000  (n=1)" in result.output and "not_trip          1.000  (n=1)" in result.output


def test_cli_evaluate_reports_bad_annotations(model_dir, tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("de [Brest](DEPART) à [Nantes](ARR)\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(model_dir), str(mine)])
    assert result.exit_code == 1 and f"{mine}:1: unknown label 'DEPART'" in result.output
