"""`study`: tune every optimizer alike, run seeds at the chosen rates, report."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .. import defaults


def study(
    config: Path = typer.Argument(Path("configs/config.cfg"), exists=True, dir_okay=False, help="Pipeline config"),
    corpus: Path = typer.Argument(Path("corpus"), exists=True, file_okay=False, help="Folder of the .spacy splits"),
    output: Path = typer.Argument(Path("training/study"), help="Output folder"),
    optimizers: Path = typer.Option(
        Path("configs/compare.yml"), exists=True, dir_okay=False, help="List file: optimizers and their blocks"
    ),
    only: Optional[List[str]] = typer.Option(None, help="Study only these optimizers of the list (repeatable)"),
    seeds: int = typer.Option(defaults.STUDY_SEEDS, help="Seeds per optimizer at its chosen rate"),
    steps: int = typer.Option(defaults.STUDY_STEPS, min=1, help="Training steps of each seeded run"),
    eval_frequency: int = typer.Option(defaults.STUDY_EVAL_FREQUENCY, min=1, help="Steps between dev evaluations"),
    tuning_steps: int = typer.Option(defaults.TUNING_STEPS, min=1, help="Training steps of each tuning run"),
    points: int = typer.Option(defaults.STUDY_POINTS, help="Rates per optimizer in the tuning grid"),
    span: float = typer.Option(defaults.STUDY_SPAN, help="Decades of the grid either side of each block's rate"),
    extend: int = typer.Option(defaults.STUDY_EXTEND, min=0, help="Grid steps added beyond a best rate at the grid's edge"),
    warmup: float = typer.Option(defaults.WARMUP_FRACTION, min=0.0, max=1.0, help="Warm-up as a fraction of the steps"),
    train_limit: int = typer.Option(defaults.TRAIN_LIMIT, min=0, help="Training documents read (0: all)"),
    dev_limit: int = typer.Option(defaults.DEV_LIMIT, min=0, help="Dev documents evaluated (0: all)"),
    finalists: int = typer.Option(defaults.FINALISTS, min=0, help="Best optimizers trained again at the final budget"),
    final_steps: int = typer.Option(defaults.FINAL_STEPS, min=1, help="Training steps of each finalist's run"),
    final_eval_frequency: int = typer.Option(
        defaults.FINAL_EVAL_FREQUENCY, min=1, help="Steps between dev evaluations of the finalists"
    ),
    final_train_limit: int = typer.Option(
        defaults.FINAL_TRAIN_LIMIT, min=0, help="Training documents the finalists read (0: all)"
    ),
    full_reference: bool = typer.Option(
        defaults.SEED_BLOCK_FULL, help="Also train the seed's block once at its full schedule (4,000 steps)"
    ),
    jobs: int = typer.Option(0, min=0, help="Runs in parallel, one process or Ray task each (0: one per core)"),
    backend: str = typer.Option("local", help="Where runs execute: local (processes) or ray"),
    address: Optional[str] = typer.Option(None, help="Ray cluster to use (HOST:PORT or auto); default: a local instance"),
    mlflow: bool = typer.Option(False, "--mlflow", help="Log every run to MLflow"),
    mlflow_uri: Optional[str] = typer.Option(None, help="MLflow tracking URI (default: file store ./mlruns)"),
) -> None:
    """Tune every optimizer with the same grid, run seeds at the chosen rates, train the best again at a
    longer budget on every sentence, and write the report."""
    from ..specs import Budget
    from ..study import StudyPlan, study as run_study
    from ..tracking import Tracking

    plan = StudyPlan(
        tuning=Budget.shaped(tuning_steps, tuning_steps, warmup, train_limit, dev_limit),
        budget=Budget.shaped(steps, eval_frequency, warmup, train_limit, dev_limit),
        seeds=seeds,
        span=span,
        points=points,
        extend=extend,
        seed_block_full=full_reference,
        finalists=finalists,
        final=Budget.shaped(final_steps, final_eval_frequency, warmup, final_train_limit, dev_limit),
    )
    try:
        plan.check()
        executor = Tracking.open("study", backend=backend, jobs=jobs, address=address, mlflow=mlflow, mlflow_uri=mlflow_uri)
        run_study(config, corpus, output, optimizers, names=only, plan=plan, executor=executor)
    except ValueError as err:
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    logged = executor.log([*sorted(output.glob("*.png")), output / "report.md"])
    if logged:
        typer.echo(logged)
    typer.echo((output / "report.md").read_text(encoding="utf8"))
