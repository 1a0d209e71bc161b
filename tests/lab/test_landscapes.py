"""Toy landscapes: correct gradients, registered optimizers that reach the bowl's minimum, plots."""

import numpy
import pytest
from thinc.api import registry

from travel_ner import optim  # noqa: F401 -- registers ours without entry points
from travel_ner.lab.landscapes import (
    BOWL_STEPS,
    BOWL_TOLERANCE,
    LANDSCAPES,
    SETTINGS,
    distance_to_minimum,
    make_optimizer,
    run,
    trajectory,
)


def test_settings_cover_every_registered_optimizer():
    assert sorted(SETTINGS) == sorted(registry.optimizers.get_all())


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
def test_gradient_matches_finite_differences_and_vanishes_at_the_minimum(name):
    landscape = LANDSCAPES[name]
    h = 1e-6
    for x, y in [(0.3, -0.7), (-1.2, 1.1), (2.0, 0.4)]:
        numeric = (
            (landscape.f(x + h, y) - landscape.f(x - h, y)) / (2 * h),
            (landscape.f(x, y + h) - landscape.f(x, y - h)) / (2 * h),
        )
        assert landscape.grad(x, y) == pytest.approx(numeric, rel=1e-5, abs=1e-5)
    assert landscape.grad(*landscape.minimum) == pytest.approx((0.0, 0.0), abs=1e-12)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_optimizer_with_its_settings_reaches_the_bowl_minimum(name):
    bowl = LANDSCAPES["bowl"]
    points = trajectory(make_optimizer(name), bowl, BOWL_STEPS)
    assert points.shape == (BOWL_STEPS + 1, 2)
    assert distance_to_minimum(points, bowl) < BOWL_TOLERANCE


def test_trajectory_feeds_float32_parameters_and_steps_schedules():
    # A schedule that drops to 0 after 3 steps: the path must stop moving there.
    optimizer = make_optimizer("SGD.v1", {"learn_rate": [0.1, 0.1, 0.1, 0.0]})
    points = trajectory(optimizer, LANDSCAPES["bowl"], 6)
    assert not numpy.allclose(points[2], points[3])
    assert numpy.array_equal(points[3], points[6])


def test_run_writes_one_png_per_landscape(tmp_path):
    distances = run(tmp_path, ["SGD.v1", "Adam.v1"], steps=20, resolution=40)
    assert sorted(distances) == sorted(LANDSCAPES)
    for name in LANDSCAPES:
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        assert set(distances[name]) == {"SGD.v1", "Adam.v1"}
