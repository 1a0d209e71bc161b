"""Time one update of every optimizer on the NER pipeline; write a Markdown table."""

from pathlib import Path

import typer

from travel_ner.lab.benchmark import benchmark_markdown, load_pipeline


def main(
    model: Path = typer.Argument(
        Path("training/model-best"), help="Trained pipeline; if missing, one is built from --config"
    ),
    output: Path = typer.Argument(Path("training/optimizer_benchmark.md"), help="Markdown table to write"),
    repeats: int = typer.Option(20, "--repeats", "-n", min=1, help="Timed rounds (medians are reported)"),
    config: Path = typer.Option(Path("configs/config.cfg"), help="Config of the pipeline built when MODEL is missing"),
) -> None:
    """Median time of one full update per optimizer, its ratio to Adam.v1 and its state size."""
    table = benchmark_markdown(load_pipeline(model if model.exists() else None, config), repeats=repeats)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table, encoding="utf8")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
