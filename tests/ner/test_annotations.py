import pytest

from travel_ner.ner.annotations import (
    Annotated,
    AnnotationError,
    check_no_leakage,
    label_counts,
    parse_markup,
    read_annotated,
    to_doc,
)


def write(tmp_path, content, name="sentences.txt"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_markup_gives_offsets_of_the_names():
    text, spans = parse_markup("Je veux aller de [Marseille](DEP) à [Paris](ARR).")
    assert text == "Je veux aller de Marseille à Paris."
    assert [(text[s:e], label) for s, e, label in spans] == [("Marseille", "DEP"), ("Paris", "ARR")]


def test_file_categories_comments_and_escapes(tmp_path):
    path = write(
        tmp_path,
        "# a comment\n\n## inverted\nÀ [Lyon](ARR) depuis [Nantes](DEP)\n## not_trip\n\\# pas un commentaire\n",
    )
    sentences = read_annotated(path)
    assert [(s.text, s.category, s.is_trip) for s in sentences] == [
        ("À Lyon depuis Nantes", "inverted", True),
        ("# pas un commentaire", "not_trip", False),
    ]
    assert sentences[0].source == f"{path}:4"


@pytest.mark.parametrize(
    "line, message",
    [
        ("de [Paris](FOO) à [Lyon](ARR)", "unknown label 'FOO'"),
        ("de [Paris(DEP) à [Lyon](ARR)", "malformed or nested markup"),
        ("de [[Paris](DEP) Nord](ARR)", "malformed or nested markup"),
        ("de [ Paris](DEP) à [Lyon](ARR)", "starts or ends with a space"),
    ],
)
def test_bad_markup_names_file_line_and_text(tmp_path, line, message):
    path = write(tmp_path, f"## standard\nune bonne [Lille](DEP) [Metz](ARR)\n{line}\n")
    with pytest.raises(AnnotationError, match=message) as err:
        read_annotated(path)
    assert f"{path}:3" in str(err.value)


def test_a_byte_order_mark_is_no_sentence_and_keeps_the_first_header(tmp_path):
    path = write(tmp_path, "\ufeff## inverted\nÀ [Lyon](ARR) depuis [Nantes](DEP)\n")
    assert [(s.text, s.category) for s in read_annotated(path)] == [("À Lyon depuis Nantes", "inverted")]


def test_non_utf8_file_names_the_line(tmp_path):
    path = write(tmp_path, "de [Paris](DEP) vers [Lyon](ARR)\nde [B\xe9ziers](DEP) vers [Agde](ARR)\n".encode("latin-1"))
    with pytest.raises(AnnotationError, match=r":2: not valid UTF-8"):
        read_annotated(path)


def test_span_off_token_boundaries_is_refused(tokenizer_nlp):
    sentence = Annotated("de Parisien à Lyon", ((3, 8, "DEP"), (14, 18, "ARR")), source="f.txt:7")
    with pytest.raises(AnnotationError, match=r"f.txt:7: span 'Paris' \(DEP\) does not fall on token boundaries"):
        to_doc(tokenizer_nlp, sentence)


def test_overlapping_spans_are_refused(tokenizer_nlp):
    sentence = Annotated("de Paris Nord à Lyon", ((3, 13, "DEP"), (9, 13, "ARR")), source="f.txt:2")
    with pytest.raises(AnnotationError, match="overlaps 'Paris Nord'"):
        to_doc(tokenizer_nlp, sentence)


def test_doc_keeps_entities_and_category(tokenizer_nlp):
    text, spans = parse_markup("[Paris](DEP)→[Lyon](ARR) demain")
    doc = to_doc(tokenizer_nlp, Annotated(text, spans, "no_markers", "x:1"))
    assert [(e.text, e.label_) for e in doc.ents] == [("Paris", "DEP"), ("Lyon", "ARR")]
    assert doc.user_data["category"] == "no_markers"
    assert doc.cats == {"TRIP": 1.0, "NO_TRIP": 0.0}


def test_doc_of_a_sentence_with_no_trip_is_classed_no_trip(tokenizer_nlp):
    """What the textcat before trip_filter learns: a sentence naming places but no trip is NO_TRIP."""
    doc = to_doc(tokenizer_nlp, Annotated("le trajet Brest-Quimper est magnifique", (), "opinion", "x:2"))
    assert doc.cats == {"TRIP": 0.0, "NO_TRIP": 1.0}


def test_same_sentence_in_train_and_test_is_refused():
    train = [Annotated("de Paris à Lyon", ((3, 8, "DEP"), (11, 15, "ARR")), source="generated")]
    test = [Annotated("De  paris à LYON", (), source="test.txt:4")]
    with pytest.raises(AnnotationError, match="test.txt:4: .* also in 'train'"):
        check_no_leakage({"train": train, "test": test})
    check_no_leakage({"train": train, "test": [Annotated("de Paris à Nice")]})


def test_label_counts():
    sentences = [Annotated("a", ((0, 1, "DEP"),)), Annotated("b")]
    assert label_counts(sentences) == {"sentences": 2, "DEP": 1, "ARR": 0}
