"""The registered optimizers on 2-D test functions, where their paths can be seen.

The optimizers are the very objects spaCy trains with: built from the
registry by name (``thinc.api.registry.resolve``), fed a float32 parameter
array of shape (2,) and its analytic gradient through
``optimizer(key, weights, gradient)`` and ``step_schedules()``, as a
pipeline's ``finish_update`` does. What they do on a contour map (momentum
overshooting a valley, adaptive rates crossing a plateau, sign updates
zig-zagging) is what they do, in a million dimensions, to the NER weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy
from thinc.api import Optimizer, registry

from . import plots

#: Settings of each optimizer on every landscape: a constant learning rate
#: chosen to suit these functions, everything else the factory's default
#: (gradients clipped to norm 1.0 by thinc's ``grad_clip``, as in training).
#: AdaDelta's textbook rate 1.0 oscillates with growing amplitude across the
#: bowl's steep axis (torch.optim.Adadelta does the same), hence 0.1.
SETTINGS: dict[str, dict[str, Any]] = {
    "SGD.v1": {"learn_rate": 0.05},
    "Momentum.v1": {"learn_rate": 0.01, "momentum": 0.9},
    "Adagrad.v1": {"learn_rate": 0.5},
    "RMSProp.v1": {"learn_rate": 0.01},
    "AdaDelta.v1": {"learn_rate": 0.1, "eps": 1e-3},
    "Adam.v1": {"learn_rate": 0.05},
    "AdamW.v1": {"learn_rate": 0.05, "L2": 0.0},
    "AdaMax.v1": {"learn_rate": 0.05},
    "NAdam.v1": {"learn_rate": 0.05},
    "RAdam.v1": {"learn_rate": 0.05},
    "Lion.v1": {"learn_rate": 0.015},
    "Rprop.v1": {"learn_rate": 0.01},
    "ASGD.v1": {"learn_rate": 0.05},
    "Adafactor.v1": {"learn_rate": 0.05},
    # The landscapes' parameter is a vector: Muon hands it to its AdamW fallback.
    "Muon.v1": {"learn_rate": 0.05, "adamw_learn_rate": 0.05},
    "ScheduleFreeAdamW.v1": {"learn_rate": 0.05},
    "LAMB.v1": {"learn_rate": 0.05},
}

#: The test's promise: with SETTINGS, every optimizer ends within
#: BOWL_TOLERANCE of the bowl's minimum after BOWL_STEPS steps.
BOWL_STEPS = 500
BOWL_TOLERANCE = 0.05

Vector = numpy.ndarray


@dataclass(frozen=True)
class Landscape:
    """A test function with its analytic gradient, a start point and the region to draw."""

    name: str
    title: str
    f: Callable[[Vector, Vector], Vector]  # vectorized, for the contour grid
    grad: Callable[[float, float], tuple[float, float]]
    start: tuple[float, float]
    minimum: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_levels: bool


def _rosenbrock(x: Any, y: Any) -> Any:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: float, y: float) -> tuple[float, float]:
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


def _beale_terms(x: Any, y: Any) -> tuple[Any, Any, Any]:
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale(x: Any, y: Any) -> Any:
    t1, t2, t3 = _beale_terms(x, y)
    return t1**2 + t2**2 + t3**2


def _beale_grad(x: float, y: float) -> tuple[float, float]:
    t1, t2, t3 = _beale_terms(x, y)
    dx = 2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1)
    dy = 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y**2
    return dx, dy


def _saddle(x: Any, y: Any) -> Any:
    return x**2 + (y**2 - 1) ** 2 / 4


def _saddle_grad(x: float, y: float) -> tuple[float, float]:
    return 2 * x, y * (y**2 - 1)


def _bowl(x: Any, y: Any) -> Any:
    return (x**2 + 10 * y**2) / 2


def _bowl_grad(x: float, y: float) -> tuple[float, float]:
    return x, 10 * y


LANDSCAPES: dict[str, Landscape] = {
    landscape.name: landscape
    for landscape in [
        Landscape("rosenbrock", "Rosenbrock: a curved, flat-bottomed valley", _rosenbrock, _rosenbrock_grad,
                  (-1.5, 2.5), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.0), True),
        Landscape("beale", "Beale: plateaus and steep walls", _beale, _beale_grad,
                  (0.5, -1.5), (3.0, 0.5), (-1.0, 4.5), (-2.0, 2.0), True),
        # A saddle at the origin between minima at (0, ±1); the start is almost on the ridge,
        # where the gradient along y is tiny: methods that rescale it escape first.
        Landscape("saddle", "Saddle: x² + (y² − 1)²/4, starting near the ridge", _saddle, _saddle_grad,
                  (-2.0, 1e-3), (0.0, 1.0), (-2.5, 2.5), (-1.6, 1.6), False),
        Landscape("bowl", "Convex bowl: (x² + 10 y²)/2, ill-conditioned 1:10", _bowl, _bowl_grad,
                  (-4.0, 2.0), (0.0, 0.0), (-4.5, 4.5), (-2.5, 2.5), False),
    ]
}


def make_optimizer(name: str, settings: Optional[Mapping[str, Any]] = None) -> Optimizer:
    """The registered optimizer ``name`` built through the config system, as a config would."""
    config = {"optimizer": {"@optimizers": name, **(SETTINGS[name] if settings is None else settings)}}
    return registry.resolve(config)["optimizer"]


def trajectory(optimizer: Optimizer, landscape: Landscape, steps: int) -> Vector:
    """The points visited, shape (steps + 1, 2); cut short if the parameters stop being finite."""
    weights = numpy.asarray(landscape.start, dtype="float32")
    points = [weights.astype(float)]
    for _ in range(steps):
        gradient = numpy.asarray(landscape.grad(*weights.astype(float)), dtype="float32")
        weights, _ = optimizer((0, "xy"), weights, gradient)
        optimizer.step_schedules()
        if not numpy.isfinite(weights).all():
            break
        points.append(weights.astype(float))
    return numpy.array(points)


def distance_to_minimum(points: Vector, landscape: Landscape) -> float:
    return math.dist(points[-1], landscape.minimum)


def run(output: Path, names: Sequence[str], steps: int, resolution: int = 300) -> dict[str, dict[str, float]]:
    """One PNG per landscape with every optimizer's path; returns each final distance to the minimum."""
    distances: dict[str, dict[str, float]] = {}
    for landscape in LANDSCAPES.values():
        paths = {name: trajectory(make_optimizer(name), landscape, steps) for name in names}
        x, y = numpy.meshgrid(numpy.linspace(*landscape.xlim, resolution), numpy.linspace(*landscape.ylim, resolution))
        plots.trajectories(
            output / f"{landscape.name}.png",
            (x, y, landscape.f(x, y)),
            paths,
            minimum=landscape.minimum,
            title=f"{landscape.title} ({steps} steps)",
            log_levels=landscape.log_levels,
        )
        distances[landscape.name] = {name: distance_to_minimum(points, landscape) for name, points in paths.items()}
    return distances
