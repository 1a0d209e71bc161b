"""The schedules against torch.optim.lr_scheduler, value for value over their
whole length, their settings refused at resolve time, and their use as a
learn_rate the way spaCy's training loop draws it."""

import math
import re
import warnings
from importlib.metadata import entry_points
from itertools import islice
from typing import Any, Callable, Dict, List

import pytest
import torch
from thinc.api import Config, registry, warmup_linear
from torch.optim import lr_scheduler

from travel_ner import optim

NAMES = ["cosine_warmup.v1", "one_cycle.v1", "inverse_sqrt.v1", "wsd.v1", "exponential.v1"]
RTOL = 1e-12


def torch_rates(make: Callable[[torch.optim.Optimizer], Any], lr: float, n_values: int) -> List[float]:
    """The rate before any step, then after each of n_values - 1 scheduler steps."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SequentialLR's internal step(0)
        scheduler = make(optimizer)
        rates = [optimizer.param_groups[0]["lr"]]
        for _ in range(n_values - 1):
            optimizer.step()
            scheduler.step()
            rates.append(optimizer.param_groups[0]["lr"])
    return rates


def ours(name: str, **settings: Any) -> Callable[[int], List[float]]:
    """The first n values of the schedule, built from a config block as spaCy does."""
    schedule = registry.resolve({"s": {"@schedules": name, **settings}})["s"]
    return lambda n: list(islice(schedule, n))


def cosine_reference(lr: float, warmup: int, total: int, min_rate: float, start: float) -> Callable:
    return lambda o: lr_scheduler.SequentialLR(
        o,
        [
            lr_scheduler.LinearLR(o, start_factor=start, end_factor=1.0, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(o, T_max=total - warmup, eta_min=min_rate),
        ],
        milestones=[warmup],
    )


def wsd_lambda(warmup: int, total: int, decay: int, min_factor: float, shape: str) -> Callable[[int], float]:
    """Hu et al. 2024's rule, written out as LambdaLR's factor of the peak rate."""

    def factor(t: int) -> float:
        if t < warmup:
            return t / warmup
        if t < total - decay:
            return 1.0
        p = min(t - (total - decay), decay) / decay
        down = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)), "1-sqrt": 1 - math.sqrt(p)}[shape]
        return min_factor + (1 - min_factor) * down

    return factor


# (id, our settings, torch scheduler, number of values compared: the whole length)
CASES: List[Any] = [
    (
        "cosine-warmup",
        ("cosine_warmup.v1", {"initial_rate": 0.01, "warmup_steps": 100, "total_steps": 1000,
                              "min_rate": 1e-4, "start_factor": 0.1}),
        cosine_reference(0.01, 100, 1000, 1e-4, 0.1),
        1001,
    ),
    (
        "cosine-short-warmup-no-floor",
        ("cosine_warmup.v1", {"initial_rate": 0.5, "warmup_steps": 1, "total_steps": 50, "start_factor": 1e-3}),
        cosine_reference(0.5, 1, 50, 0.0, 1e-3),
        51,
    ),
    (
        "one-cycle",
        ("one_cycle.v1", {"initial_rate": 0.01, "total_steps": 1000}),
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=1000, cycle_momentum=False),
        1000,
    ),
    (
        "one-cycle-linear-options",
        ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 333, "pct_start": 0.25, "div_factor": 10.0,
                          "final_div_factor": 100.0, "anneal_strategy": "linear"}),
        lambda o: lr_scheduler.OneCycleLR(
            o, max_lr=0.1, total_steps=333, pct_start=0.25, div_factor=10.0, final_div_factor=100.0,
            anneal_strategy="linear", cycle_momentum=False,
        ),
        333,
    ),
    (
        "one-cycle-three-phase",
        ("one_cycle.v1", {"initial_rate": 0.01, "total_steps": 500, "pct_start": 0.4, "three_phase": True}),
        lambda o: lr_scheduler.OneCycleLR(
            o, max_lr=0.01, total_steps=500, pct_start=0.4, three_phase=True, cycle_momentum=False
        ),
        500,
    ),
    (
        "inverse-sqrt",
        ("inverse_sqrt.v1", {"initial_rate": 0.002, "warmup_steps": 400}),
        lambda o: lr_scheduler.LambdaLR(o, lambda t: t / 400 if t < 400 else math.sqrt(400 / t)),
        4000,
    ),
    (
        "exponential-decay",
        ("exponential.v1", {"initial_rate": 0.01, "gamma": 0.995}),
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.995),
        2000,
    ),
    (
        "exponential-growth",
        ("exponential.v1", {"initial_rate": 1e-7, "gamma": 1.05}),
        lambda o: lr_scheduler.ExponentialLR(o, gamma=1.05),
        300,
    ),
] + [
    (
        f"wsd-{shape}",
        ("wsd.v1", {"initial_rate": 0.01, "warmup_steps": 50, "total_steps": 1000, "decay_steps": 200,
                    "min_rate": 1e-3, "decay_shape": shape}),
        lambda o, shape=shape: lr_scheduler.LambdaLR(o, wsd_lambda(50, 1000, 200, 0.1, shape)),
        1001,
    )
    for shape in ("linear", "cosine", "1-sqrt")
]


@pytest.mark.parametrize("ours_settings,reference,n_values", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch_over_the_whole_length(ours_settings, reference, n_values) -> None:
    name, settings = ours_settings
    expected = torch_rates(reference, settings["initial_rate"], n_values)
    assert ours(name, **settings)(n_values) == pytest.approx(expected, rel=RTOL, abs=RTOL * settings["initial_rate"])


@pytest.mark.parametrize(
    "name,settings,last_step,last",
    [
        (
            "cosine_warmup.v1",
            {"initial_rate": 0.01, "warmup_steps": 10, "total_steps": 100, "min_rate": 1e-3},
            100,
            1e-3,
        ),
        ("one_cycle.v1", {"initial_rate": 0.01, "total_steps": 100}, 99, 0.01 / 25 / 1e4),
        ("wsd.v1", {"initial_rate": 0.01, "warmup_steps": 10, "total_steps": 100, "decay_steps": 20}, 100, 0.0),
    ],
)
def test_holds_its_last_value_past_its_length(name: str, settings: Dict[str, Any], last_step: int, last: float) -> None:
    values = ours(name, **settings)(last_step + 50)
    assert values[last_step - 1] > last
    assert values[last_step:] == pytest.approx([last] * 50, rel=1e-12, abs=1e-15)


def test_cosine_warmup_starts_as_warmup_linear() -> None:
    """With start_factor 0 (the default) the warm-up is thinc's warmup_linear.v1's."""
    values = ours("cosine_warmup.v1", initial_rate=0.001, warmup_steps=250, total_steps=20000)(251)
    assert values == list(islice(warmup_linear(0.001, 250, 20000), 251))
    assert values[0] == 0.0 and values[250] == 0.001


BAD = [
    ("cosine_warmup.v1", {"initial_rate": 0.0, "warmup_steps": 1, "total_steps": 10},
     r"initial_rate=0\.0 .*\(0, inf\)"),
    ("cosine_warmup.v1", {"initial_rate": 0.1, "warmup_steps": 10, "total_steps": 10}, r"warmup_steps=10 .*\[0, 10\)"),
    ("cosine_warmup.v1", {"initial_rate": 0.1, "warmup_steps": -1, "total_steps": 10}, "warmup_steps=-1"),
    ("cosine_warmup.v1", {"initial_rate": 0.1, "warmup_steps": 1, "total_steps": 0}, r"total_steps=0 .*\[1, inf\)"),
    ("cosine_warmup.v1", {"initial_rate": 0.1, "warmup_steps": 1, "total_steps": 10, "min_rate": 0.2},
     r"min_rate=0\.2 .*\[0, 0\.1\]"),
    ("cosine_warmup.v1", {"initial_rate": 0.1, "warmup_steps": 1, "total_steps": 10, "start_factor": 1.5},
     r"start_factor=1\.5 .*\[0, 1\]"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 100, "pct_start": 1.0}, r"pct_start=1\.0 .*\(0, 1\)"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 100, "pct_start": 0.6, "three_phase": True},
     r"pct_start=0\.6 .*\(0, 0\.5\)"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 100, "pct_start": 0.01},
     r"pct_start \* total_steps must exceed 1"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 100, "anneal_strategy": "cosine"},
     "anneal_strategy='cosine' is not one of 'cos', 'linear'"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 100, "div_factor": 0.0}, "div_factor"),
    ("one_cycle.v1", {"initial_rate": 0.1, "total_steps": 1}, r"total_steps=1 .*\[2, inf\)"),
    ("inverse_sqrt.v1", {"initial_rate": 0.1, "warmup_steps": 0}, r"warmup_steps=0 .*\[1, inf\)"),
    ("inverse_sqrt.v1", {"initial_rate": -0.1, "warmup_steps": 10}, "initial_rate"),
    ("wsd.v1", {"initial_rate": 0.1, "warmup_steps": 10, "total_steps": 100, "decay_steps": 0},
     r"decay_steps=0 .*\[1, 100\]"),
    ("wsd.v1", {"initial_rate": 0.1, "warmup_steps": 90, "total_steps": 100, "decay_steps": 20},
     r"warmup_steps=90 .*\[0, 80\]"),
    ("wsd.v1", {"initial_rate": 0.1, "warmup_steps": 10, "total_steps": 100, "decay_steps": 20, "decay_shape": "exp"},
     "decay_shape='exp' is not one of 'linear', 'cosine', '1-sqrt'"),
    ("exponential.v1", {"initial_rate": 0.1, "gamma": 0.0}, r"gamma=0\.0 .*\(0, inf\)"),
]


@pytest.mark.parametrize("name,settings,match", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_setting_fails_when_resolved(name: str, settings: Dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=rf"{re.escape(name)}: .*{match}"):
        registry.resolve({"s": {"@schedules": name, **settings}})


def test_bad_schedule_in_an_optimizer_block_fails_when_resolved() -> None:
    config = Config().from_str(
        """
        [optimizer]
        @optimizers = "AdamW.v1"

        [optimizer.learn_rate]
        @schedules = "wsd.v1"
        initial_rate = 0.001
        warmup_steps = 100
        total_steps = 1000
        decay_steps = 2000
        """
    )
    with pytest.raises(ValueError, match=r"wsd\.v1: decay_steps=2000"):
        registry.resolve(config)


@pytest.mark.parametrize("optimizer", ["Adam.v1", "AdamW.v1"])
def test_drawn_as_spacy_draws_a_learn_rate(optimizer: str) -> None:
    """thinc's optimizers draw the first value when built and the next at each
    step_schedules(), which spaCy calls after every update."""
    block = {"initial_rate": 0.01, "total_steps": 100}
    config = {"optimizer": {"@optimizers": optimizer, "learn_rate": {"@schedules": "one_cycle.v1", **block}}}
    built = registry.resolve(config)["optimizer"]
    drawn = [built.learn_rate]
    for _ in range(99):
        built.step_schedules()
        drawn.append(built.learn_rate)
    assert drawn == ours("one_cycle.v1", **block)(100)


def test_entry_points() -> None:
    found = {ep.name: ep for ep in entry_points(group="thinc_schedules")}
    assert set(NAMES) <= set(found)
    for name in NAMES:
        assert found[name].load() is registry.schedules.get(name)
        assert found[name].load().__module__ == optim.schedules.__name__
