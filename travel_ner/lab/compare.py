"""Optimizer comparison runs and learning-rate sweeps on the real NER pipeline.

A comparison trains every optimizer of the list file (``configs/compare.yml``)
for the same budget, seeds and schedule shape, each at its own peak rate;
a sweep trains each over a grid of peak rates. Both build specs
(:mod:`.specs`), hand them to an executor (:mod:`.executors`: local processes
or Ray) that returns one :class:`~.run.RunRecord` per spec, and write tables
and plots from the records only.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy

from ..files import write_atomic
from . import plots
from .executors import Executor, LocalExecutor
from .run import RunRecord
from .specs import Budget, Entry, RunSpec, block_rate, make_specs, read_entries, select, write_learn_rates

TARGET_F = 0.90

def compare(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    seeds: int = 3,
    executor: Optional[Executor] = None,
    budget: Budget = Budget(),
) -> list[RunRecord]:
    """Run (or resume) the comparison and write results.json, results.md and the plots."""
    entries = select(read_entries(list_path), names)
    specs = make_specs(entries, range(seeds), config, corpus, budget)
    records = (executor or LocalExecutor()).run(specs, output / "runs", "compare")
    write_atomic(output / "results.json", json.dumps([r.to_json() for r in records], indent=1, default=float) + "\n")
    rows = summarize(records, [entry.name for entry in entries])
    write_atomic(output / "results.md", results_table(rows, budget, seeds))
    write_plots(records, [entry.name for entry in entries], output)
    return records


def lr_sweep(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    span: float = 1.5,
    points: int = 7,
    seed: int = 0,
    executor: Optional[Executor] = None,
    budget: Budget,
) -> dict[str, float]:
    """Short runs per optimizer over ``points`` log-spaced peak rates, ``span``
    decades either side of its block's own rate; write the best rate of each into the list file.

    See :func:`grid_specs` for the grid and :func:`best_rates` for the choice.
    """
    entries = select(read_entries(list_path), names)
    specs = grid_specs(entries, seed, config, corpus, budget, span=span, points=points)
    records = (executor or LocalExecutor()).run(specs, output / "runs", "lr-sweep")
    sweep = sweep_points(records, [entry.name for entry in entries])
    best = best_rates(sweep)
    write_atomic(output / "sweep.json", json.dumps({"points": sweep, "best": best}, indent=1) + "\n")
    plots.lr_sweep(output / "lr_sweep.png", sweep, best)
    write_learn_rates(list_path, best, f"lr-sweep ({budget.steps} steps, seed {seed})")
    return best


def grid_specs(
    entries: Sequence[Entry], seed: int, config: Path, corpus: Path, budget: Budget, *, span: float, points: int
) -> list[RunSpec]:
    """One spec per optimizer and rate: ``points`` rates log-spaced over ``span`` decades either side of
    its block's own rate (the block's, not the list file's, so that a second sweep reuses the first's runs)."""
    check_grid(span, points)
    factors = numpy.logspace(-span, span, points) if points > 1 else [1.0]
    return [
        replace(spec, learn_rate=float(f"{block_rate(Path(spec.block)) * factor:.3g}"))
        for spec in make_specs(entries, [seed], config, corpus, budget)
        for factor in factors
    ]


def check_grid(span: float, points: int) -> None:
    if points < 1 or span < 0:
        raise ValueError(
            f"the rate grid is empty or not positive: it needs points >= 1 and span >= 0 decades "
            f"(got points={points}, span={span})"
        )


def sweep_points(records: Sequence[RunRecord], names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Per optimizer, one point per rate: its status, final loss and final dev F."""
    sweep: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for record in records:
        sweep[record.spec.optimizer].append(
            {
                "learn_rate": record.spec.learn_rate,
                "status": record.status,
                "final_loss": final_loss(record.losses) if record.ok else None,
                "dev_f": record.dev_f,
            }
        )
    return sweep


def best_rates(sweep: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """The best rate of each optimizer with a finished run: highest final dev F, ties broken by
    the lowest final loss (short runs often leave several rates at the same F)."""
    return {
        name: max(ok, key=lambda p: (p["dev_f"], -p["final_loss"]))["learn_rate"]
        for name, results in sweep.items()
        if (ok := [p for p in results if p["status"] == "ok"])
    }


def final_loss(losses: Sequence[float]) -> float:
    """Mean loss over the last tenth of a run: one step's loss is too noisy to rank by."""
    tail = losses[-max(1, len(losses) // 10) :]
    return sum(tail) / len(tail)


def summarize(records: Sequence[RunRecord], names: Sequence[str]) -> list[dict[str, Any]]:
    """One row per optimizer: mean and std over its seeds, and how many runs failed."""
    rows = []
    for name in names:
        runs = [r for r in records if r.spec.optimizer == name]
        ok = [r for r in runs if r.ok]
        reached = [point for r in ok if (point := r.reached(TARGET_F)) is not None]
        row: dict[str, Any] = {
            "optimizer": name,
            "learn_rate": runs[0].spec.learn_rate,
            "seeds": len(runs),
            "ok": len(ok),
            "diverged_at": [r.diverged_at for r in runs if r.status == "diverged"],
            "errors": sum(r.status == "error" for r in runs),
            "reached": len(reached),
        }
        for key in ("dev_f", "test_f", "sentence_accuracy", "wall_seconds"):
            row[key] = _mean_std([getattr(r, key) for r in ok])
        row["steps_to_target"] = _mean_std([point.step for point in reached])
        row["seconds_to_target"] = _mean_std([point.seconds for point in reached])
        row["state_multiple"] = _mean_std([r.state_multiple for r in runs if r.state_multiple is not None])
        rows.append(row)
    return rows


def results_table(rows: Sequence[dict[str, Any]], budget: Budget, seeds: int) -> str:
    """The markdown table of results.md; failed runs are named in the dev F column."""
    lines = [
        f"# Optimizer comparison: {budget.steps} steps, warm-up {budget.warmup_steps}, "
        f"evaluation every {budget.eval_frequency} steps, {seeds} seed(s), mean ± std over seeds",
        "",
        f"| optimizer | peak lr | dev F | test F | sentence acc. | steps to dev F ≥ {TARGET_F:.2f} "
        f"| seconds to dev F ≥ {TARGET_F:.2f} | wall time (s) | state memory |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        failures = [f"diverged @ step {step}" for step in row["diverged_at"]]
        failures += [f"{row['errors']} error(s)"] if row["errors"] else []
        dev = _fmt(row["dev_f"], ".3f") + (f" ({'; '.join(failures)})" if failures else "")
        reach = f" ({row['reached']}/{row['ok']})" if row["reached"] < row["ok"] else ""
        lines.append(
            f"| {row['optimizer']} | {row['learn_rate']:.3g} | {dev} | {_fmt(row['test_f'], '.3f')} "
            f"| {_fmt(row['sentence_accuracy'], '.3f')} | {_fmt(row['steps_to_target'], '.0f')}{reach} "
            f"| {_fmt(row['seconds_to_target'], '.1f')}{reach} | {_fmt(row['wall_seconds'], '.1f')} "
            f"| {_fmt(row['state_multiple'], '.2f')} n |"
        )
    lines += [
        "",
        f"- dev F: entity F at the last step on the dev set (first {budget.dev_limit or 'all'} sentences), "
        "with the parameter averages, as spaCy evaluates; test F: corpus/test.spacy; sentence accuracy: "
        "hand-written test sentences (departure and arrival both right, or no trip found where there is none).",
        f"- steps and seconds to dev F ≥ {TARGET_F:.2f}: the first evaluation (every {budget.eval_frequency} "
        "steps) at or above it, over the seeds that reached it (k/n when not all did).",
        "- wall time: the whole run in its own process (set-up, training, evaluations, test scoring) while "
        "other runs share the cores; `cpu_seconds` in results.json is the time it would take on an idle core.",
        "- state memory: weights plus optimizer state (parameter averages excluded), in multiples of the "
        "number of weights n.",
    ]
    return "\n".join(lines) + "\n"


def write_plots(records: Sequence[RunRecord], names: Sequence[str], output: Path) -> None:
    """Loss, dev F, learning rates and the SGD/Momentum close-up, from the finished runs."""
    ok = {name: [r for r in records if r.spec.optimizer == name and r.ok] for name in names}
    ok = {name: runs for name, runs in ok.items() if runs}
    if not ok:
        return
    budget = next(iter(ok.values()))[0].spec.budget
    window = max(1, budget.steps // 30)
    plots.curves(
        output / "loss.png",
        {name: _band([_smooth(r.losses, window) for r in runs]) for name, runs in ok.items()},
        title=f"Training loss (moving average over {window} steps; band: min–max over seeds)",
        ylabel="loss per step",
        log_y=True,
    )
    plots.curves(
        output / "dev_f.png",
        {name: _band([[e.ents_f for e in r.evals] for r in runs], [e.step for e in runs[0].evals])
         for name, runs in ok.items()},
        title="Dev entity F (band: min–max over seeds)",
        ylabel="dev F",
        log_y=False,
    )
    rates = {name: runs[0].learn_rates for name, runs in ok.items()}
    plots.learning_rates(
        output / "learning_rates.png", rates, {name: numpy.divide(values, max(values)) for name, values in rates.items()}
    )
    if "SGD.v1" in ok and "Momentum.v1" in ok:
        # A quarter of the run from the end of warm-up, where the rate is highest.
        start = budget.warmup_steps
        steps = list(range(start, min(start + max(10, budget.steps // 4), budget.steps + 1)))
        pair = {name: ok[name][0] for name in ("SGD.v1", "Momentum.v1")}
        cosines = {name: numpy.array([r.update_cosines[s] for s in steps], dtype=float) for name, r in pair.items()}
        summary = ", ".join(f"{name} {numpy.nanmean(values):+.2f}" for name, values in cosines.items())
        plots.closeup(
            output / "sgd_vs_momentum.png",
            {name: (steps, [r.losses[s] for s in steps]) for name, r in pair.items()},
            {name: (steps, values) for name, values in cosines.items()},
            title=f"SGD vs Momentum, first seed (mean cosine of successive updates: {summary})",
        )




















def _smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average; the first points average what there is so far."""
    cumsum = numpy.cumsum(numpy.asarray(values, dtype=float))
    out = cumsum.copy()
    out[window:] = cumsum[window:] - cumsum[:-window]
    return list(out / numpy.minimum(numpy.arange(1, len(values) + 1), window))


def _band(series: Sequence[Sequence[float]], x: Optional[Sequence[int]] = None) -> plots.Band:
    data = numpy.asarray(series, dtype=float)
    return plots.Band(
        numpy.arange(data.shape[1]) if x is None else numpy.asarray(x), data.mean(0), data.min(0), data.max(0)
    )


def _mean_std(values: Sequence[float]) -> Optional[tuple[float, Optional[float]]]:
    """Mean and sample standard deviation; no deviation for a single run."""
    if not values:
        return None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def _fmt(value: Optional[tuple[float, Optional[float]]], spec: str) -> str:
    if value is None:
        return "—"
    mean, std = value
    return f"{mean:{spec}}" if std is None else f"{mean:{spec}} ± {std:{spec}}"
