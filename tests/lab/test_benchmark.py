"""State memory, timing table, optimizer blocks and a few training steps
with each block, on small pipelines."""

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train
from thinc.api import Config, registry

from travel_ner.ner.annotations import Annotated, to_doc
from travel_ner.lab.benchmark import (
    ALL_OPTIMIZERS,
    DEFAULT_PIPELINE,
    SAMPLE_TRIPS,
    sample_examples,
    benchmark_markdown,
    load_pipeline,
    make_optimizer,
    optimizers_report,
    read_optimizer_block,
    state_floats,
    trainable_params,
    with_optimizer,
)

SMALL_CONFIG = """
[nlp]
lang = "fr"
pipeline = ["tok2vec", "ner"]

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 16
attrs = ["NORM", "SHAPE"]
rows = [500, 50]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 16
depth = 1
window_size = 1
maxout_pieces = 2

[components.ner]
factory = "ner"

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
hidden_width = 16
maxout_pieces = 2
use_upper = true

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 16
"""

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "configs" / "config.cfg"
OPTIMIZER_BLOCKS = PROJECT_ROOT / "configs" / "optimizers"
BLOCKS = sorted(OPTIMIZER_BLOCKS.glob("*.cfg"))


@pytest.fixture(scope="module")
def small_nlp(tmp_path_factory):
    config_path = tmp_path_factory.mktemp("config") / "small.cfg"
    config_path.write_text(SMALL_CONFIG, encoding="utf8")
    return load_pipeline(config_path=config_path)


@pytest.fixture(scope="module")
def small_model_path(small_nlp, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "small-model"
    small_nlp.to_disk(path)
    return path


def test_pipeline_is_initialized_with_the_labels(small_nlp):
    assert set(small_nlp.get_pipe("ner").labels) == {"DEP", "ARR"}


def test_trainable_params_are_those_spacys_update_passes(small_nlp):
    seen = set()

    def recorder(key, weights, gradient, *, lr_scale=1.0):
        seen.add(key)
        return weights, gradient

    # spaCy finishes tok2vec's update before the listening NER backpropagates
    # into it, so tok2vec's parameters only reach the optimizer from the 2nd on.
    for _ in range(2):
        small_nlp.update(sample_examples(small_nlp), sgd=recorder, drop=0.0)
    params = trainable_params(small_nlp)
    assert seen == set(params)
    assert all(w.dtype == numpy.float32 for w in params.values())


STATE_FLOATS: Dict[Tuple[str, Tuple[Tuple[str, Any], ...]], float] = {
    ("Adam.v1", ()): 2,
    ("RAdam.v1", ()): 2,
    ("SGD.v1", ()): 0,
    ("Momentum.v1", ()): 1,
    ("Adagrad.v1", ()): 1,
    ("RMSProp.v1", ()): 1,
    ("RMSProp.v1", (("centered", True),)): 2,
    ("AdaDelta.v1", ()): 2,
    ("AdamW.v1", ()): 2,
    ("AdamW.v1", (("amsgrad", True),)): 3,
    ("AdaMax.v1", ()): 2,
    ("NAdam.v1", ()): 2,
    ("Lion.v1", ()): 1,
    ("Rprop.v1", ()): 2,
    ("ASGD.v1", ()): 1,
}


@pytest.mark.parametrize("name,settings", list(STATE_FLOATS), ids=lambda v: str(v) if v else "")
def test_state_floats(small_nlp, name, settings):
    params = trainable_params(small_nlp)
    before = {key: w.copy() for key, w in params.items()}
    floats = state_floats(make_optimizer(name, **dict(settings)), params)
    assert floats == STATE_FLOATS[(name, settings)]
    for key, w in trainable_params(small_nlp).items():  # pipeline untouched
        numpy.testing.assert_array_equal(w, before[key])


def test_adafactor_state_is_factored(small_nlp):
    """A row and a column per matrix (over its last two axes), a full copy per vector."""
    params = trainable_params(small_nlp)
    expected = sum(
        w.size if w.ndim < 2 else w.size // w.shape[-1] + w.size // w.shape[-2] for w in params.values()
    ) / sum(w.size for w in params.values())
    assert state_floats(make_optimizer("Adafactor.v1"), params) == pytest.approx(expected)
    assert expected < 0.5  # 0.07 on the project's pipeline: its matrices are larger


def test_benchmark_table(small_nlp):
    table = benchmark_markdown(small_nlp, repeats=2)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "median" not in line]
    assert [row.split(" | ")[0][2:] for row in rows] == list(ALL_OPTIMIZERS)
    assert rows[0].split(" | ")[2] == "1.00"  # Adam.v1 against itself


def test_optimizers_report(small_model_path):
    report = optimizers_report(small_model_path)
    for name in ALL_OPTIMIZERS:
        assert f"| {name} |" in report
    assert "| SGD.v1 | `learn_rate, L2=0.0" in report
    assert "| RMSProp.v1 | `learn_rate=0.01, rho=0.99" in report
    assert "`amsgrad=True (others default)` | 3 |" in report


def test_bench_script(small_model_path, tmp_path):
    spec = importlib.util.spec_from_file_location("bench", PROJECT_ROOT / "scripts" / "bench_optimizers.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    output = tmp_path / "out" / "bench.md"
    script.main(small_model_path, output, repeats=1)
    assert "| Lion.v1 |" in output.read_text(encoding="utf8")


def first_rate(block: Path) -> float:
    """0 for a warmup_linear block, the constant of a block without schedule (Rprop)."""
    rate = read_optimizer_block(block)["training"]["optimizer"]["learn_rate"]
    return 0.0 if isinstance(rate, dict) else rate


def test_blocks_cover_every_optimizer_and_resolve():
    names = []
    for block in BLOCKS:
        config = read_optimizer_block(block)
        optimizer = registry.resolve(config["training"])["optimizer"]
        assert optimizer.learn_rate == first_rate(block)
        if isinstance(config["training"]["optimizer"]["learn_rate"], dict):
            assert config["training"]["optimizer"]["learn_rate"]["@schedules"] == "warmup_linear.v1"
        names.append(config["training"]["optimizer"]["@optimizers"])
    assert sorted(names) == sorted(ALL_OPTIMIZERS)


def test_with_optimizer_replaces_the_whole_section():
    config = spacy.util.load_config(DEFAULT_CONFIG)
    lion = with_optimizer(config, OPTIMIZER_BLOCKS / "lion.cfg")
    block = read_optimizer_block(OPTIMIZER_BLOCKS / "lion.cfg")["training"]["optimizer"]
    assert lion["training"]["optimizer"] == block
    assert "eps" not in lion["training"]["optimizer"]  # Adam's, not Lion's
    assert config["training"]["optimizer"]["@optimizers"] == "Adam.v1"  # a copy
    reloaded = Config().from_str(lion.to_str(), interpolate=False)
    assert reloaded["training"]["optimizer"] == block


def test_with_optimizer_rejects_a_file_without_the_section(tmp_path):
    block = tmp_path / "bad.cfg"
    block.write_text("[optimizer]\n@optimizers = \"Lion.v1\"\n", encoding="utf8")
    with pytest.raises(ValueError, match="training.optimizer"):
        with_optimizer(Config(), block)


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    nlp = spacy.blank("fr")
    docs = [to_doc(nlp, Annotated.trip(*trip)) for trip in SAMPLE_TRIPS * 2]
    path = tmp_path_factory.mktemp("corpus") / "tiny.spacy"
    DocBin(docs=docs).to_disk(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=lambda p: p.stem)
def test_trains_a_few_steps_with_block(block, tiny_corpus):
    overrides = {
        "paths.train": str(tiny_corpus),
        "paths.dev": str(tiny_corpus),
        "training.max_steps": 5,
        "training.eval_frequency": 5,
    }
    config = with_optimizer(spacy.util.load_config(DEFAULT_CONFIG, overrides=overrides), block)
    nlp = init_nlp(config)
    before = {key: w.copy() for key, w in trainable_params(nlp).items()}
    log = io.StringIO()
    nlp, _ = train(nlp, None, stdout=log, stderr=io.StringIO())
    after = trainable_params(nlp)
    assert all(numpy.isfinite(w).all() for w in after.values())
    assert any(not numpy.array_equal(w, before[key]) for key, w in after.items())
    assert f"Initial learn rate: {first_rate(block)}" in log.getvalue()


@pytest.mark.slow  # builds and installs a wheel: about 10 s
def test_installed_package_runs_without_the_checkout(tmp_path):
    """Built as a wheel and installed away from the repository, the package finds nothing through
    a path into it: ``python -m travel_ner optimizers`` runs from an unrelated folder."""
    source = tmp_path / "source"
    shutil.copytree(PROJECT_ROOT / "travel_ner", source / "travel_ner", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    dist, site, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source], check=True)
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", site, *dist.glob("*.whl")], check=True)
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # before the editable install of the checkout

    def run(*args: str) -> str:
        command = [sys.executable, *args]
        return subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout

    assert run("-c", "import travel_ner; print(travel_ner.__file__)").startswith(str(site))
    report = run("-m", "travel_ner", "optimizers")
    assert DEFAULT_PIPELINE in report
    assert "| Lion.v1 |" in report and "| Adam.v1 | `learn_rate=0.001" in report
