"""Prediction throughput of pipelines, measured side by side on the same sentences.

The machine is shared and noisy, so the pipelines run in interleaved rounds and
the table reports the median sentences per second and the ratio to a baseline.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Mapping, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import DocBin


def sentences_per_second(nlp: Language, texts: Sequence[str], batch_size: int = 256) -> float:
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return len(texts) / (time.perf_counter() - start)


def compare_speed(pipelines: dict[str, Language], texts: Sequence[str], rounds: int = 5) -> dict[str, list[float]]:
    """Sentences per second of each pipeline in each round, after one warm-up pass each."""
    for nlp in pipelines.values():
        sentences_per_second(nlp, texts[:50])
    runs: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, nlp in pipelines.items():
            runs[name].append(sentences_per_second(nlp, texts))
    return runs


def speed_table(runs: dict[str, list[float]], baseline: str, n_texts: int) -> str:
    base = statistics.median(runs[baseline])
    rows = [
        f"Prediction speed on {n_texts} sentences, median of {len(runs[baseline])} interleaved rounds (1 process).",
        "",
        "| pipeline | sentences/s (median) | min – max | × " + baseline + " |",
        "|---|---:|---:|---:|",
    ]
    for name, values in runs.items():
        median = statistics.median(values)
        rows.append(f"| {name} | {median:,.0f} | {min(values):,.0f} – {max(values):,.0f} | {median / base:.2f} |")
    return "\n".join(rows)


def speed_runs(
    models: Mapping[str, str | Path], corpus_files: Sequence[Path], rounds: int = 5
) -> tuple[dict[str, list[float]], int]:
    """Load each pipeline (a path or a package name) and time them side by side on the texts of ``corpus_files``."""
    pipelines = {name: spacy.load(model) for name, model in models.items()}
    vocab = next(iter(pipelines.values())).vocab
    texts = [doc.text for path in corpus_files for doc in DocBin().from_disk(path).get_docs(vocab)]
    return compare_speed(pipelines, texts, rounds), len(texts)


def speed_ratios(
    models: Mapping[str, str | Path], corpus_files: Sequence[Path], baseline: str, rounds: int = 5
) -> dict[str, float]:
    """Median sentences per second of each of ``models`` divided by that of ``models[baseline]``, in one run."""
    if baseline not in models:
        raise ValueError(f"baseline {baseline!r} is not one of the models: {', '.join(models)}")
    runs, _ = speed_runs(models, corpus_files, rounds)
    base = statistics.median(runs[baseline])
    return {name: statistics.median(values) / base for name, values in runs.items()}


def bench_speed(model: Path, corpus_files: Sequence[Path], baseline: str = "fr_core_news_sm", rounds: int = 5) -> str:
    """Compare ``model`` with the ``baseline`` package on the texts of ``corpus_files``."""
    runs, n_texts = speed_runs({str(model): model, baseline: baseline}, corpus_files, rounds)
    return speed_table(runs, baseline, n_texts)
