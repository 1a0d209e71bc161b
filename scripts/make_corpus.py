"""Write corpus/*.spacy from generated and hand-written sentences (see travel_ner.corpus)."""

from pathlib import Path

import typer

from travel_ner.annotations import AnnotationError
from travel_ner.corpus import build_corpus, format_counts


def main(
    assets: Path = typer.Argument(..., help="Folder holding handwritten/dev.txt and handwritten/test.txt"),
    output_dir: Path = typer.Argument(..., help="Where the .spacy files go"),
    lang: str = typer.Option("fr", help="Language of the tokenizer"),
    seed: int = typer.Option(0, help="Seed of the generator and of the place split"),
    n_train: int = typer.Option(20000, help="Generated training sentences"),
    n_eval: int = typer.Option(600, help="Generated dev and test sentences (each), on unseen places"),
) -> None:
    try:
        counts = build_corpus(assets, output_dir, lang=lang, seed=seed, n_train=n_train, n_eval=n_eval)
    except AnnotationError as err:
        typer.secho(f"Nothing written: {err}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(format_counts(counts))


if __name__ == "__main__":
    typer.run(main)
