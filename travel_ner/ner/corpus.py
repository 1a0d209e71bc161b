"""Assemble the corpus: generated and train authors' sentences for training, the rest held out.

Generated dev and test sentences use places the training split never saw; the
hand-written sentences (``assets/handwritten``) and the sentences of dev and test
authors (``assets/authors``, split by author) are never used for training.
Everything is converted and checked before the first file is written.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from .annotations import (
    LABELS,
    Annotated,
    AnnotationError,
    check_no_leakage,
    label_counts,
    make_tokenizer_nlp,
    normalise,
    read_annotated,
    to_docbin,
)
from .augment import swapped
from .authors import check_no_duplicates, read_authors
from .generate import generate
from .places import split_places

SPLITS = ("train", "dev", "test", "handwritten_test", "authors_dev", "authors_test")


def assemble(
    assets: Path,
    seed: int,
    n_train: int,
    n_eval: int,
    author_weight: int = 3,
    author_swaps: int = 0,
    nlp: Language | None = None,
) -> dict[str, list[Annotated]]:
    """The sentences of every split, keyed by the name of the ``.spacy`` file they go to.

    Each generated split excludes the sentences already taken, hand-written and
    authors' ones included, so that a short sentence with no place ("Bonjour !")
    cannot land in two splits. The train authors' sentences are repeated
    ``author_weight`` times in training: a few thousand written sentences beside
    tens of thousands of generated ones; each of their trips is also told
    ``author_swaps`` times about other training places (``augment``), checked against
    the tokenizer of ``nlp`` (the project's French one by default).
    """
    places = split_places(seed=seed)
    handwritten = {name: read_annotated(assets / "handwritten" / f"{name}.txt") for name in ("dev", "test")}
    for name, sentences in handwritten.items():
        if not sentences:
            raise AnnotationError(f"{assets / 'handwritten' / f'{name}.txt'}: no sentence (only blank, comment or header lines)")
    authors = read_authors(assets / "authors")
    written = [s for group in (*handwritten.values(), *authors.values()) for s in group]
    check_no_duplicates(written)
    taken = {normalise(s.text) for s in written}
    generated = {}
    for offset, (name, n) in enumerate((("train", n_train), ("dev", n_eval), ("test", n_eval))):
        generated[name] = generate(n, places[name], seed=seed + offset, exclude=taken)
        taken |= {normalise(s.text) for s in generated[name]}
    nlp = nlp or make_tokenizer_nlp()
    swaps = swapped(authors["train"], places["train"], author_swaps, seed + 3, nlp=nlp, exclude=taken)
    return {
        "train": generated["train"] + authors["train"] * author_weight + swaps,
        "dev": generated["dev"] + handwritten["dev"] + authors["dev"],
        "test": generated["test"],
        "handwritten_test": handwritten["test"],
        "authors_dev": authors["dev"],
        "authors_test": authors["test"],
    }


def build_corpus(
    assets: Path,
    output_dir: Path,
    *,
    lang: str = "fr",
    seed: int = 0,
    n_train: int = 20000,
    n_eval: int = 600,
    author_weight: int = 3,
    author_swaps: int = 0,
) -> dict[str, dict[str, int]]:
    """Write ``output_dir/<split>.spacy`` for every split of ``SPLITS``; return sentence and label counts."""
    nlp = make_tokenizer_nlp(lang)
    splits = assemble(assets, seed, n_train, n_eval, author_weight, author_swaps, nlp)
    check_no_leakage(splits)
    # Only the held-out splits are scored by category, tag and author.
    docbins = {name: to_docbin(nlp, sentences, metadata=name != "train") for name, sentences in splits.items()}
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

