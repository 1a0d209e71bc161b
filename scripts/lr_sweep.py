"""Short runs over log-spaced peak learning rates per optimizer; the best rate of each goes to the list file.

Each optimizer's grid is centred on the rate of its block in configs/optimizers/.
"""

from pathlib import Path
from typing import List, Optional

import typer

from travel_ner.lab.compare import lr_sweep
from travel_ner.lab.specs import Budget
from travel_ner.lab.tracking import Tracking


def main(
    config: Path = typer.Argument(..., exists=True, dir_okay=False, help="Pipeline config, e.g. configs/config.cfg"),
    corpus: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the .spacy splits, e.g. corpus"),
    output: Path = typer.Argument(..., help="Output folder, e.g. training/lr_sweep"),
    optimizers: Path = typer.Option(
        Path("configs/compare.yml"), exists=True, dir_okay=False, help="List file; its learn_rate values are rewritten"
    ),
    only: Optional[List[str]] = typer.Option(None, help="Sweep only these optimizers of the list (repeatable)"),
    span: float = typer.Option(1.5, min=0.0, help="Decades swept either side of each block's own rate"),
    points: int = typer.Option(7, min=2, help="Rates per optimizer, log-spaced over the span"),
    steps: int = typer.Option(200, min=1, help="Training steps per run"),
    seed: int = typer.Option(0, help="Seed of every run"),
    jobs: int = typer.Option(0, min=0, help="Runs in parallel, one process or Ray task each (0: one per core)"),
    backend: str = typer.Option("local", help="Where runs execute: local (processes) or ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster to use (HOST:PORT or auto); default: a local instance"),
    mlflow: bool = typer.Option(False, "--mlflow", help="Log every run to MLflow"),
    mlflow_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (default: file store ./mlruns)"),
    warmup: float = typer.Option(0.1, min=0.0, max=1.0, help="Warm-up as a fraction of the steps"),
    train_limit: int = typer.Option(Budget.train_limit, min=0, help="Training documents read (0: all)"),
    dev_limit: int = typer.Option(Budget.dev_limit, min=0, help="Dev documents evaluated (0: all)"),
) -> None:
    budget = Budget.shaped(steps, steps, warmup, train_limit, dev_limit)
    try:
        executor = Tracking.open("lr-sweep", backend=backend, jobs=jobs, address=address, mlflow=mlflow, mlflow_uri=mlflow_uri)
    except ValueError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    best = lr_sweep(
        config, corpus, output, optimizers, names=only, span=span, points=points, seed=seed, executor=executor, budget=budget
    )
    logged = executor.log([output / "lr_sweep.png", output / "sweep.json"])
    if logged:
        typer.echo(logged)
    for name, rate in best.items():
        typer.echo(f"{name}: {rate:.3g}")
    typer.echo(f"written to {optimizers}; plot: {output / 'lr_sweep.png'}")


if __name__ == "__main__":
    typer.run(main)
