"""Model choices backed by measurement: train variants of the config and tabulate their scores.

Each variant is the project config plus ``spacy train`` overrides, trained with
the same corpus, seed and step budget, then scored like ``evaluate`` does, so
the README's choices (static vectors or not, context window, CNN size, reference or tuned
rate) rest on numbers anyone can rerun. Speed is measured for all of them side by side, since
a bigger tok2vec buys accuracy with prediction speed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .scoring import evaluate

NO_VECTORS = {"paths.vectors": None, "components.tok2vec.model.embed.include_static_vectors": False}
# name (also the output folder) -> config and overrides. The tuned config itself is
# what `all` trains: its row is read from that run's metrics rather than trained twice.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "reference": ("configs/config.cfg", {}),
    "tuned_no_vectors": ("configs/config_tuned.cfg", NO_VECTORS),
    "tuned_window_1": ("configs/config_tuned.cfg", {"components.tok2vec.model.encode.window_size": 1}),
    "tuned_depth_3": ("configs/config_tuned.cfg", {"components.tok2vec.model.encode.depth": 3}),
}
SPEED_BASELINE = "fr_core_news_sm"
MAIN_RUN = ("tuned", "configs/config_tuned.cfg")


def train_and_score(
    config: Path, overrides: dict[str, Any], corpus: Path, output: Path, sets: tuple[str, ...] = ("test", "handwritten_test")
) -> dict[str, Any]:
    """Train ``config`` with ``overrides`` on ``corpus``, then score model-best on each of ``sets``."""
    from spacy.cli.train import train

    start = time.perf_counter()
    train(config, output, overrides={"paths.train": str(corpus / "train.spacy"), "paths.dev": str(corpus / "dev.spacy"), **overrides})
    seconds = time.perf_counter() - start
    paths = {name: corpus / f"{name}.spacy" for name in sets}
    return {"train_seconds": seconds, **evaluate(output / "model-best", paths, output)}


def choices_table(results: dict[str, dict[str, Any]], max_steps: int) -> str:
    rows = [
        f"Each variant trained {max_steps} steps on the same corpus and seed (`python -m spacy project run model-choices`).",
        "",
        f"Speed: median sentences per second over the test sentences divided by {SPEED_BASELINE}'s, all side by side.",
        "",
        "| variant | config | test entity F (unseen places) | hand-written sentence accuracy | worst category "
        f"| speed (× {SPEED_BASELINE}) | train time |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    for name, result in results.items():
        config, overrides = VARIANTS.get(name, (MAIN_RUN[1], {}))
        changes = ", ".join(f"{key}={value}" for key, value in overrides.items())
        minutes = f"{result['train_seconds'] / 60:.1f} min" if "train_seconds" in result else "the `all` run"
        hand = result["handwritten_test"]
        worst = min(hand["by_category"].items(), key=lambda item: item[1]["accuracy"])
        rows.append(
            f"| {name} | `{config}` {changes} | {result['test']['ents_f']:.3f} | {hand['sentence_accuracy']:.3f} "
            f"| {worst[0]} {worst[1]['accuracy']:.3f} | {result['speed_ratio']:.2f} | {minutes} |"
        )
    return "\n".join(rows)
