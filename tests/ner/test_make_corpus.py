"""scripts/make_corpus.py refuses bad settings and missing sources with one clear line, before any work."""

import importlib.util

import pytest
import typer
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def make_corpus(root) -> typer.Typer:
    spec = importlib.util.spec_from_file_location("make_corpus", root / "scripts" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = typer.Typer()
    app.command()(module.main)
    return app


@pytest.fixture
def assets(tmp_path):
    """An assets folder whose files are never read: every case stops before."""
    (tmp_path / "assets" / "handwritten").mkdir(parents=True)
    for name in ("dev.txt", "test.txt"):
        (tmp_path / "assets" / "handwritten" / name).write_text("de [Brest](DEP) à [Nantes](ARR)\n")
    (tmp_path / "assets" / "authors").mkdir()
    return tmp_path / "assets"


def run(app: typer.Typer, *args: object):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_a_missing_handwritten_folder_is_one_line(make_corpus, assets, tmp_path):
    for path in sorted((assets / "handwritten").iterdir()):
        path.unlink()
    (assets / "handwritten").rmdir()
    result = run(make_corpus, assets, tmp_path / "corpus")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Nothing written: {assets}/handwritten/dev.txt, {assets}/handwritten/test.txt not found; the corpus is "
        f"built from handwritten/dev.txt, handwritten/test.txt, authors in {assets} (see assets/README.md)"
    ]
    assert not (tmp_path / "corpus").exists()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_another_language_is_refused_saying_the_project_is_french(make_corpus, assets, tmp_path, lang):
    result = run(make_corpus, assets, tmp_path / "corpus", "--lang", lang)
    assert result.exit_code == 2
    message = " ".join(result.output.replace("│", " ").split())
    assert f"Invalid value for --lang: '{lang}': this project is French" in message and "allowed: fr" in message
    assert not (tmp_path / "corpus").exists()


@pytest.mark.parametrize("option", ["--n-train", "--n-eval", "--author-weight", "--author-swaps"])
def test_a_negative_count_is_refused(make_corpus, assets, tmp_path, option):
    result = run(make_corpus, assets, tmp_path / "corpus", option, -5)
    assert result.exit_code == 2
    assert f"{option} is -5; it must be 0 or more" in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "corpus").exists()
