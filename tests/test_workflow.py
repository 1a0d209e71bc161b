"""End to end: ``spacy project run all`` with a small budget, then predict on the trained model."""

import json
import shutil
import subprocess
import sys

import pytest

from travel_ner.ner.corpus import SPLITS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(root, tmp_path_factory):
    """A copy of the project (so the user's corpus/ and training/ stay untouched) after a short ``all``."""
    path = tmp_path_factory.mktemp("project")
    for name in ("project.yml", "configs", "assets", "scripts", "travel_ner"):
        copy = shutil.copytree if (root / name).is_dir() else shutil.copy
        copy(root / name, path / name)
    command = [sys.executable, "-m", "spacy", "project", "run", "all", str(path)]
    small = {"max_steps": 30, "eval_frequency": 15, "n_train": 300, "n_eval": 40}
    for name, value in small.items():
        command += [f"--vars.{name}", str(value)]
    subprocess.run(command, check=True, cwd=path)
    return path


def test_all_writes_model_with_dep_and_arr_and_metrics(project):
    meta = json.loads((project / "training" / "model-best" / "meta.json").read_text())
    assert sorted(meta["labels"]["ner"]) == ["ARR", "DEP"]
    metrics = json.loads((project / "training" / "metrics.json").read_text())
    assert set(metrics) == {"test", "handwritten_test", "authors_dev", "authors_test"}
    assert metrics["authors_test"]["by_author"] and "not_request" in metrics["authors_test"]["by_tag"]
    assert (project / "training" / "authors_dev_mistakes.md").read_text().startswith("# Mistakes on authors_dev")
    for scores in metrics.values():
        assert 0.0 <= scores["sentence_accuracy"] <= 1.0 and set(scores["ents_per_type"]) <= {"DEP", "ARR"}
    assert "not_trip" in metrics["handwritten_test"]["by_category"]
    assert (project / "training" / "handwritten_test_predictions.html").read_text().startswith("<!DOCTYPE html>")


def test_corpus_is_deterministic_and_rerun_is_skipped(project):
    before = {p.name: p.read_bytes() for p in (project / "corpus").glob("*.spacy")}
    assert set(before) == {f"{name}.spacy" for name in SPLITS}
    shutil.rmtree(project / "corpus")
    command = [sys.executable, "-m", "spacy", "project", "run", "corpus", str(project)]
    subprocess.run(command + ["--vars.n_train", "300", "--vars.n_eval", "40"], check=True)
    assert {p.name: p.read_bytes() for p in (project / "corpus").glob("*.spacy")} == before
    rerun = subprocess.run(command + ["--vars.n_train", "300", "--vars.n_eval", "40"], capture_output=True, text=True)
    assert "Skipping 'corpus': nothing changed" in rerun.stdout


def test_predict_cli_on_the_trained_model(project, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("1,Je veux aller de Marseille à Paris\n\n2,\n")
    result = subprocess.run(
        [sys.executable, "-m", "travel_ner", "predict", str(project / "training" / "model-best"), "--input", str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1,") and lines[1] == "2,INVALID"
    assert ":2: empty line" in result.stderr


def test_predict_cli_reads_stdin_and_answers_alike_in_two_processes(project):
    lines = "".join(f"{i},Je veux aller de Marseille à Paris\n{i}b,Il pleut à Nantes\n" for i in range(300))
    model = str(project / "training" / "model-best")
    answers = [
        subprocess.run(
            [sys.executable, "-m", "travel_ner", "predict", model, "--input", "-", "--n-process", n],
            input=lines, capture_output=True, text=True, check=True,
        ).stdout
        for n in ("1", "2")
    ]
    assert answers[0] == answers[1] and len(answers[0].splitlines()) == 600
