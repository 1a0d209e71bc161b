"""Every learning-rate schedule of the project over a 20,000-step run, beside the seed's warmup_linear.v1.

The reference is configs/config.cfg's schedule: warmup_linear.v1, warm-up 250 steps, 20,000 steps, peak 5e-5.
Every other schedule has the same peak and, where it has them, the same warm-up and length; the rest:

- cosine_warmup.v1: down to min_rate 0 at the last step (torch's CosineAnnealingLR with eta_min 0).
- one_cycle.v1: torch's OneCycleLR defaults: up over the first 30% from peak / 25, then down to
  peak / 25 / 1e4 (no separate warm-up: the rise is its warm-up).
- inverse_sqrt.v1: peak * sqrt(250 / t) after the warm-up ("Attention is all you need"); no end.
- wsd.v1: stable at the peak, then the last 20% (4,000 steps) down to 0 along 1 - sqrt, the cool-down
  Hägele et al. (2024) found best, with 20% as their longer cool-down.
- exponential.v1: no warm-up; gamma = 0.01 ** (1 / 20,000), so the rate ends at 1% of the peak.
"""

from pathlib import Path

import matplotlib
import typer

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from thinc.api import registry  # noqa: E402

from travel_ner import optim  # noqa: E402,F401 -- registers ours without entry points

PEAK = 5e-5
WARMUP = 250
TOTAL = 20_000
#: Registered name -> settings, the reference first.
SCHEDULES = {
    "warmup_linear.v1": dict(initial_rate=PEAK, warmup_steps=WARMUP, total_steps=TOTAL),
    "cosine_warmup.v1": dict(initial_rate=PEAK, warmup_steps=WARMUP, total_steps=TOTAL, min_rate=0.0),
    "one_cycle.v1": dict(initial_rate=PEAK, total_steps=TOTAL, pct_start=0.3, div_factor=25.0, final_div_factor=1e4),
    "inverse_sqrt.v1": dict(initial_rate=PEAK, warmup_steps=WARMUP),
    "wsd.v1": dict(
        initial_rate=PEAK, warmup_steps=WARMUP, total_steps=TOTAL, decay_steps=TOTAL // 5, decay_shape="1-sqrt"
    ),
    "exponential.v1": dict(initial_rate=PEAK, gamma=0.01 ** (1 / TOTAL)),
}


def schedule_series(steps: int = TOTAL) -> dict[str, list[float]]:
    """The rate of steps 0 .. steps of each schedule, drawn from the registered factory as an optimizer draws it."""
    series = {}
    for name, settings in SCHEDULES.items():
        values = iter(registry.schedules.get(name)(**settings))
        series[name] = [next(values) for _ in range(steps + 1)]
    return series


def main(output: Path = typer.Argument(Path("docs/schedules.png"), help="The PNG to write")) -> None:
    series = schedule_series()
    fig, (linear, log) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, values in series.items():
        style = {"color": "black", "linewidth": 2.2} if name == "warmup_linear.v1" else {"linewidth": 1.3}
        label = f"{name} (configs/config.cfg)" if name == "warmup_linear.v1" else name
        for ax in (linear, log):
            ax.plot(range(len(values)), values, label=label, **style)
    linear.set(title=f"Schedules over {TOTAL:,} steps, peak {PEAK:g}", xlabel="step", ylabel="learning rate")
    log.set_yscale("log")
    log.set_ylim(PEAK * 1e-6, PEAK * 2)
    log.set(title="The same, log scale (warm-ups and tails)", xlabel="step", ylabel="learning rate")
    for ax in (linear, log):
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = linear.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize="small", bbox_to_anchor=(0.5, -0.06))
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110, bbox_inches="tight")
    plt.close(fig)
    typer.echo(f"written: {output}")


if __name__ == "__main__":
    typer.run(main)
