"""Learning-rate range test per optimizer of the list file: suggested rates, a plot and a JSON file.

See travel_ner.lab.lr_find for the algorithm (fastai's lr_find) and what the suggestions mean.
"""

import typer

from travel_ner.lab.commands.lr_find import lr_find as main

if __name__ == "__main__":
    typer.run(main)
