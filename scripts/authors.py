"""The author files: their second, blind annotation and their counts.

``raw`` writes each author file's sentences without markup or tags for a second
annotator; ``agreement`` compares that annotator's files with the authors' and
writes the rate per author and every disagreement (for resolution by reading the
sentence) to a JSON file; ``stats`` prints sentences, trips and tags per split.
"""

import json
from dataclasses import asdict
from pathlib import Path

import typer

from travel_ner.ner.annotations import AUTHOR_TAGS, read_annotated
from travel_ner.ner.authors import SPLIT_NAMES, disagreements, raw_text, read_authors, tag_counts
from travel_ner.files import write_atomic

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def raw(authors: Path = typer.Argument(..., help="assets/authors"), output_dir: Path = typer.Argument(...)) -> None:
    for path in sorted(authors.glob("*.txt")):
        write_atomic(output_dir / path.name, raw_text(read_annotated(path, AUTHOR_TAGS)))
    typer.echo(f"Raw sentences written to {output_dir}")


@app.command()
def agreement(
    authors: Path = typer.Argument(..., help="assets/authors"),
    second: Path = typer.Argument(..., help="The second annotator's files, one per author file"),
    output: Path = typer.Argument(..., help="JSON file of rates and disagreements"),
) -> None:
    per_author, found = {}, []
    for path in sorted(second.glob("*.txt")):
        first = read_annotated(authors / path.name, AUTHOR_TAGS)
        differ = disagreements(first, read_annotated(path))
        per_author[path.stem] = {"sentences": len(first), "agreed": len(first) - len(differ)}
        found += differ
    total = sum(a["sentences"] for a in per_author.values())
    agreed = sum(a["agreed"] for a in per_author.values())
    report = {"sentences": total, "agreed": agreed, "rate": agreed / total if total else 0.0, "per_author": per_author}
    write_atomic(output, json.dumps({**report, "disagreements": [asdict(d) for d in found]}, indent=1, ensure_ascii=False))
    typer.echo(f"{agreed}/{total} sentences annotated alike ({report['rate']:.3f}); {len(found)} to resolve in {output}")


@app.command()
def stats(authors: Path = typer.Argument(..., help="assets/authors")) -> None:
    by_split = read_authors(authors)
    counts = {name: tag_counts(by_split[name]) for name in SPLIT_NAMES}
    typer.echo("| | " + " | ".join(SPLIT_NAMES) + " |\n|---|" + "---:|" * len(SPLIT_NAMES))
    authors_of = {name: len({s.author for s in by_split[name]}) for name in SPLIT_NAMES}
    for label, values in (
        ("authors", [authors_of[n] for n in SPLIT_NAMES]),
        ("sentences", [len(by_split[n]) for n in SPLIT_NAMES]),
        ("trips", [sum(s.is_trip for s in by_split[n]) for n in SPLIT_NAMES]),
        *((f"`{tag}`", [counts[n][tag] for n in SPLIT_NAMES]) for tag in counts["train"]),
    ):
        typer.echo(f"| {label} | " + " | ".join(str(v) for v in values) + " |")


if __name__ == "__main__":
    app()
