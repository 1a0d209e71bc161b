"""Prediction speed of the trained model against fr_core_news_sm, side by side (see travel_ner.ner.speed)."""

from pathlib import Path
from typing import List

import typer

from travel_ner.files import write_atomic
from travel_ner.ner.speed import bench_speed


def main(
    model: Path = typer.Argument(..., help="Trained pipeline"),
    output: Path = typer.Argument(..., help="Markdown table to write"),
    corpus_files: List[Path] = typer.Option(..., "--texts", help="DocBin files whose texts are parsed"),
    rounds: int = typer.Option(5, help="Interleaved rounds"),
) -> None:
    table = bench_speed(model, corpus_files, rounds=rounds)
    write_atomic(output, table + "\n")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
