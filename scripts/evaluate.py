"""Score a trained pipeline on the test sets and write training/metrics.json (see travel_ner.scoring)."""

from pathlib import Path

import typer

from travel_ner.scoring import evaluate, format_table

SETS = ("test", "handwritten_test")


def main(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    corpus_dir: Path = typer.Argument(..., help="Folder holding test.spacy and handwritten_test.spacy"),
    output_dir: Path = typer.Argument(..., help="Where metrics.json and the displaCy pages go"),
) -> None:
    metrics = evaluate(model, {name: corpus_dir / f"{name}.spacy" for name in SETS}, output_dir)
    for name, scores in metrics.items():
        typer.echo(format_table(name, scores))
    typer.echo(f"Written {output_dir / 'metrics.json'}")


if __name__ == "__main__":
    typer.run(main)
