"""Copy the study, lr-find and landscape figures into docs/figures as small PNGs for the README."""

from pathlib import Path
from typing import List

import typer

from travel_ner.lab.plots import thumbnail


def main(
    sources: List[Path] = typer.Argument(..., help="PNG files to copy"),
    output_dir: Path = typer.Option(Path("docs/figures"), help="Where the small copies go"),
    width: int = typer.Option(900, help="Width in pixels"),
) -> None:
    for source in sources:
        thumbnail(source, output_dir / source.name, width)
        typer.echo(f"{source} -> {output_dir / source.name}")


if __name__ == "__main__":
    typer.run(main)
