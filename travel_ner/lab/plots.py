"""Matplotlib figures of the optimizer comparison, sweep and toy landscapes.

Figures only: every number drawn is computed by the caller (compare.py,
landscapes.py), so what a plot shows can be tested without drawing it. The
Agg backend writes PNGs on a machine without a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

DPI = 110


class Band(NamedTuple):
    """A curve over seeds: mean and the spread to shade."""

    x: numpy.ndarray
    mean: numpy.ndarray
    low: numpy.ndarray
    high: numpy.ndarray


def _styles(names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """One line style per optimizer, in list order: ten distinct colours, then dashed."""
    cmap = plt.get_cmap("tab10")
    return {name: {"color": cmap(i % 10), "linestyle": "-" if i < 10 else "--"} for i, name in enumerate(names)}


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def curves(path: Path, bands: Mapping[str, Band], *, title: str, ylabel: str, log_y: bool) -> None:
    """All optimizers on one chart: a line per mean, the seed spread shaded."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    styles = _styles(list(bands))
    for name, band in bands.items():
        ax.plot(band.x, band.mean, label=name, linewidth=1.4, **styles[name])
        ax.fill_between(band.x, band.low, band.high, color=styles[name]["color"], alpha=0.2, linewidth=0)
    if log_y:
        ax.set_yscale("log")
    ax.set(title=title, xlabel="step", ylabel=ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(ncol=2, fontsize="small")
    _save(fig, path)


def learning_rates(
    path: Path, rates: Mapping[str, Sequence[float]], relative: Mapping[str, Sequence[float]]
) -> None:
    """Left: each rate over its peak, linear, where the shared shape shows (the curves
    coincide); right: the rates themselves, log scale, where each peak shows."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    styles = _styles(list(rates))
    for name, values in relative.items():
        left.plot(numpy.arange(len(values)), values, label=name, **styles[name])
    for name, values in rates.items():
        right.plot(numpy.arange(len(values)), values, label=name, **styles[name])
    left.set(title="Schedule shape (rate / peak)", xlabel="step", ylabel="fraction of the peak rate")
    right.set_yscale("log")
    right.set(title="Learning rate actually used", xlabel="step", ylabel="learning rate")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
    right.legend(ncol=2, fontsize="small")
    _save(fig, path)


def closeup(
    path: Path,
    losses: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    cosines: Mapping[str, tuple[Sequence[int], Sequence[float]]],
    *,
    title: str,
) -> None:
    """Per-step losses above, cosines of successive weight updates below, as (steps, values).

    Each step's loss is that of a new batch, so batch noise dominates it; a
    cosine below 0 means a step undid part of the previous one: oscillation.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name, (steps, values) in losses.items():
        top.plot(steps, values, label=name, linewidth=1.0)
    top.set(title=title, ylabel="loss of the step's batch")
    for name, (steps, values) in cosines.items():
        bottom.plot(steps, values, label=name, linewidth=1.0)
    bottom.axhline(0, color="black", linewidth=0.8)
    bottom.set(xlabel="step", ylabel="cos(update, previous update)", ylim=(-1.05, 1.05))
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.legend()
    _save(fig, path)


def lr_sweep(path: Path, points: Mapping[str, Sequence[Mapping[str, Any]]], best: Mapping[str, float]) -> None:
    """Per optimizer: final loss (left axis) and dev F (right axis) against the peak rate.

    Diverged or failed runs are marked with a cross on the x axis.
    """
    names = list(points)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        sweep = sorted(points[name], key=lambda p: p["learn_rate"])
        ok = [p for p in sweep if p["status"] == "ok"]
        failed = [p["learn_rate"] for p in sweep if p["status"] != "ok"]
        ax.plot([p["learn_rate"] for p in ok], [p["final_loss"] for p in ok], "o-", color="tab:blue")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("peak learning rate")
        ax.set_ylabel("final loss", color="tab:blue")
        twin = ax.twinx()
        twin.plot([p["learn_rate"] for p in ok], [p["dev_f"] for p in ok], "s--", color="tab:orange")
        twin.set_ylim(0, 1.02)
        twin.set_ylabel("dev F", color="tab:orange")
        if failed:
            ax.plot(failed, [0] * len(failed), "x", color="red", transform=ax.get_xaxis_transform(), clip_on=False)
        if name in best:
            ax.axvline(best[name], color="green", alpha=0.5)
    fig.suptitle("Learning-rate sweep (green: chosen rate, red x: diverged or failed)")
    fig.tight_layout()
    _save(fig, path)


def trajectories(
    path: Path,
    grid: tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray],
    paths: Mapping[str, numpy.ndarray],
    *,
    minimum: Sequence[float],
    title: str,
    log_levels: bool,
) -> None:
    """One panel per optimizer (paths are arrays of shape (steps + 1, 2)) over the
    function's contour map: eleven paths on one map hide each other."""
    x, y, z = grid
    if log_levels:
        z = z - z.min() + 1e-3
        levels, norm = numpy.logspace(numpy.log10(z.min()), numpy.log10(z.max()), 30), LogNorm()
    else:
        levels, norm = numpy.linspace(z.min(), z.max(), 30), None
    cols = min(4, len(paths))
    rows = -(-len(paths) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False, sharex=True, sharey=True)
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    for ax, (name, points) in zip(axes.flat, paths.items()):
        ax.contourf(x, y, z, levels=levels, norm=norm, cmap="Greys_r", alpha=0.8)
        ax.plot(points[:, 0], points[:, 1], "-", color="tab:orange", linewidth=1.2)
        ax.plot(*points[0], "o", color="tab:blue", markersize=6)
        ax.plot(*points[-1], "o", color="tab:orange", markersize=4)
        ax.plot(*minimum, "*", color="red", markersize=12)
        ax.set_title(name, fontsize="medium")
        ax.set(xlim=(x.min(), x.max()), ylim=(y.min(), y.max()))
    fig.suptitle(f"{title}  (blue: start, red star: minimum)")
    fig.tight_layout()
    _save(fig, path)


def thumbnail(source: Path, target: Path, width: int = 900) -> None:
    """A smaller copy of a figure for the README (docs/ keeps the repository light)."""
    from PIL import Image

    with Image.open(source) as image:
        height = round(image.height * width / image.width)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").resize((width, height), Image.LANCZOS).save(target, optimize=True)


def time_to_target(path: Path, times: Mapping[str, Sequence[Any]], targets: Sequence[float]) -> None:
    """Seconds to each dev F target per label: bars at the mean, 95% intervals as error bars,
    and the share of seeds that reached it; labels that never reached a target say so."""
    labels = list(times)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(labels) + 1.5))
    height = 0.8 / len(targets)
    for i, target in enumerate(targets):
        y = numpy.arange(len(labels)) + i * height
        for row, label in zip(y, labels):
            found, reached = times[label][i]
            if found is None:
                ax.text(0, row, f"  {target:.2f} not reached", va="center", fontsize="x-small", color="grey")
                continue
            ax.barh(row, found.mean, height, xerr=found.half_width or 0, color=f"C{i}", alpha=0.8,
                    label=f"dev F ≥ {target:.2f}")
            ax.text(found.mean, row, f" {reached} seed(s)", va="center", fontsize="x-small")
    ax.set_yticks(numpy.arange(len(labels)) + height * (len(targets) - 1) / 2, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set(xlabel="seconds of training to reach the target (mean, 95% interval)", title="Time to target")
    ax.grid(True, axis="x", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles))
    ax.legend(unique.values(), unique.keys(), fontsize="small")
    _save(fig, path)


def dev_f_vs_rate(path: Path, points: Mapping[str, Sequence[Mapping[str, Any]]], best: Mapping[str, float]) -> None:
    """Final dev F of every tuning run against its peak rate, every optimizer on one chart; stars: chosen rates."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    styles = _styles(list(points))
    for name, sweep in points.items():
        ok = sorted((p for p in sweep if p["status"] == "ok"), key=lambda p: p["learn_rate"])
        ax.plot([p["learn_rate"] for p in ok], [p["dev_f"] for p in ok], "o", label=name, markersize=3, **styles[name])
        if name in best:
            chosen = next(p for p in ok if p["learn_rate"] == best[name])
            ax.plot([chosen["learn_rate"]], [chosen["dev_f"]], "*", markersize=11, color=styles[name]["color"])
    ax.set_xscale("log")
    ax.set(xlabel="peak learning rate", ylabel="final dev F", ylim=(0, 1.02), title="Tuning: dev F against the peak rate (stars: chosen)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(ncol=3, fontsize="x-small")
    _save(fig, path)
