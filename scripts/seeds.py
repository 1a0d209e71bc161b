"""Train the config once per seed on the same corpus and tabulate the headline figures' mean and spread.

One run's figures move with the training seed (initial weights, batch order, dropout)
by more than the differences the README discusses; the table gives mean, minimum and
maximum over seeds so that a reader knows what to expect from their own run.
"""

import json
import statistics
from pathlib import Path

import typer

from travel_ner.ner.choices import train_and_score
from travel_ner.files import write_atomic

SETS = ("test", "handwritten_test", "authors_dev", "authors_test")
FIGURES = {
    "generated test, entity F": ("test", "ents_f"),
    "hand-written test, sentence accuracy": ("handwritten_test", "sentence_accuracy"),
    "dev authors, sentence accuracy": ("authors_dev", "sentence_accuracy"),
    "test authors, sentence accuracy": ("authors_test", "sentence_accuracy"),
    "test authors, macro accuracy over authors": ("authors_test", "author_macro_accuracy"),
}


def main(
    config: Path = typer.Argument(..., help="Config to train, e.g. configs/config_tuned.cfg"),
    corpus: Path = typer.Argument(..., help="Folder with the .spacy files of the corpus step"),
    output_dir: Path = typer.Argument(..., help="Where each seed's model and the table go"),
    seeds: str = typer.Option("0,1,2", help="Comma-separated training seeds"),
    max_steps: int = typer.Option(6000, help="Training steps of every run"),
) -> None:
    try:
        seed_list = [int(s) for s in seeds.split(",")]
    except ValueError:
        raise typer.BadParameter(f"--seeds {seeds!r}: expected comma-separated integers such as 0,1,2")
    runs = {}
    for seed in seed_list:
        overrides = {"system.seed": seed, "training.max_steps": max_steps}
        runs[seed] = train_and_score(config, overrides, corpus, output_dir / f"seed_{seed}", SETS)
    rows = [
        f"`{config}`, {max_steps} steps, the same corpus, training seeds {', '.join(map(str, seed_list))}:",
        "",
        "| figure | mean | min | max | " + " | ".join(f"seed {s}" for s in seed_list) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(seed_list),
    ]
    for label, (name, key) in FIGURES.items():
        values = [runs[s][name][key] for s in seed_list]
        cells = " | ".join(f"{v:.3f}" for v in values)
        rows.append(f"| {label} | {statistics.mean(values):.3f} | {min(values):.3f} | {max(values):.3f} | {cells} |")
    table = "\n".join(rows)
    write_atomic(output_dir / "results.json", json.dumps(runs, indent=2, ensure_ascii=False) + "\n")
    write_atomic(output_dir / "results.md", table + "\n")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
