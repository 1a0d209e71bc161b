"""Assemble the corpus: generated sentences for training, hand-written ones for dev and test.

Generated dev and test sentences use places the training split never saw; the
hand-written sentences (``assets/handwritten``) are never used for training.
Everything is converted and checked before the first file is written.
"""

from __future__ import annotations

from pathlib import Path
from .annotations import (
    LABELS,
    Annotated,
    check_no_leakage,
    label_counts,
    make_tokenizer_nlp,
    normalise,
    read_annotated,
    to_docbin,
)
from .generate import generate
from .places import split_places

SPLITS = ("train", "dev", "test", "handwritten_test")


def assemble(assets: Path, seed: int, n_train: int, n_eval: int) -> dict[str, list[Annotated]]:
    """The sentences of every split, keyed by the name of the ``.spacy`` file they go to.

    Each generated split excludes the sentences already taken, hand-written ones
    included, so that a short sentence with no place ("Bonjour !") cannot land
    in two splits.
    """
    places = split_places(seed=seed)
    handwritten = {name: read_annotated(assets / "handwritten" / f"{name}.txt") for name in ("dev", "test")}
    taken = {normalise(s.text) for sentences in handwritten.values() for s in sentences}
    generated = {}
    for offset, (name, n) in enumerate((("train", n_train), ("dev", n_eval), ("test", n_eval))):
        generated[name] = generate(n, places[name], seed=seed + offset, exclude=taken)
        taken |= {normalise(s.text) for s in generated[name]}
    return {
        "train": generated["train"],
        "dev": generated["dev"] + handwritten["dev"],
        "test": generated["test"],
        "handwritten_test": handwritten["test"],
    }


def build_corpus(
    assets: Path, output_dir: Path, *, lang: str = "fr", seed: int = 0, n_train: int = 20000, n_eval: int = 600
) -> dict[str, dict[str, int]]:
    """Write ``output_dir/{train,dev,test,handwritten_test}.spacy``; return sentence and label counts."""
    splits = assemble(assets, seed, n_train, n_eval)
    check_no_leakage(splits)
    nlp = make_tokenizer_nlp(lang)
    docbins = {name: to_docbin(nlp, sentences) for name, sentences in splits.items()}
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, docbin in docbins.items():
        tmp = output_dir / f".{name}.spacy.tmp"
        docbin.to_disk(tmp)
        tmp.replace(output_dir / f"{name}.spacy")
    return {name: label_counts(sentences) for name, sentences in splits.items()}


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    header = f"{'split':<18}{'sentences':>10}" + "".join(f"{label:>8}" for label in LABELS)
    rows = [header] + [
        f"{name:<18}{c['sentences']:>10}" + "".join(f"{c[label]:>8}" for label in LABELS) for name, c in counts.items()
    ]
    return "\n".join(rows)

