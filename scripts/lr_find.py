"""Learning-rate range test per optimizer of the list file: suggested rates, a plot and a JSON file.

See travel_ner.lab.lr_find for the algorithm (fastai's lr_find) and what the suggestions mean.
"""

from pathlib import Path
from typing import List, Optional

import typer

from travel_ner.lab.lr_find import END, START, STEPS, describe, lr_find, vs_sweep
from travel_ner.lab.specs import Budget


def main(
    config: Path = typer.Argument(..., exists=True, dir_okay=False, help="Pipeline config, e.g. configs/config.cfg"),
    corpus: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of the .spacy splits, e.g. corpus"),
    output: Path = typer.Argument(..., help="Output folder, e.g. training/lr_find"),
    optimizers: Path = typer.Option(Path("configs/compare.yml"), exists=True, dir_okay=False, help="List file"),
    only: Optional[List[str]] = typer.Option(None, help="Test only these optimizers of the list (repeatable)"),
    start: float = typer.Option(START, help="Rate of the first step"),
    end: float = typer.Option(END, help="Rate of the last step"),
    steps: int = typer.Option(STEPS, help="Steps of the ramp, at most (it stops early when the loss blows up)"),
    seed: int = typer.Option(0, help="Seed of every range test"),
    train_limit: int = typer.Option(Budget.train_limit, min=0, help="Training documents read (0: all)"),
    sweep: Optional[Path] = typer.Option(
        None, exists=True, file_okay=False, help="lr-sweep's output folder: also write vs_sweep.md beside it"
    ),
) -> None:
    try:
        tests = lr_find(config, corpus, output, optimizers, names=only, start=start, end=end, steps=steps, seed=seed,
                        train_limit=train_limit)
    except ValueError as err:  # LRFindError, bad settings, unknown names
        typer.secho(str(err), fg="red", err=True)
        raise typer.Exit(1)
    for test in tests:
        typer.echo(describe(test))
    typer.echo(f"written: {output / 'lr_find.json'}, {output / 'lr_find.png'}")
    if sweep is not None:
        vs_sweep(output / "lr_find.json", sweep, output / "vs_sweep.md")
        typer.echo(f"written: {output / 'vs_sweep.md'}")


if __name__ == "__main__":
    typer.run(main)
