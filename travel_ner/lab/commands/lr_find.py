"""`lr-find`: the learning-rate range test of each optimizer of a list."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .. import defaults


def lr_find(
    config: Path = typer.Argument(..., help="Pipeline config, e.g. configs/config.cfg"),
    corpus: Path = typer.Option(Path("corpus"), help="Folder of the .spacy splits"),
    output: Path = typer.Option(Path("training/lr_find"), help="Where lr_find.json and lr_find.png go"),
    optimizers: Path = typer.Option(Path("configs/compare.yml"), help="List file of the optimizers"),
    only: Optional[list[str]] = typer.Option(None, help="Test only these optimizers of the list (repeatable)"),
    start: float = typer.Option(defaults.RAMP_START, help="Rate of the first step"),
    end: float = typer.Option(defaults.RAMP_END, help="Rate of the last step"),
    steps: int = typer.Option(defaults.RAMP_STEPS, help="Steps of the ramp, at most (it stops early when the loss blows up)"),
    seed: int = typer.Option(0, help="Seed of every range test"),
    train_limit: int = typer.Option(defaults.TRAIN_LIMIT, min=0, help="Training documents read (0: all)"),
    sweep: Optional[Path] = typer.Option(
        None, help="A sweep's output folder (lr-sweep's, or a study's tuning/): also write vs_sweep.md"
    ),
) -> None:
    """Learning-rate range test per optimizer (fastai's lr_find): two suggested rates each, a plot and a JSON file."""
    from ..lr_find import describe, lr_find as run_lr_find, vs_sweep

    for path, what in ((config, "config file"), (optimizers, "list file"), (corpus / "train.spacy", "training corpus")):
        if not path.is_file():
            raise typer.BadParameter(f"{what} {path} does not exist")
    if sweep is not None and not (sweep / "sweep.json").is_file():
        raise typer.BadParameter(f"--sweep {sweep} holds no sweep.json; run lr-sweep first")
    try:
        tests = run_lr_find(config, corpus, output, optimizers, names=only, start=start, end=end, steps=steps, seed=seed,
                        train_limit=train_limit)
    except ValueError as err:  # a first loss that is not finite, a bad setting, an unknown name
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    for test in tests:
        typer.echo(describe(test))
    typer.echo(f"written: {output / 'lr_find.json'}, {output / 'lr_find.png'}")
    if sweep is not None:
        vs_sweep(output / "lr_find.json", sweep, output / "vs_sweep.md")
        typer.echo(f"written: {output / 'vs_sweep.md'}")
