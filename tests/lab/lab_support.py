"""Helpers of the laboratory's tests: a tiny annotated corpus, list files, and the scripts as typer apps."""

import importlib.util
import random
from pathlib import Path
from typing import Optional

import srsly
import typer
from spacy.tokens import DocBin

from travel_ner.lab.specs import read_entries
from travel_ner.ner.annotations import Annotated, to_doc

CITIES = ["Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Lille", "Rennes", "Brest", "Dijon"]
TRIPS = [
    "Je veux aller de {d} à {a}.",
    "Un billet {d} {a} svp",
    "Comment aller à {a} depuis {d} ?",
    "Je pars de {d} pour {a} demain.",
]
NOT_TRIPS = ["J'adore le vin de {d}.", "Il fait beau à {d} aujourd'hui."]


def write_tiny_corpus(nlp, directory: Path) -> Path:
    """train/dev/test/handwritten_test.spacy of a few templated sentences, with categories and trip classes."""
    rng = random.Random(0)
    for split, n in [("train", 120), ("dev", 30), ("test", 30), ("handwritten_test", 12)]:
        docs = []
        for _ in range(n):
            departure, arrival = rng.sample(CITIES, 2)
            if rng.random() < 0.2:
                sentence = Annotated(rng.choice(NOT_TRIPS).format(d=departure), (), "not_trip")
            else:
                sentence = Annotated.trip(rng.choice(TRIPS).format(d=departure, a=arrival), departure, arrival)
            docs.append(to_doc(nlp, sentence))
        DocBin(docs=docs, store_user_data=True).to_disk(directory / f"{split}.spacy")
    return directory


def write_list(path: Path, root: Path, rates: dict[str, float], blocks: Optional[dict[str, Path]] = None) -> Path:
    """A list file with these rates: the repository's block of each optimizer unless overridden."""
    repo_blocks = {entry.name: entry.block for entry in read_entries(root / "configs" / "compare.yml")}
    repo_blocks.update(blocks or {})
    items = [{"name": name, "block": str(repo_blocks[name]), "learn_rate": rate} for name, rate in rates.items()]
    path.write_text("# test list\n" + srsly.yaml_dumps({"optimizers": items}), encoding="utf8")
    return path


def script_app(root: Path, name: str) -> typer.Typer:
    """The typer command of scripts/<name>.py, to invoke in this process."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", root / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = typer.Typer()
    app.command()(module.main)
    return app
