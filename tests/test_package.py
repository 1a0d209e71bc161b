"""The pipeline package and the project package install and work in a fresh venv, away from the checkout.

One module fixture builds the ``package`` command's artifacts from a tiny pipeline (the
project tokenizer, an ``entity_ruler`` for DEP/ARR and ``trip_filter``) and a fresh venv.
The venv sees the already-installed dependencies offline through a ``.pth`` file naming
a folder of links to this interpreter's site-packages, less every trace of travel_ner
(its editable finder, its dist-info), so travel_ner can only come from what the test
installs: a wheel built, non-editable, from a copy of the sources. The pipeline wheel is
installed *with* dependency resolution from that wheel folder, no index: pip installs
travel_ner only because the pipeline package requires it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from travel_ner.ner.annotations import TOKENIZER_CONFIG, Annotated, to_doc

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="venv layout and links as on POSIX"),
]

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
#: Left out of the copy of the sources: environments, data, outputs and the authors' sentences.
NOT_COPIED = {".git", ".venv", "corpus", "training", "packages", "build", ".pytest_cache", "travel_ner.egg-info"}
SENTENCES = [
    ("Je veux aller de Marseille à Paris", "Marseille", "Paris"),
    ("Un billet de Lyon à Nantes", "Lyon", "Nantes"),
    ("Je pars de Lille pour Bordeaux", "Lille", "Bordeaux"),
    ("De Toulouse à Brest demain", "Toulouse", "Brest"),
    ("Quel temps fait-il à Nice ?", None, None),
]
LOAD = """
import importlib.metadata, json, spacy, travel_ner, fr_travel_ner
nlp = spacy.load('fr_travel_ner')
print(nlp('Je veux aller de Marseille à Paris').ents)
print(json.dumps({
    "ents": [[e.text, e.label_] for e in nlp('Je veux aller de Marseille à Paris').ents],
    "lone": [[e.text, e.label_] for e in nlp('Je veux aller à Paris').ents],
    "pipe_names": nlp.pipe_names,
    "travel_ner": travel_ner.__file__,
    "fr_travel_ner": fr_travel_ner.__file__,
    "requires": importlib.metadata.requires('fr_travel_ner'),
}))
"""


def run(command: list, cwd: Path, env: dict | None = None, timeout: int = 300) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def is_travel_ner(name: str) -> bool:
    return name.lower().replace("-", "_").startswith(("travel_ner", "__editable__", "fr_travel_ner", "__pycache__"))


def fresh_venv(path: Path) -> tuple[Path, dict]:
    """A venv without pip or packages of its own, seeing this interpreter's packages except travel_ner; its python and env."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], path).strip())
    view = path / "dependencies"
    view.mkdir()
    for folder in {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}:
        for entry in folder.iterdir():
            # .pth files are only read in site folders, and the editable one would bring back the checkout.
            if entry.suffix != ".pth" and not is_travel_ner(entry.name) and not (view / entry.name).exists():
                (view / entry.name).symlink_to(entry)
    (site / "dependencies.pth").write_text(f"{view}\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.update(PATH=f"{path / 'bin'}{os.pathsep}{env.get('PATH', '')}", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(PIP_NO_INPUT="1", PYTHONNOUSERSITE="1")
    return python, env


def ignore_for_copy(folder: str, names: list[str]) -> set[str]:
    ignored = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
    if Path(folder) == ROOT:
        ignored |= NOT_COPIED & set(names)
    if Path(folder) == ROOT / "assets":
        ignored |= {"authors"} & set(names)
    return ignored


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the built fr_travel_ner wheel and the travel_ner it pulls; its python, env, copy, work folder and model."""
    tmp = tmp_path_factory.mktemp("package")
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "DEP", "pattern": "Marseille"}, {"label": "ARR", "pattern": "Paris"}])
    nlp.add_pipe("trip_filter")
    nlp.to_disk(tmp / "model")

    out = run(
        [sys.executable, ROOT / "scripts" / "package.py", tmp / "model", tmp / "packages", "--name", "travel_ner",
         "--version", VERSION],
        tmp,
    )
    dist = tmp / "packages" / f"fr_travel_ner-{VERSION}" / "dist"
    wheel = dist / f"fr_travel_ner-{VERSION}-py3-none-any.whl"
    assert wheel.is_file() and (dist / f"fr_travel_ner-{VERSION}.tar.gz").is_file(), out
    meta = json.loads((tmp / "packages" / f"fr_travel_ner-{VERSION}" / "meta.json").read_text(encoding="utf-8"))
    assert f"travel_ner=={VERSION}" in meta["requirements"]

    copy = tmp / "source"
    shutil.copytree(ROOT, copy, ignore=ignore_for_copy, symlinks=True)
    python, env = fresh_venv(tmp / "venv")
    wheels = tmp / "wheels"
    pip = [python, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "--no-index", "--no-build-isolation", "-q", "-w", wheels, copy], tmp, env)
    assert [p.name for p in wheels.glob("travel_ner-*.whl")] == [f"travel_ner-{VERSION}-py3-none-any.whl"]
    run([*pip, "install", "--no-index", "--find-links", wheels, wheel], tmp, env)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return python, env, copy, elsewhere, tmp / "model"


def test_the_package_loads_by_name_and_answers(installed):
    python, env, _, elsewhere, _ = installed
    printed, found = run([python, "-c", LOAD], elsewhere, env).strip().splitlines()
    found = json.loads(found)
    assert printed == "(Marseille, Paris)"
    assert found["ents"] == [["Marseille", "DEP"], ["Paris", "ARR"]]
    assert found["lone"] == []  # trip_filter, from the installed travel_ner, clears a lone arrival
    assert found["pipe_names"] == ["entity_ruler", "trip_filter"]
    venv = python.parent.parent
    for module in ("travel_ner", "fr_travel_ner"):
        assert Path(found[module]).is_relative_to(venv) and "dependencies" not in Path(found[module]).parts, found
    assert f"travel_ner=={VERSION}" in found["requires"]


def test_installed_travel_ner_lists_optimizers(installed):
    python, env, _, elsewhere, _ = installed
    out = run([python, "-m", "travel_ner", "optimizers"], elsewhere, env)
    assert "| Lion.v1 |" in out and "| Adafactor.v1 |" in out


def test_installed_travel_ner_predicts(installed):
    python, env, _, elsewhere, model = installed
    out = run([python, "-m", "travel_ner", "predict", model, "Je veux aller de Marseille à Paris"], elsewhere, env)
    assert out == "departure: Marseille\narrival: Paris\n"


def test_installed_travel_ner_trains_with_the_project_config(installed):
    python, env, copy, elsewhere, _ = installed
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    docs = DocBin(docs=[to_doc(nlp, Annotated.trip(*sentence)) for sentence in SENTENCES])
    data = elsewhere / "five.spacy"
    docs.to_disk(data)
    out = run(
        [python, "-m", "spacy", "train", copy / "configs" / "config.cfg", "--paths.train", data, "--paths.dev", data,
         "--training.max_steps", "2", "--paths.vectors", "null",
         "--components.tok2vec.model.embed.include_static_vectors", "false"],
        elsewhere, env,
    )
    assert "Initialized pipeline" in out
