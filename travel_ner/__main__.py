"""``python -m travel_ner``: predict trips with a trained pipeline, score it on your sentences, list the optimizers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

import typer

from .lab.commands import lr_find as lr_find_command
from .lab.commands import study as study_command

if TYPE_CHECKING:
    from spacy.language import Language

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def fail(message: str) -> NoReturn:
    """Stop with ``message`` as one line on stderr, instead of a traceback."""
    typer.secho(message, fg="red", err=True)
    raise typer.Exit(1)


def check_model(model: Path) -> None:
    """Refuse a path that holds no saved pipeline, before any slow work."""
    if not (model / "config.cfg").is_file():
        fail(f"{model} is not a trained pipeline (no config.cfg); run the 'train' step first")


def load_trained(model: Path) -> Language:
    """The pipeline saved at ``model``; spaCy's error on one line if it cannot be loaded."""
    import spacy

    check_model(model)
    try:
        return spacy.load(model)
    except (OSError, ValueError) as err:
        fail(f"{model} cannot be loaded as a pipeline: {str(err).strip().splitlines()[0]}")


@app.command()
def predict(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    sentence: Optional[str] = typer.Argument(None, help="One sentence to resolve"),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="File of 'id,sentence' lines; - reads stdin"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write results (default or -: stdout)"),
    n_process: int = typer.Option(
        1, "--n-process", min=1, help="Processes answering a file (forked, sharing the pipeline): for large files"
    ),
) -> None:
    """Print the departure and arrival of a sentence, or answer a file of 'id,sentence' lines."""
    from .ner.predict import INVALID, STDIO, InputError, answer_lines, check_paths, predict_texts, read_input, source_name

    if (sentence is None) == (input is None):
        raise typer.BadParameter("give either a SENTENCE or --input FILE, not both or neither")
    if input not in (None, STDIO) and not input.is_file():
        raise typer.BadParameter(f"input file {input} does not exist")
    check_model(model)
    if input is not None:
        try:  # before the model loads (seconds), and before anything is written
            check_paths(input, output)
            raw = read_input(input)
        except InputError as err:
            fail(f"Nothing written: {err}")
    nlp = load_trained(model)
    if input is not None:
        count = answer_lines(nlp, raw, source_name(input), output, n_process=n_process)
        written = f", written to {output}" if output not in (None, STDIO) else ""
        typer.echo(f"{count} lines answered{written}", err=True)
        return
    trip = next(predict_texts(nlp, [sentence]))
    typer.echo(f"departure: {trip.departure}\narrival: {trip.arrival}" if trip else INVALID)


@app.command()
def evaluate(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    annotated: list[Path] = typer.Argument(..., help="Files of annotated sentences in the assets/ format"),
    resolve: Optional[str] = typer.Option(None, help="Override the pipeline's trip_filter resolve mode: strict, last or order"),
    complete: Optional[bool] = typer.Option(
        None, "--complete/--no-complete", help="Override whether the pipeline's trip_filter completes a lone end"
    ),
    threshold: Optional[float] = typer.Option(
        None, help="Override the TRIP score below which trip_filter answers no trip (0: ignore the textcat)"
    ),
) -> None:
    """Score a pipeline on your own annotated sentences: entity P/R/F and sentence accuracy by category and tag.

    Files of an ``authors/`` folder are also scored per author (the file name).
    """
    from .ner.annotations import TRIP, AnnotationError, to_doc
    from .ner.authors import read_any
    from .ner.predict import RESOLVE_MODES
    from .ner.scoring import format_table, score

    if resolve is not None and resolve not in RESOLVE_MODES:
        raise typer.BadParameter(f"--resolve {resolve!r}; allowed: {', '.join(RESOLVE_MODES)}")
    if threshold is not None and not 0.0 <= threshold < 1.0:
        raise typer.BadParameter(f"--threshold {threshold}; allowed: 0 (ignore the textcat) to below 1")
    check_model(model)
    sentences = []
    for path in annotated:
        if not path.is_file():
            raise typer.BadParameter(f"annotated file {path} does not exist")
        try:
            read = read_any(path)
        except AnnotationError as err:
            fail(str(err))
        if not read:
            fail(f"{path} holds no sentence (only blank, comment or '##' header lines): nothing to score")
        sentences += read
    nlp = load_trained(model)
    if "trip_filter" in nlp.pipe_names:
        trip_filter = nlp.get_pipe("trip_filter")
        if resolve is not None:
            trip_filter.resolve = resolve
        if complete is not None:
            trip_filter.complete = complete
        if threshold is not None:
            if threshold > 0 and not any(TRIP in getattr(pipe, "labels", ()) for _, pipe in nlp.pipeline):
                raise typer.BadParameter(
                    f"--threshold {threshold} needs a textcat with the label {TRIP}; {model} has {', '.join(nlp.pipe_names)}"
                )
            trip_filter.threshold = threshold
    try:
        gold = [to_doc(nlp, sentence) for sentence in sentences]
    except AnnotationError as err:
        fail(str(err))
    typer.echo(format_table(", ".join(map(str, annotated)), score(nlp, gold)))


@app.command()
def check(files: list[Path] = typer.Argument(..., help="Annotated files in the assets/ format")) -> None:
    """Validate annotated files as `corpus` does (markup, labels, token boundaries) and count their sentences."""
    from .ner.annotations import AnnotationError, label_counts, make_tokenizer_nlp, to_doc
    from .ner.authors import read_any

    nlp = make_tokenizer_nlp()
    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"annotated file {path} does not exist")
        try:
            sentences = read_any(path)
            for sentence in sentences:
                to_doc(nlp, sentence)
        except AnnotationError as err:
            fail(str(err))
        counts = label_counts(sentences)
        trips = sum(s.is_trip for s in sentences)
        typer.echo(f"{path}: {counts['sentences']} sentences, {trips} trips, {counts['DEP']} DEP, {counts['ARR']} ARR: valid")


@app.command()
def optimizers(
    model: Optional[Path] = typer.Option(None, help="Trained pipeline to measure state memory on"),
    config: Optional[Path] = typer.Option(
        None, help="Config of a pipeline to build and measure instead (default: spaCy's French tok2vec + ner)"
    ),
) -> None:
    """List every available optimizer with its arguments, defaults and state memory."""
    from .lab.benchmark import optimizers_report

    if model is not None:
        check_model(model)
    if config is not None and not config.is_file():
        raise typer.BadParameter(f"config file {config} does not exist")
    typer.echo(optimizers_report(model, config))


@app.command()
def serve(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; 0.0.0.0 opens the server to the network"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on"),
) -> None:
    """Serve the pipeline over HTTP: a page to try sentences at /, a JSON API at /api/predict, /health."""
    try:
        from .ner.serve import ModelError, load_model, run
    except ModuleNotFoundError as err:
        typer.secho(f"serve needs {err.name}: pip install 'travel_ner[serve]'", fg="red", err=True)
        raise typer.Exit(1)
    try:
        nlp = load_model(model)
    except ModelError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    run(nlp, host, port)


app.command("lr-find")(lr_find_command.lr_find)
app.command("study")(study_command.study)

if __name__ == "__main__":
    app()
