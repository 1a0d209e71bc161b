"""``python -m travel_ner``: predict trips with a trained pipeline, score it on your sentences, list the optimizers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def predict(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    sentence: Optional[str] = typer.Argument(None, help="One sentence to resolve"),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File of 'id,sentence' lines"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write results (default: stdout)"),
) -> None:
    """Print the departure and arrival of a sentence, or answer a file of 'id,sentence' lines."""
    import spacy

    from .predict import INVALID, predict_file, predict_texts

    if (sentence is None) == (input is None):
        raise typer.BadParameter("give either a SENTENCE or --input FILE, not both or neither")
    if input is not None and not input.is_file():
        raise typer.BadParameter(f"input file {input} does not exist")
    if not (model / "config.cfg").is_file():
        raise typer.BadParameter(f"{model} is not a trained pipeline (no config.cfg); run the 'train' step first")
    nlp = spacy.load(model)
    if input is not None:
        count = predict_file(nlp, input, output)
        typer.echo(f"{count} lines answered" + (f", written to {output}" if output else ""), err=True)
        return
    trip = next(predict_texts(nlp, [sentence]))
    typer.echo(f"departure: {trip.departure}\narrival: {trip.arrival}" if trip else INVALID)


@app.command()
def evaluate(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    annotated: Path = typer.Argument(..., help="Annotated sentences in the assets/ format"),
) -> None:
    """Score a pipeline on your own annotated sentences: entity P/R/F and sentence accuracy by category."""
    import spacy

    from .annotations import AnnotationError, read_annotated, to_doc
    from .scoring import format_table, score

    if not annotated.is_file():
        raise typer.BadParameter(f"annotated file {annotated} does not exist")
    nlp = spacy.load(model)
    try:
        gold = [to_doc(nlp, sentence) for sentence in read_annotated(annotated)]
    except AnnotationError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(format_table(str(annotated), score(nlp, gold)))


@app.command()
def check(files: list[Path] = typer.Argument(..., help="Annotated files in the assets/ format")) -> None:
    """Validate annotated files as `corpus` does (markup, labels, token boundaries) and count their sentences."""
    from .annotations import AUTHOR_TAGS, AnnotationError, label_counts, make_tokenizer_nlp, read_annotated, to_doc

    nlp = make_tokenizer_nlp()
    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"annotated file {path} does not exist")
        try:
            sentences = read_annotated(path, AUTHOR_TAGS if path.parent.name == "authors" else None)
            for sentence in sentences:
                to_doc(nlp, sentence)
        except AnnotationError as err:
            typer.secho(str(err), fg="red", err=True)
            raise typer.Exit(1)
        counts = label_counts(sentences)
        trips = sum(s.is_trip for s in sentences)
        typer.echo(f"{path}: {counts['sentences']} sentences, {trips} trips, {counts['DEP']} DEP, {counts['ARR']} ARR: valid")


@app.command()
def optimizers(
    model: Optional[Path] = typer.Option(None, help="Pipeline to measure state memory on (default: built from configs/config.cfg)")
) -> None:
    """List every available optimizer with its arguments, defaults and state memory."""
    from .benchmark import optimizers_report

    typer.echo(optimizers_report(model))


@app.command()
def serve(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; 0.0.0.0 opens the server to the network"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"),
) -> None:
    """Serve the pipeline over HTTP: a page to try sentences at /, a JSON API at /api/predict, /health."""
    try:
        from .serve import ModelError, load_model, run
    except ModuleNotFoundError as err:
        typer.secho(f"serve needs {err.name}: pip install 'travel_ner[serve]'", fg="red", err=True)
        raise typer.Exit(1)
    try:
        nlp = load_model(model)
    except ModelError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    run(nlp, host, port)


if __name__ == "__main__":
    app()
