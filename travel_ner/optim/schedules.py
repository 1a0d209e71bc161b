"""Learning-rate schedules that thinc 8.3 lacks, for spaCy's ``learn_rate``.

In thinc 8.3 a schedule is a generator, as ``warmup_linear.v1`` is: the
optimizer draws its first value when it is built and one more at each
``step_schedules()``, so value n is the rate after n updates, as a
``torch.optim.lr_scheduler`` gives after n calls of ``step()``. Each factory
checks its settings first and only then returns the generator, so a bad
setting fails when the config is resolved, naming it and what is allowed.
Past its length a schedule holds its last value, as ``warmup_linear.v1``
holds 0. ``initial_rate`` is the rate each schedule scales (torch's base or
maximum lr), named as in ``warmup_linear.v1`` so that one can replace the other.
"""

import math
from typing import Callable, Dict, Iterable, Iterator

from thinc.api import registry

from .ranges import POSITIVE, Interval, check, check_choice, check_integer

__all__ = ["cosine_warmup", "exponential", "inverse_sqrt", "one_cycle", "wsd"]

# wsd.v1's decay shapes, from 1 to 0 as p goes from 0 to 1.
SHAPES: Dict[str, Callable[[float], float]] = {
    "linear": lambda p: 1.0 - p,
    "cosine": lambda p: (1.0 + math.cos(math.pi * p)) / 2.0,
    "1-sqrt": lambda p: 1.0 - math.sqrt(p),
}


def _series(rate: Callable[[int], float]) -> Iterator[float]:
    step = 0
    while True:
        yield rate(step)
        step += 1


def _warmup(step: int, warmup_steps: int, start_factor: float = 0.0) -> float:
    """The factor of a linear warm-up from `start_factor` to 1 (torch's LinearLR)."""
    return start_factor + (1.0 - start_factor) * step / warmup_steps


@registry.schedules("cosine_warmup.v1")
def cosine_warmup(
    initial_rate: float,
    warmup_steps: int,
    total_steps: int,
    *,
    min_rate: float = 0.0,
    start_factor: float = 0.0,
) -> Iterable[float]:
    """Linear warm-up from start_factor * initial_rate, then a cosine from
    initial_rate down to min_rate at total_steps (torch's LinearLR, then
    CosineAnnealingLR, in a SequentialLR)."""
    name = "cosine_warmup.v1"
    check(name, "initial_rate", initial_rate, POSITIVE)
    check_integer(name, "total_steps", total_steps, Interval(1))
    check_integer(name, "warmup_steps", warmup_steps, Interval(0, total_steps))
    check(name, "min_rate", min_rate, Interval(0.0, initial_rate, high_open=False))
    check(name, "start_factor", start_factor, Interval(0.0, 1.0, high_open=False))
    cosine_steps = total_steps - warmup_steps

    def rate(step: int) -> float:
        if step < warmup_steps:
            return initial_rate * _warmup(step, warmup_steps, start_factor)
        cosine = (1.0 + math.cos(math.pi * min(step - warmup_steps, cosine_steps) / cosine_steps)) / 2.0
        return min_rate + (initial_rate - min_rate) * cosine

    return _series(rate)


@registry.schedules("one_cycle.v1")
def one_cycle(
    initial_rate: float,
    total_steps: int,
    *,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    anneal_strategy: str = "cos",
    three_phase: bool = False,
) -> Iterable[float]:
    """Smith's one-cycle policy, as torch's OneCycleLR with max_lr =
    initial_rate: from initial_rate / div_factor up to initial_rate over
    pct_start of the steps, then down to initial_rate / div_factor /
    final_div_factor at the last step (three_phase: back to the start rate
    first, over as many steps as the rise)."""
    name = "one_cycle.v1"
    check(name, "initial_rate", initial_rate, POSITIVE)
    check_integer(name, "total_steps", total_steps, Interval(2))
    check(name, "pct_start", pct_start, Interval(0.0, 0.5 if three_phase else 1.0, low_open=True))
    if pct_start * total_steps <= 1:
        raise ValueError(
            f"{name}: pct_start={pct_start!r} with total_steps={total_steps} leaves no step to "
            "warm up over: pct_start * total_steps must exceed 1"
        )
    check(name, "div_factor", div_factor, POSITIVE)
    check(name, "final_div_factor", final_div_factor, POSITIVE)
    check_choice(name, "anneal_strategy", anneal_strategy, ("cos", "linear"))
    start = initial_rate / div_factor
    levels = [start, initial_rate, *([start] if three_phase else []), start / final_div_factor]
    rise_end = float(pct_start * total_steps) - 1
    ends = [rise_end, *([float(2 * pct_start * total_steps) - 2] if three_phase else []), total_steps - 1]

    def anneal(high: float, low: float, pct: float) -> float:
        # torch's _annealing_cos and _annealing_linear, operation for operation.
        if anneal_strategy == "cos":
            return low + (high - low) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (low - high) * pct + high

    def rate(step: int) -> float:
        step = min(step, total_steps - 1)
        phase = next(i for i, end in enumerate(ends) if step <= end)
        phase_start = ends[phase - 1] if phase else 0.0
        return anneal(levels[phase], levels[phase + 1], (step - phase_start) / (ends[phase] - phase_start))

    return _series(rate)


@registry.schedules("inverse_sqrt.v1")
def inverse_sqrt(initial_rate: float, warmup_steps: int) -> Iterable[float]:
    """Linear warm-up to initial_rate, then initial_rate * sqrt(warmup_steps / t),
    the rule of "Attention is all you need" (torch: LambdaLR)."""
    name = "inverse_sqrt.v1"
    check(name, "initial_rate", initial_rate, POSITIVE)
    check_integer(name, "warmup_steps", warmup_steps, Interval(1))

    def rate(step: int) -> float:
        if step < warmup_steps:
            return initial_rate * _warmup(step, warmup_steps)
        return initial_rate * math.sqrt(warmup_steps / step)

    return _series(rate)


@registry.schedules("wsd.v1")
def wsd(
    initial_rate: float,
    warmup_steps: int,
    total_steps: int,
    decay_steps: int,
    *,
    min_rate: float = 0.0,
    decay_shape: str = "linear",
) -> Iterable[float]:
    """Warm-up, stable, decay (Hu et al. 2024, MiniCPM): linear warm-up to
    initial_rate, constant until total_steps - decay_steps, then down to
    min_rate at total_steps, by a linear, cosine or 1-sqrt shape (Hägele et
    al. 2024). A run can be extended from the stable phase, unlike a cosine."""
    name = "wsd.v1"
    check(name, "initial_rate", initial_rate, POSITIVE)
    check_integer(name, "total_steps", total_steps, Interval(1))
    check_integer(name, "decay_steps", decay_steps, Interval(1, total_steps, high_open=False))
    check_integer(name, "warmup_steps", warmup_steps, Interval(0, total_steps - decay_steps, high_open=False))
    check(name, "min_rate", min_rate, Interval(0.0, initial_rate, high_open=False))
    check_choice(name, "decay_shape", decay_shape, tuple(SHAPES))
    shape = SHAPES[decay_shape]
    decay_start = total_steps - decay_steps

    def rate(step: int) -> float:
        if step < warmup_steps:
            return initial_rate * _warmup(step, warmup_steps)
        if step < decay_start:
            return initial_rate
        progress = min(step - decay_start, decay_steps) / decay_steps
        return min_rate + (initial_rate - min_rate) * shape(progress)

    return _series(rate)


@registry.schedules("exponential.v1")
def exponential(initial_rate: float, gamma: float) -> Iterable[float]:
    """initial_rate * gamma**t (torch's ExponentialLR); gamma > 1 grows, as a
    learning-rate range test does."""
    name = "exponential.v1"
    check(name, "initial_rate", initial_rate, POSITIVE)
    check(name, "gamma", gamma, POSITIVE)
    return _series(lambda step: initial_rate * gamma**step)
