"""Tables and statistics of a study, from its records only (no training here).

Every figure is a mean over seeds with a 95% confidence interval from
Student's t distribution (n - 1 degrees of freedom), which is what three to
ten seeds call for; a difference from the reference optimizer is tested
paired by seed (same seed, same batches and initial weights), with a
two-sided paired t-test. Student's distribution is computed here from the
regularised incomplete beta function, to keep SciPy out of the dependencies.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .run import RunRecord

TARGETS = (0.90, 0.95)
#: A finished run whose final dev F stays below this has not learned the task (e.g. a rate far too low).
NEVER_LEARNED_F = 0.10
ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    """Mean over n values and the half-width of its 95% confidence interval (None for one value)."""

    mean: float
    half_width: Optional[float]
    n: int

    def format(self, spec: str) -> str:
        if self.half_width is None:
            return f"{self.mean:{spec}}"
        return f"{self.mean:{spec}} ± {self.half_width:{spec}}"


@dataclass(frozen=True)
class Comparison:
    """Paired difference of final dev F from the reference optimizer, over the seeds both finished."""

    difference: Estimate
    p_value: Optional[float]

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


@dataclass(frozen=True)
class Row:
    """One line of the study's table: a label (an optimizer at its chosen rate, or a reference)."""

    label: str
    optimizer: str
    learn_rate: float
    steps: int
    seeds: int
    ok: int
    diverged: list = field(default_factory=list)  # steps at which runs diverged
    errors: int = 0
    never_learned: int = 0
    dev_f: Optional[Estimate] = None
    test_f: Optional[Estimate] = None
    sentence_accuracy: Optional[Estimate] = None
    steps_to: dict = field(default_factory=dict)  # target -> (Estimate or None, runs that reached it)
    seconds_to: dict = field(default_factory=dict)
    state_multiple: Optional[float] = None
    cpu_seconds: Optional[Estimate] = None
    versus_reference: Optional[Comparison] = None


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    x = df / (df + t * t)
    tail = 0.5 * _betainc(df / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The t with P(T <= t) = p, by bisection (the CDF is monotone)."""
    low, high = -1e3, 1e3
    for _ in range(200):
        mid = (low + high) / 2
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def estimate(values: Sequence[float]) -> Optional[Estimate]:
    """Mean and 95% confidence half-width over the values; None when there are none."""
    values = [float(v) for v in values]
    if not values:
        return None
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, None, 1)
    half = t_quantile(1 - ALPHA / 2, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return Estimate(mean, half, len(values))


def paired(values: Sequence[float], reference: Sequence[float]) -> Optional[Comparison]:
    """Paired t-test of values - reference (same seeds, in order); p is None when all differences are equal."""
    differences = [a - b for a, b in zip(values, reference)]
    if len(differences) < 2:
        return None
    spread = statistics.stdev(differences)
    mean = statistics.fmean(differences)
    if spread == 0:
        return Comparison(estimate(differences), None if mean == 0 else 0.0)
    t = mean / (spread / math.sqrt(len(differences)))
    return Comparison(estimate(differences), 2 * (1 - t_cdf(abs(t), len(differences) - 1)))


def summarize(label: str, records: Sequence[RunRecord], reference: Sequence[RunRecord] = ()) -> Row:
    """The row of one label's runs (one per seed); ``reference``: the reference optimizer's runs."""
    ok = [r for r in records if r.ok]
    learned = [r for r in ok if r.dev_f >= NEVER_LEARNED_F]
    steps_to, seconds_to = {}, {}
    for target in TARGETS:
        reached = [point for r in ok if (point := r.reached(target)) is not None]
        steps_to[target] = (estimate([p.step for p in reached]), len(reached))
        seconds_to[target] = (estimate([p.seconds for p in reached]), len(reached))
    by_seed = {r.spec.seed: r.dev_f for r in ok}
    pairs = [(by_seed[r.spec.seed], r.dev_f) for r in reference if r.ok and r.spec.seed in by_seed]
    spec = records[0].spec
    states = [r.state_multiple for r in records if r.state_multiple is not None]
    return Row(
        label=label,
        optimizer=spec.optimizer,
        learn_rate=spec.learn_rate,
        steps=spec.budget.steps,
        seeds=len(records),
        ok=len(ok),
        diverged=[r.diverged_at for r in records if r.status == "diverged"],
        errors=sum(r.status == "error" for r in records),
        never_learned=len(ok) - len(learned),
        dev_f=estimate([r.dev_f for r in ok]),
        test_f=estimate([r.test_f for r in ok]),
        sentence_accuracy=estimate([r.sentence_accuracy for r in ok]),
        steps_to=steps_to,
        seconds_to=seconds_to,
        state_multiple=max(states) if states else None,
        cpu_seconds=estimate([r.cpu_seconds for r in ok]),
        versus_reference=paired(*zip(*pairs)) if reference and pairs else None,
    )


def table(rows: Sequence[Row], reference: str) -> str:
    """The markdown table of report.md, best mean dev F first."""
    header = (
        "| optimizer | rate | steps | dev F | generated test F | hand-written sentence acc. "
        + "".join(f"| steps to {t:.2f} | seconds to {t:.2f} " for t in TARGETS)
        + f"| dev F − {reference} (p) | failures | state memory | CPU s per run |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    ordered = sorted(rows, key=lambda row: -(row.dev_f.mean if row.dev_f else -1))
    for row in ordered:
        cells = [row.label, f"{row.learn_rate:.3g}", str(row.steps)]
        cells += [_cell(row.dev_f, ".3f"), _cell(row.test_f, ".3f"), _cell(row.sentence_accuracy, ".3f")]
        for target in TARGETS:
            for values, spec in ((row.steps_to[target], ".0f"), (row.seconds_to[target], ".0f")):
                found, reached = values
                note = f" ({reached}/{row.ok})" if reached < row.ok else ""
                cells.append(_cell(found, spec) + note)
        cells.append(_comparison(row.versus_reference))
        cells.append(_failures(row))
        cells.append("—" if row.state_multiple is None else f"{row.state_multiple:.2f} n")
        cells.append(_cell(row.cpu_seconds, ".0f"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Optional[Estimate], spec: str) -> str:
    return "—" if value is None else value.format(spec)


def _comparison(comparison: Optional[Comparison]) -> str:
    if comparison is None:
        return "—"
    p = "—" if comparison.p_value is None else f"{comparison.p_value:.3f}"
    mark = " *" if comparison.significant else ""
    return f"{comparison.difference.mean:+.3f} ({p}){mark}"


def _failures(row: Row) -> str:
    parts = [f"diverged @ {step}" for step in row.diverged]
    parts += [f"{row.errors} error(s)"] if row.errors else []
    parts += [f"{row.never_learned} never learned"] if row.never_learned else []
    return "; ".join(parts) or "none"


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), by its continued fraction (Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betainc(b, a, 1 - x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return math.exp(log_front) * result / a
