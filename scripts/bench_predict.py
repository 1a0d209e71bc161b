"""Lines per second of ``predict`` with 1 and with N processes, side by side, on a model's test sentences.

Forked workers pay for themselves only on large inputs, so the figure is measured on
thousands of lines, in interleaved rounds (the machine is shared), as medians.
"""

import statistics
import time
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

from travel_ner.ner.predict import extract_trip, predict_texts


def main(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    texts: Path = typer.Option(Path("corpus/test.spacy"), help="DocBin whose texts are repeated into the input"),
    lines: int = typer.Option(20000, help="Lines answered per run"),
    processes: int = typer.Option(2, help="Processes of the run compared with one"),
    rounds: int = typer.Option(3, help="Interleaved rounds"),
) -> None:
    nlp = spacy.load(model)
    sentences = [doc.text for doc in DocBin().from_disk(texts).get_docs(nlp.vocab)]
    batch = [sentences[i % len(sentences)] for i in range(lines)]
    runs = {
        "1 process": lambda: predict_texts(nlp, batch),
        f"{processes} forked workers (predict --n-process)": lambda: predict_texts(nlp, batch, n_process=processes),
        f"spaCy's nlp.pipe(n_process={processes})": lambda: (
            extract_trip(doc) for doc in nlp.pipe(batch, batch_size=256, n_process=processes)
        ),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            answered = sum(1 for _ in run())
            rates[name].append(answered / (time.perf_counter() - start))
    base = statistics.median(rates["1 process"])
    typer.echo(f"{lines:,} lines, medians of {rounds} interleaved rounds:")
    for name, r in rates.items():
        median = statistics.median(r)
        typer.echo(f"  {name}: {median:,.0f} lines/s (min {min(r):,.0f}, max {max(r):,.0f}), {median / base:.2f}x")


if __name__ == "__main__":
    typer.run(main)
