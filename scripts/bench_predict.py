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

from travel_ner.predict import predict_texts


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
    rates: dict[int, list[float]] = {1: [], processes: []}
    for _ in range(rounds):
        for n in rates:
            start = time.perf_counter()
            answered = sum(1 for _ in predict_texts(nlp, batch, n_process=n))
            rates[n].append(answered / (time.perf_counter() - start))
    medians = {n: statistics.median(r) for n, r in rates.items()}
    for n, r in rates.items():
        typer.echo(f"{n} process(es): median {medians[n]:,.0f} lines/s (min {min(r):,.0f}, max {max(r):,.0f})")
    typer.echo(f"speed-up with {processes} processes: {medians[processes] / medians[1]:.2f}x on {lines:,} lines")


if __name__ == "__main__":
    typer.run(main)
