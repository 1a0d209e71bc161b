"""Train each variant of travel_ner.ner.choices.VARIANTS and write a comparison table."""

import json
from pathlib import Path

import typer

from travel_ner.ner.choices import MAIN_RUN, SPEED_BASELINE, VARIANTS, choices_table, train_and_score
from travel_ner.files import write_atomic
from travel_ner.ner.speed import speed_ratios


def main(
    corpus: Path = typer.Argument(..., help="Folder with train/dev/test/handwritten_test.spacy"),
    output_dir: Path = typer.Argument(..., help="Where each variant's model, metrics and the table go"),
    max_steps: int = typer.Option(3000, help="Training steps of every variant"),
    seed: int = typer.Option(0, help="Seed of every variant"),
    main_metrics: Path = typer.Option(Path("training/metrics.json"), help="Metrics of the tuned model that `all` trained"),
    main_model: Path = typer.Option(Path("training/model-best"), help="The tuned model that `all` trained"),
) -> None:
    results = {MAIN_RUN[0]: json.loads(main_metrics.read_text(encoding="utf-8"))}
    models = {MAIN_RUN[0]: main_model}
    for name, (config, overrides) in VARIANTS.items():
        overrides = {**overrides, "training.max_steps": max_steps, "system.seed": seed}
        results[name] = train_and_score(Path(config), overrides, corpus, output_dir / name)
        models[name] = output_dir / name / "model-best"
    texts = [corpus / "test.spacy", corpus / "handwritten_test.spacy"]
    ratios = speed_ratios({**models, SPEED_BASELINE: SPEED_BASELINE}, texts, SPEED_BASELINE)
    for name in models:
        results[name]["speed_ratio"] = ratios[name]
    write_atomic(output_dir / "results.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = choices_table(results, max_steps)
    write_atomic(output_dir / "results.md", table + "\n")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
