"""Write corpus/*.spacy from generated and hand-written sentences (see travel_ner.ner.corpus)."""

from pathlib import Path

import typer

from travel_ner.ner.annotations import AnnotationError
from travel_ner.ner.corpus import build_corpus, format_counts

# The generator's phrases, the hand-written sentences and the tokenizer's rules are French.
LANGS = ("fr",)
# What the corpus is built from, relative to ASSETS (see assets/README.md).
SOURCES = ("handwritten/dev.txt", "handwritten/test.txt", "authors")


def main(
    assets: Path = typer.Argument(..., help="Folder holding handwritten/{dev,test}.txt and authors/"),
    output_dir: Path = typer.Argument(..., help="Where the .spacy files go"),
    lang: str = typer.Option("fr", help=f"Language of the tokenizer; allowed: {', '.join(LANGS)}"),
    seed: int = typer.Option(0, help="Seed of the generator and of the place split"),
    n_train: int = typer.Option(20000, help="Generated training sentences"),
    n_eval: int = typer.Option(600, help="Generated dev and test sentences (each), on unseen places"),
    author_weight: int = typer.Option(3, help="Times each train author's sentence is repeated in training"),
    author_swaps: int = typer.Option(0, help="Copies of each train author's trip with its places swapped"),
) -> None:
    for name, value in (
        ("--n-train", n_train), ("--n-eval", n_eval), ("--author-weight", author_weight), ("--author-swaps", author_swaps)
    ):
        if value < 0:
            raise typer.BadParameter(f"{name} is {value}; it must be 0 or more")
    if lang not in LANGS:
        raise typer.BadParameter(
            f"{lang!r}: this project is French (generated phrases, hand-written sentences, tokenizer rules); "
            f"allowed: {', '.join(LANGS)}",
            param_hint="--lang",
        )
    missing = [str(assets / source) for source in SOURCES if not (assets / source).exists()]
    if missing:
        typer.secho(
            f"Nothing written: {', '.join(missing)} not found; the corpus is built from "
            f"{', '.join(SOURCES)} in {assets} (see assets/README.md)",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)
    try:
        counts = build_corpus(
            assets, output_dir, lang=lang, seed=seed, n_train=n_train, n_eval=n_eval, author_weight=author_weight,
            author_swaps=author_swaps,
        )
    except AnnotationError as err:
        typer.secho(f"Nothing written: {err}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(format_counts(counts))


if __name__ == "__main__":
    typer.run(main)
