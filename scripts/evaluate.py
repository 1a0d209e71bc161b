"""Score a trained pipeline on the held-out sets, write training/metrics.json and the dev authors' mistakes.

The mistakes are listed for the dev authors only: the test authors are scored,
never read, so that no change is made by looking at their sentences.
"""

from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

from travel_ner.ner.errors import find_mistakes, format_mistakes
from travel_ner.files import write_atomic
from travel_ner.ner.scoring import evaluate, format_table

SETS = ("test", "handwritten_test", "authors_dev", "authors_test")
ANALYSED = "authors_dev"


def main(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    corpus_dir: Path = typer.Argument(..., help="Folder holding the .spacy files of SETS"),
    output_dir: Path = typer.Argument(..., help="Where metrics.json, the displaCy pages and the mistakes go"),
) -> None:
    nlp = spacy.load(model)
    try:
        metrics = evaluate(model, {name: corpus_dir / f"{name}.spacy" for name in SETS}, output_dir, nlp)
    except (FileNotFoundError, ValueError) as err:
        typer.secho(f"Nothing written: {err}", fg="red", err=True)
        raise typer.Exit(1)
    for name, scores in metrics.items():
        typer.echo(format_table(name, scores))
    gold = list(DocBin().from_disk(corpus_dir / f"{ANALYSED}.spacy").get_docs(nlp.vocab))
    report = format_mistakes(find_mistakes(nlp, gold), len(gold))
    write_atomic(output_dir / f"{ANALYSED}_mistakes.md", f"# Mistakes on {ANALYSED}\n\n{report}\n")
    typer.echo(f"Written {output_dir / 'metrics.json'} and {output_dir / f'{ANALYSED}_mistakes.md'}")


if __name__ == "__main__":
    typer.run(main)
