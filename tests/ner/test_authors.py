import json

import pytest

from travel_ner.ner.annotations import Annotated, AnnotationError, parse_markup, read_annotated, to_doc
from travel_ner.ner.authors import (
    disagreements,
    duplicate_key,
    markup,
    raw_text,
    read_authors,
    read_splits,
)
from travel_ner.ner.corpus import build_corpus
from travel_ner.ner.scoring import score_predictions


def author_folder(tmp_path, files, splits):
    folder = tmp_path / "authors"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / f"{name}.txt").write_text(content, encoding="utf-8")
    (folder / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    return folder


def project_assets(tmp_path, files):
    """An assets/ folder: two one-sentence hand-written files and ``files`` as authors split by ``SPLITS``."""
    assets = tmp_path / "assets"
    (assets / "handwritten").mkdir(parents=True)
    for name in ("dev", "test"):
        (assets / "handwritten" / f"{name}.txt").write_text(f"## standard\nDe [Metz](DEP) à [Nancy](ARR) {name}.\n")
    author_folder(assets, files, SPLITS)
    return assets


FILES = {
    "a1": "# Brief: lycéenne\n## request texting\nslt un train de [brest](DEP) a [morlaix](ARR) stp\n## not_request\nil pleut a brest\n",
    "a2": "# Brief: retraité\n## entre\nDes cars entre [Vierzon](DEP) et [Bourges](ARR) ?\n",
    "a3": "# Brief: cadre\n## correction\nDe Vannes, non, de [Lorient](DEP) à [Quimper](ARR).\n",
}
SPLITS = {"train": ["a1"], "dev": ["a2"], "test": ["a3"]}


def test_authors_are_read_by_split_with_tags_and_author(tmp_path):
    by_split = read_authors(author_folder(tmp_path, FILES, SPLITS))
    assert [len(by_split[name]) for name in ("train", "dev", "test")] == [2, 1, 1]
    first = by_split["train"][0]
    assert (first.author, first.category, first.tags) == ("a1", "request", ("request", "texting"))
    assert by_split["train"][1].tags == ("not_request",) and not by_split["train"][1].is_trip


@pytest.mark.parametrize(
    "files, splits, message",
    [
        ({**FILES, "a4": "## request\nx\n"}, SPLITS, "a4 are in no split"),
        (FILES, {**SPLITS, "test": ["a3", "a5"]}, "lists author.* with no file: a5"),
        (FILES, {**SPLITS, "dev": ["a2", "a1"]}, "'a1' is in both 'train' and 'dev'"),
        (FILES, {"train": ["a1", "a2", "a3"]}, "exactly the keys train, dev, test"),
        ({**FILES, "a2": "## request\nSlt, un train de [Brest](DEP) à [Morlaix](ARR) stp"}, SPLITS, "a1.txt:3"),
        ({**FILES, "a2": "## weird\nbonjour\n"}, SPLITS, r"a2.txt:1: unknown tag\(s\) weird"),
        ({**FILES, "a2": "# only a brief\n"}, SPLITS, "a2.txt: no sentence"),
        ({**FILES, "a3": "## correction\nde [Lorient](DEP) à [Quimper](ARR) et [Brest](ARR)\n"}, SPLITS, "exactly one DEP and one ARR"),
    ],
)
def test_bad_author_folders_are_refused_naming_the_problem(tmp_path, files, splits, message):
    with pytest.raises(AnnotationError, match=message):
        read_authors(author_folder(tmp_path, files, splits))


def test_near_duplicates_across_authors_name_both_files(tmp_path):
    files = {**FILES, "a3": "## request texting\nSLT : un train de Brest à Morlaix, stp !\n"}
    with pytest.raises(AnnotationError, match=r"a3.txt:2: .* same sentence as .* \(.*a1.txt:3\)"):
        read_authors(author_folder(tmp_path, files, SPLITS))


def test_duplicate_key_ignores_case_accents_punctuation_and_spaces():
    assert duplicate_key("Un  billet pour Nîmes, s'il vous plaît !") == duplicate_key("un billet pour nimes s il vous plait")
    assert duplicate_key("de Lyon à Nice") != duplicate_key("de Lyon à Nîmes")


def test_bad_splits_file_names_the_line(tmp_path):
    path = tmp_path / "splits.json"
    path.write_text('{"train": ["a1"],\n "dev": [}', encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"splits.json:2: not valid JSON"):
        read_splits(path)
    with pytest.raises(AnnotationError, match="not found"):
        read_splits(tmp_path / "missing.json")


def test_a_bad_author_file_writes_no_corpus(tmp_path):
    assets = project_assets(tmp_path, {**FILES, "a2": "## entre\nentre [Vierzon(DEP) et Bourges\n"})
    with pytest.raises(AnnotationError, match="a2.txt:2: malformed"):
        build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5)
    assert not (tmp_path / "corpus").exists()


def test_corpus_holds_train_authors_in_train_and_held_out_authors_apart(tmp_path, tokenizer_nlp):
    from spacy.tokens import DocBin

    assets = project_assets(tmp_path, FILES)
    counts = build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5, author_weight=3)
    assert counts["train"]["sentences"] == 20 + 3 * 2
    assert counts["authors_dev"]["sentences"] == 1 and counts["authors_test"]["sentences"] == 1
    test_docs = list(DocBin().from_disk(tmp_path / "corpus" / "authors_test.spacy").get_docs(tokenizer_nlp.vocab))
    assert test_docs[0].user_data["author"] == "a3" and tuple(test_docs[0].user_data["tags"]) == ("correction",)
    train_docs = list(DocBin().from_disk(tmp_path / "corpus" / "train.spacy").get_docs(tokenizer_nlp.vocab))
    assert all(doc.user_data == {} for doc in train_docs)  # training reads no metadata (see to_docbin)
    train_texts = {doc.text for doc in train_docs}
    assert "slt un train de brest a morlaix stp" in train_texts
    assert not {"Des cars entre Vierzon et Bourges ?", "De Vannes, non, de Lorient à Quimper."} & train_texts


def test_train_authors_trips_are_also_told_about_other_places_in_train_only(tmp_path):
    assets = project_assets(tmp_path, FILES)
    plain = build_corpus(assets, tmp_path / "plain", n_train=20, n_eval=5, author_weight=1)
    counts = build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5, author_weight=1, author_swaps=2)
    # a1's one trip (brest → morlaix) twice more with other places; its non-trip and the held-out authors not
    assert counts["train"]["sentences"] == plain["train"]["sentences"] + 2
    assert {name: c for name, c in counts.items() if name != "train"} == {
        name: c for name, c in plain.items() if name != "train"
    }


def test_second_annotation_round_trip_and_disagreements(tmp_path):
    folder = author_folder(tmp_path, FILES, SPLITS)
    first = read_annotated(folder / "a1.txt")
    assert [markup(s) for s in first] == ["slt un train de [brest](DEP) a [morlaix](ARR) stp", "il pleut a brest"]
    second_path = tmp_path / "second.txt"
    second_path.write_text(raw_text(first).replace("a morlaix", "a [morlaix](ARR)").replace("de brest", "de [brest](DEP)"))
    assert disagreements(first, read_annotated(second_path)) == []
    second_path.write_text("slt un train de brest a morlaix stp\nil pleut a brest\n")
    (found,) = disagreements(first, read_annotated(second_path))
    assert found.first == "slt un train de [brest](DEP) a [morlaix](ARR) stp" and found.second == found.text
    second_path.write_text("slt un train de brest a morlaix\nil pleut a brest\n")
    with pytest.raises(AnnotationError, match="other texts"):
        disagreements(first, read_annotated(second_path))


def test_scores_by_tag_and_author(tokenizer_nlp):
    def doc(line, tags, author):
        text, spans = parse_markup(line)
        return to_doc(tokenizer_nlp, Annotated(text, spans, tags[0], "", tags, author))

    gold = [doc("de [Brest](DEP) à [Nice](ARR)", ("request", "texting"), "a1"), doc("il pleut", ("not_request",), "a2")]
    predicted = [doc("de [Brest](ARR) à [Nice](DEP)", ("request",), "a1"), doc("il pleut", ("not_request",), "a2")]
    scores = score_predictions(predicted, gold)
    assert scores["by_tag"] == {
        "not_request": {"n": 1, "accuracy": 1.0},
        "request": {"n": 1, "accuracy": 0.0},
        "texting": {"n": 1, "accuracy": 0.0},
    }
    assert scores["by_author"]["a1"]["accuracy"] == 0.0 and scores["author_macro_accuracy"] == 0.5


def test_a_sentence_in_both_handwritten_files_is_refused(tmp_path):
    assets = tmp_path / "assets"
    (assets / "handwritten").mkdir(parents=True)
    for name in ("dev", "test"):
        (assets / "handwritten" / f"{name}.txt").write_text("## standard\nDe [Metz](DEP) à [Nancy](ARR).\n")
    author_folder(assets, FILES, SPLITS)
    with pytest.raises(AnnotationError, match=r"test.txt:2: .* same sentence as .*dev.txt:2"):
        build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5)
    assert not (tmp_path / "corpus").exists()


def test_a_hand_written_file_without_sentences_is_refused(tmp_path):
    assets = tmp_path / "assets"
    (assets / "handwritten").mkdir(parents=True)
    (assets / "handwritten" / "dev.txt").write_text("## standard\nDe [Metz](DEP) à [Nancy](ARR).\n")
    (assets / "handwritten" / "test.txt").write_text("# only a comment\n## standard\n")
    author_folder(assets, FILES, SPLITS)
    with pytest.raises(AnnotationError, match=r"test.txt: no sentence"):
        build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5)
    assert not (tmp_path / "corpus").exists()


def test_an_author_sentence_also_in_a_hand_written_file_is_refused(tmp_path):
    assets = tmp_path / "assets"
    (assets / "handwritten").mkdir(parents=True)
    (assets / "handwritten" / "dev.txt").write_text("## standard\nDes cars entre [Vierzon](DEP) et [Bourges](ARR) ?\n")
    (assets / "handwritten" / "test.txt").write_text("## standard\nDe [Metz](DEP) à [Nancy](ARR).\n")
    author_folder(assets, FILES, SPLITS)
    with pytest.raises(AnnotationError, match=r"a2.txt:3: .* same sentence as .*dev.txt:2"):
        build_corpus(assets, tmp_path / "corpus", n_train=20, n_eval=5)
    assert not (tmp_path / "corpus").exists()
