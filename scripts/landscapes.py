"""Run the registered optimizers on 2-D test functions; one PNG of trajectories per function."""

import json
from pathlib import Path
from typing import List, Optional

import typer

from travel_ner.lab.landscapes import SETTINGS, run


def main(
    output: Path = typer.Argument(Path("training/landscapes"), help="Folder for the PNGs and distances.json"),
    steps: int = typer.Option(500, min=1, help="Optimizer steps on each function"),
    only: Optional[List[str]] = typer.Option(None, help="Only these optimizers (repeatable; default: all of SETTINGS)"),
) -> None:
    unknown = sorted(set(only or ()) - set(SETTINGS))
    if unknown:
        raise typer.BadParameter(f"no landscape settings for {', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    distances = run(output, only or list(SETTINGS), steps)
    (output / "distances.json").write_text(json.dumps(distances, indent=1) + "\n", encoding="utf8")
    for landscape, by_name in distances.items():
        typer.echo(f"{landscape}: " + ", ".join(f"{name} {d:.3g}" for name, d in by_name.items()))


if __name__ == "__main__":
    typer.run(main)
