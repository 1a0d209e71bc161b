"""Train the pipeline once per optimizer and seed; write results.json, results.md and plots."""

from pathlib import Path
from typing import List, Optional

import typer

from travel_ner.lab.compare import compare
from travel_ner.lab.specs import Budget
from travel_ner.lab.tracking import Tracking


def main(
    config: Path = typer.Argument(..., exists=True, dir_okay=False, help="Pipeline config, e.g. configs/config.cfg"),
    corpus: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the .spacy splits, e.g. corpus"),
    output: Path = typer.Argument(..., help="Output folder, e.g. training/compare"),
    optimizers: Path = typer.Option(
        Path("configs/compare.yml"), exists=True, dir_okay=False, help="List file: optimizers, blocks, peak rates"
    ),
    only: Optional[List[str]] = typer.Option(None, help="Run only these optimizers of the list (repeatable)"),
    steps: int = typer.Option(Budget.steps, min=1, help="Training steps per run"),
    seeds: int = typer.Option(3, min=1, help="Seeds per optimizer (0..seeds-1)"),
    jobs: int = typer.Option(0, min=0, help="Runs in parallel, one process or Ray task each (0: one per core)"),
    backend: str = typer.Option("local", help="Where runs execute: local (processes) or ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster to use (HOST:PORT or auto); default: a local instance"),
    mlflow: bool = typer.Option(False, "--mlflow", help="Log every run to MLflow"),
    mlflow_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (default: file store ./mlruns)"),
    eval_frequency: int = typer.Option(Budget.eval_frequency, min=1, help="Steps between dev evaluations"),
    warmup: float = typer.Option(0.1, min=0.0, max=1.0, help="Warm-up as a fraction of the steps"),
    train_limit: int = typer.Option(Budget.train_limit, min=0, help="Training documents read (0: all)"),
    dev_limit: int = typer.Option(Budget.dev_limit, min=0, help="Dev documents evaluated (0: all)"),
) -> None:
    budget = Budget.shaped(steps, eval_frequency, warmup, train_limit, dev_limit)
    try:
        executor = Tracking.open("compare", backend=backend, jobs=jobs, address=address, mlflow=mlflow, mlflow_uri=mlflow_uri)
    except ValueError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    compare(config, corpus, output, optimizers, names=only, seeds=seeds, executor=executor, budget=budget)
    logged = executor.log([*sorted(output.glob("*.png")), output / "results.md"])
    if logged:
        typer.echo(logged)
    typer.echo((output / "results.md").read_text(encoding="utf8"))


if __name__ == "__main__":
    typer.run(main)
