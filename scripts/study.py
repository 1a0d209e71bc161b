"""Tune every optimizer of the list with the same grid, then several seeds at its best rate; report in OUTPUT."""

import typer

from travel_ner.lab.commands.study import study

if __name__ == "__main__":
    typer.run(study)
