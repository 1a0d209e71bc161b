import io
import subprocess
import sys

import pytest
import spacy
from typer.testing import CliRunner

from travel_ner.__main__ import app
from travel_ner.ner.annotations import TOKENIZER_CONFIG
from travel_ner.ner import predict
from travel_ner.ner.predict import INVALID, Trip, TripFilter, answer_lines, extract_trip, read_lines, trip_filter

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
    "text, last, order",
    [
        ("de Vannes, non, de Lorient à Quimper", [("Lorient", "DEP"), ("Quimper", "ARR")], [("Lorient", "DEP"), ("Quimper", "ARR")]),
        ("de Niort à Poitiers puis à Limoges", [("Niort", "DEP"), ("Limoges", "ARR")], [("Niort", "DEP"), ("Limoges", "ARR")]),
        ("Je veux aller à Paris", [], []),
        ("de Paris à Paris", [], []),
        # One label for every place found: "order" reads them in travel order.
        ("fin de garde à Remiremont et rdv à Vittel", [], [("Remiremont", "DEP"), ("Vittel", "ARR")]),
        ("à Niort, à Poitiers puis à Limoges", [], [("Niort", "DEP"), ("Limoges", "ARR")]),
        ("de Lyon de Nice", [], [("Lyon", "DEP"), ("Nice", "ARR")]),
        ("à Paris ou à Paris", [], []),
    ],
)
def test_trip_filter_resolving_to_the_last_of_each_label_or_in_order(nlp, text, last, order):
    for mode, kept in (("last", last), ("order", order)):
        doc = TripFilter(mode)(nlp(text))
        assert [(ent.text, ent.label_) for ent in doc.ents] == kept, mode


def with_ents(tokenizer_nlp, text, *ents):
    """``text`` tokenized, with the entities ``(name, label)`` set where the name first occurs."""
    doc = tokenizer_nlp.make_doc(text)
    spans = []
    for name, label in ents:
        start = text.index(name)
        spans.append(doc.char_span(start, start + len(name), label=label))
    doc.ents = spans
    return doc


@pytest.mark.parametrize(
    "text, found, completed",
    [
        # A missing departure is the first known place before or after the lone end, a missing arrival the last.
        ("gueret depuis aubusson cest possible", ("aubusson", "DEP"), [("gueret", "ARR"), ("aubusson", "DEP")]),
        ("uzès samedi en partant d'avignon", ("avignon", "DEP"), [("uzès", "ARR"), ("avignon", "DEP")]),
        ("je pars de épinal pour rambervillers, ah non bruyères", ("épinal", "DEP"), [("épinal", "DEP"), ("bruyères", "ARR")]),
        ("Ussel ce soir au depart de Tulle", ("Ussel", "ARR"), [("Ussel", "ARR"), ("Tulle", "DEP")]),
        # Names whole, as written or without accents and hyphens, stations included.
        ("de saint remy de provence a Avignon", ("Avignon", "ARR"), [("saint remy de provence", "DEP"), ("Avignon", "ARR")]),
        ("de Lyon Part-Dieu vers Grenoble", ("Grenoble", "ARR"), [("Lyon Part-Dieu", "DEP"), ("Grenoble", "ARR")]),
        # No other known place, or only the end's own name again: nothing is invented, the lone end goes.
        ("un billet pour Lyon demain", ("Lyon", "ARR"), []),
        ("de Lyon, oui Lyon", ("Lyon", "DEP"), []),
        ("de Charlevile a Reims", ("Reims", "ARR"), []),
    ],
)
def test_trip_filter_completes_a_lone_end_with_a_known_place(tokenizer_nlp, text, found, completed):
    doc = TripFilter("order", complete=True)(with_ents(tokenizer_nlp, text, found))
    assert sorted((ent.text, ent.label_) for ent in doc.ents) == sorted(completed)
    assert extract_trip(doc) == (Trip(*(dict((l, t) for t, l in completed)[k] for k in ("DEP", "ARR"))) if completed else None)


def test_trip_filter_completes_nothing_unless_asked_and_only_a_lone_end(tokenizer_nlp):
    text = "gueret depuis aubusson cest possible"
    assert TripFilter("order")(with_ents(tokenizer_nlp, text, ("aubusson", "DEP"))).ents == ()
    assert TripFilter("order", complete=True)(with_ents(tokenizer_nlp, text)).ents == ()  # nothing found: no trip
    two = TripFilter("order", complete=True)(with_ents(tokenizer_nlp, "de Brest à Morlaix via Rennes", ("Brest", "DEP"), ("Morlaix", "ARR")))
    assert [ent.text for ent in two.ents] == ["Brest", "Morlaix"]


@pytest.mark.parametrize("score, kept", [(0.49, []), (0.5, ["Sète", "Nîmes"]), (0.9, ["Sète", "Nîmes"])])
def test_trip_filter_clears_a_sentence_the_textcat_scores_below_its_threshold(tokenizer_nlp, score, kept):
    doc = with_ents(tokenizer_nlp, "on prenait le train de Sète à Nîmes", ("Sète", "DEP"), ("Nîmes", "ARR"))
    doc.cats = {"TRIP": score, "NO_TRIP": 1 - score}
    assert [ent.text for ent in TripFilter("order", threshold=0.5)(doc).ents] == kept


def test_trip_filter_with_a_threshold_also_stops_the_completion(tokenizer_nlp):
    doc = with_ents(tokenizer_nlp, "gueret depuis aubusson cest joli", ("aubusson", "DEP"))
    doc.cats = {"TRIP": 0.2, "NO_TRIP": 0.8}
    assert TripFilter("order", complete=True, threshold=0.5)(doc).ents == ()


def test_trip_filter_with_a_threshold_needs_a_textcat_before_it(tokenizer_nlp):
    doc = with_ents(tokenizer_nlp, "de Sète à Nîmes", ("Sète", "DEP"), ("Nîmes", "ARR"))
    with pytest.raises(ValueError, match="trip_filter threshold = 0.5 needs a textcat with the label TRIP before it"):
        TripFilter("order", threshold=0.5)(doc)
    assert [ent.text for ent in TripFilter("order")(doc).ents] == ["Sète", "Nîmes"]  # no threshold: no textcat needed


@pytest.mark.parametrize("threshold", [-0.1, 1.0, 2.0])
def test_trip_filter_refuses_a_threshold_out_of_range(threshold):
    pipeline = spacy.blank("fr")
    with pytest.raises(ValueError, match=rf"\[components.trip_filter\] threshold = {threshold}; allowed: 0 \(no textcat\) to below 1"):
        pipeline.add_pipe("trip_filter", config={"threshold": threshold})


def test_trip_filter_refuses_a_complete_setting_that_is_no_boolean():
    """spaCy checks the factory's annotation: the error names the component, the setting and the value."""
    pipeline = spacy.blank("fr")
    with pytest.raises(ValueError, match=r"trip_filter -> complete\tat root: 'yes' is not <class 'bool'>"):
        pipeline.add_pipe("trip_filter", config={"complete": "yes"})


def test_trip_filter_refuses_an_unknown_resolve_mode():
    pipeline = spacy.blank("fr")
    with pytest.raises(ValueError, match=r"\[components.trip_filter\] resolve = 'first'; allowed: strict, last, order"):
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


def test_answer_lines_answers_every_line_with_an_id(nlp, tmp_path):
    long_sentence = "de Brest à Nantes " + "blabla " * 1500
    source = tmp_path / "in.csv"
    source.write_bytes(
        "1,Je pars de Brest à Nantes\n2,Il fait beau\n\n3,\n4,\xff\xfe\n5,".encode("utf-8").replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe")
        + long_sentence.encode()
        + b"\n"
    )
    log = io.StringIO()
    out = tmp_path / "out.csv"
    assert answer_lines(nlp, source.read_bytes(), str(source), out, log=log) == 5
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


PREDICT = ["predict", "MODEL", "de Paris à Lyon"]
EVALUATE = ["evaluate", "MODEL", "MINE"]
OPTIMIZERS = ["optimizers", "--model", "MODEL"]
MISSING = "{model} is not a trained pipeline (no config.cfg); run the 'train' step first"
BROKEN = "{model} cannot be loaded as a pipeline: [E"


@pytest.mark.parametrize("command, broken, message", [
    (PREDICT, False, MISSING), (EVALUATE, False, MISSING), (OPTIMIZERS, False, MISSING),
    (PREDICT, True, BROKEN), (EVALUATE, True, BROKEN),
])
def test_cli_a_missing_or_broken_model_is_one_line(tmp_path, command, broken, message):
    model = tmp_path / "model"
    if broken:  # a config whose component spaCy does not know, as from another project
        model.mkdir()
        (model / "config.cfg").write_text('[nlp]\nlang = "fr"\npipeline = ["x"]\n\n[components.x]\nfactory = "nope"\n')
    mine = tmp_path / "mine.txt"
    mine.write_text("de [Brest](DEP) à [Nantes](ARR)\n", encoding="utf-8")
    args = [str(model) if a == "MODEL" else str(mine) if a == "MINE" else a for a in command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message.format(model=model))


@pytest.mark.parametrize("text", ["", "## standard\n# a comment\n\n"])
def test_cli_evaluate_refuses_a_file_without_sentences(model_dir, tmp_path, text):
    mine = tmp_path / "mine.txt"
    mine.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(model_dir), str(mine)])
    assert result.exit_code == 1
    assert result.stderr == f"{mine} holds no sentence (only blank, comment or '##' header lines): nothing to score\n"


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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("log, lines, large, bar", [
    (io.StringIO(), 3, 5_000, False),  # a small file in a pipe or log: no bar
    (Terminal(), 3, 5_000, True),
    (io.StringIO(), 3, 3, True),  # a large file: a bar wherever stderr goes
])
def test_progress_bar_on_a_terminal_or_a_large_file(nlp, monkeypatch, capsys, log, lines, large, bar):
    monkeypatch.setattr(predict, "LARGE_INPUT", large)
    raw = "".join(f"{i},de Brest à Nantes\n" for i in range(lines)).encode()
    assert answer_lines(nlp, raw, "in.csv", None, log=log) == lines
    assert ("in.csv: 100%" in log.getvalue() and f"{lines}/{lines}" in log.getvalue()) == bar
    assert capsys.readouterr().out == "".join(f"{i},Brest,Nantes\n" for i in range(lines))


def test_cli_reads_stdin_and_writes_stdout_for_a_dash(model_dir):
    lines = "1,depuis Lille vers Rouen\n2,rien\n"
    for args in (["--input", "-"], ["--input", "-", "--output", "-"]):
        result = CliRunner().invoke(app, ["predict", str(model_dir), *args], input=lines)
        assert result.exit_code == 0, result.output
        assert result.stdout == "1,Lille,Rouen\n2,INVALID\n"
        assert "2 lines answered" in result.stderr


def test_cli_refuses_a_binary_file_and_writes_nothing(model_dir, tmp_path):
    source = tmp_path / "photo.csv"
    source.write_bytes(b"1,de Brest \xc3\xa0 Nantes\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n")
    out = tmp_path / "out.csv"
    for args in (["--input", str(source), "--output", str(out)], ["--input", str(source)], ["--input", "-"]):
        result = CliRunner().invoke(app, ["predict", str(model_dir), *args], input=source.read_bytes())
        name = "<stdin>" if args[1] == "-" else str(source)
        assert result.exit_code == 1
        assert f"Nothing written: {name}:4: a NUL byte (byte 30): this is a binary file" in result.stderr
        assert result.stdout == "" and not out.exists()


def test_cli_refuses_an_output_that_is_the_input(model_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("1,de Brest à Nantes\n")
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    for output in (source, link, tmp_path / "." / "in.csv"):
        result = CliRunner().invoke(app, ["predict", str(model_dir), "--input", str(source), "--output", str(output)])
        assert result.exit_code == 1
        assert f"{output} is the input file {source}: the answers would replace its sentences" in result.stderr
        assert source.read_text() == "1,de Brest à Nantes\n"


def test_cli_n_process_gives_the_same_answers(model_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("".join(f"{i},depuis Lille vers Rouen\n{i}b,rien\n" for i in range(300)))
    answers = {}
    for n in (1, 2):
        out = tmp_path / f"out{n}.csv"
        args = ["predict", str(model_dir), "--input", str(source), "--output", str(out), "--n-process", str(n)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        answers[n] = out.read_text()
    assert answers[1] == answers[2] and answers[1].count("Lille,Rouen") == 300
    result = CliRunner().invoke(app, ["predict", str(model_dir), "--input", str(source), "--n-process", "0"])
    assert result.exit_code == 2 and "--n-process" in result.output


def test_cli_evaluate_scores_author_files_per_author_with_a_resolve_mode(filtered_model_dir, tmp_path):
    authors = tmp_path / "authors"
    authors.mkdir()
    (authors / "a1.txt").write_text("## correction\nde Vannes, non, de [Lorient](DEP) à [Quimper](ARR)\n", encoding="utf-8")
    (authors / "a2.txt").write_text("## request\nde [Brest](DEP) à [Nantes](ARR)\n", encoding="utf-8")
    files = [str(authors / "a1.txt"), str(authors / "a2.txt")]
    for resolve, accuracy, a1 in (("strict", "0.500", "0.000"), ("last", "1.000", "1.000")):
        result = CliRunner().invoke(app, ["evaluate", str(filtered_model_dir), *files, "--resolve", resolve])
        assert result.exit_code == 0, result.output
        assert f"sentence accuracy: {accuracy}" in result.output and f"a1                {a1}  (n=1)" in result.output
    result = CliRunner().invoke(app, ["evaluate", str(filtered_model_dir), *files, "--resolve", "first"])
    assert result.exit_code == 2 and "--resolve 'first'; allowed: strict, last, order" in result.output


def test_cli_evaluate_can_switch_the_textcat_gate(gated_model_dir, filtered_model_dir, tmp_path):
    """The toy classifier scores a "souvenir" no trip: with the gate its two towns are no answer, as annotated."""
    path = tmp_path / "a.txt"
    path.write_text("## story\nun souvenir de Brest à Morlaix\n## request\nde [Brest](DEP) à [Nantes](ARR)\n", encoding="utf-8")
    for extra, accuracy in (([], "1.000"), (["--threshold", "0"], "0.500")):
        result = CliRunner().invoke(app, ["evaluate", str(gated_model_dir), str(path), *extra])
        assert result.exit_code == 0, result.output
        assert f"sentence accuracy: {accuracy}" in result.output, extra
    result = CliRunner().invoke(app, ["evaluate", str(gated_model_dir), str(path), "--threshold", "1.5"])
    assert result.exit_code == 2 and "--threshold 1.5; allowed: 0 (ignore the textcat) to below 1" in result.output
    result = CliRunner().invoke(app, ["evaluate", str(filtered_model_dir), str(path), "--threshold", "0.5"])
    assert result.exit_code == 2 and "--threshold 0.5 needs a textcat with the label TRIP" in result.output


def test_cli_evaluate_can_switch_the_completion_of_a_lone_end(filtered_model_dir, tmp_path):
    """The toy tagger reads only "de Capitalised": the arrival of this bare route comes from completion."""
    path = tmp_path / "a.txt"
    path.write_text("## bare\nbillet de [Brest](DEP) [Morlaix](ARR)\n", encoding="utf-8")
    for flag, accuracy in (("--no-complete", "0.000"), ("--complete", "1.000")):
        result = CliRunner().invoke(app, ["evaluate", str(filtered_model_dir), str(path), flag])
        assert result.exit_code == 0, result.output
        assert f"sentence accuracy: {accuracy}" in result.output, flag


def test_predict_texts_answers_an_empty_text_beside_others_through_a_max_pooling_textcat():
    """spaCy's textcat stops on a batch mixing an empty doc with others (reduce_max of no token): predict skips it."""
    from spacy.training import Example

    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatReduce.v1", "exclusive_classes": True, "use_reduce_first": False,
        "use_reduce_last": False, "use_reduce_max": True, "use_reduce_mean": True,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 8, "depth": 1,
                    "embed_size": 100, "window_size": 1, "maxout_pieces": 2, "subword_features": False},
    }})
    nlp.add_pipe("toy_trip_tagger")
    nlp.add_pipe("trip_filter", config={"threshold": 0.0})
    cats = ({"TRIP": 1.0, "NO_TRIP": 0.0}, {"TRIP": 0.0, "NO_TRIP": 1.0})
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in zip(("de Brest à Nantes", "Il pleut"), cats)])
    texts = ["de Brest à Nantes", "", "Il pleut"]
    with pytest.raises(ValueError, match="all sequence lengths must be > 0"):
        list(nlp.pipe(texts))
    assert list(predict.predict_texts(nlp, texts)) == [Trip("Brest", "Nantes"), None, None]
