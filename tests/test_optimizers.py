"""The custom optimizers against torch.optim (and Lion against its paper),
plus their contract with spaCy's trainer."""

import copy
import warnings
from importlib.metadata import entry_points
from typing import Any, Callable, Dict, List, Tuple

import catalogue
import numpy
import pytest
import torch
from thinc.api import Config, Optimizer, registry, warmup_linear

from travel_ner import optimizers as opt
from travel_ner.optimizers import NonFiniteGradientWarning

OURS = {
    "Momentum.v1": opt.Momentum,
    "Adagrad.v1": opt.Adagrad,
    "RMSProp.v1": opt.RMSProp,
    "AdaDelta.v1": opt.AdaDelta,
    "AdamW.v1": opt.AdamW,
    "AdaMax.v1": opt.AdaMax,
    "NAdam.v1": opt.NAdam,
    "Lion.v1": opt.Lion,
}
SHAPES = [(7,), (8, 5), (3, 4, 6)]
N_STEPS = 200
RTOL = 1e-4
# float32 weights gain ~1 ulp of the tensor's scale per step, which no relative
# tolerance absorbs where an element passes near 0.
ATOL_OF_SCALE = 1e-5
LR = 1e-2


def gradient_sequence(seed: int) -> List[List[numpy.ndarray]]:
    """Gradients of varying scale (1e-3 to 10), one list of tensors per step."""
    rng = numpy.random.default_rng(seed)
    steps = []
    for _ in range(N_STEPS):
        scale = 10.0 ** rng.uniform(-3, 1)
        steps.append([(rng.normal(size=s) * scale).astype("float32") for s in SHAPES])
    return steps


def initial_weights(seed: int) -> List[numpy.ndarray]:
    rng = numpy.random.default_rng(seed + 1)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def torch_reference(make: Callable[..., torch.optim.Optimizer], **kwargs: Any):
    """A reference that, given a step's gradients, returns the new weights."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        optimizer = make(params, foreach=False, **kwargs)

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            for p, g in zip(params, grads):
                p.grad = torch.from_numpy(g.astype("float64"))
            optimizer.step()
            return [p.detach().numpy() for p in params]

        return step

    return build


def lion_reference(lr: float, beta1: float = 0.9, beta2: float = 0.99, wd: float = 0.0):
    """Algorithm 2 of Chen et al. 2023, in float64."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [w.astype("float64") for w in weights]
        moms = [numpy.zeros_like(w) for w in params]

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            for w, m, g in zip(params, moms, grads):
                c = beta1 * m + (1 - beta1) * g
                w -= lr * (numpy.sign(c) + wd * w)
                m[:] = beta2 * m + (1 - beta2) * g
            return params

        return step

    return build


# (id, our factory and kwargs, reference builder); L2 is coupled unless noted.
EXACT_CASES = [
    ("momentum", "Momentum.v1", {}, torch_reference(torch.optim.SGD, lr=LR, momentum=0.9)),
    (
        "nesterov-L2",
        "Momentum.v1",
        {"momentum": 0.8, "nesterov": True, "L2": 0.01},
        torch_reference(torch.optim.SGD, lr=LR, momentum=0.8, nesterov=True, weight_decay=0.01),
    ),
    ("adagrad", "Adagrad.v1", {}, torch_reference(torch.optim.Adagrad, lr=LR)),
    (
        "adagrad-L2-init",
        "Adagrad.v1",
        {"L2": 0.01, "initial_accumulator": 0.1, "eps": 1e-8},
        torch_reference(
            torch.optim.Adagrad, lr=LR, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8
        ),
    ),
    ("rmsprop", "RMSProp.v1", {}, torch_reference(torch.optim.RMSprop, lr=LR)),
    (
        "rmsprop-centered-momentum-L2",
        "RMSProp.v1",
        {"rho": 0.9, "centered": True, "momentum": 0.5, "L2": 0.01},
        torch_reference(
            torch.optim.RMSprop, lr=LR, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01
        ),
    ),
    ("adadelta", "AdaDelta.v1", {"learn_rate": 1.0}, torch_reference(torch.optim.Adadelta, lr=1.0)),
    (
        "adadelta-L2",
        "AdaDelta.v1",
        {"learn_rate": 0.5, "rho": 0.95, "L2": 0.01},
        torch_reference(torch.optim.Adadelta, lr=0.5, rho=0.95, weight_decay=0.01),
    ),
    ("adamw-no-decay", "AdamW.v1", {"L2": 0.0}, torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.0)),
    ("adamw", "AdamW.v1", {"L2": 0.05}, torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.05)),
    (
        "adamw-amsgrad",
        "AdamW.v1",
        {"L2": 0.05, "amsgrad": True, "beta2": 0.99},
        torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.05, amsgrad=True, betas=(0.9, 0.99)),
    ),
    ("adamax", "AdaMax.v1", {}, torch_reference(torch.optim.Adamax, lr=LR)),
    ("adamax-L2", "AdaMax.v1", {"L2": 0.01}, torch_reference(torch.optim.Adamax, lr=LR, weight_decay=0.01)),
    ("nadam", "NAdam.v1", {}, torch_reference(torch.optim.NAdam, lr=LR)),
    ("nadam-L2", "NAdam.v1", {"L2": 0.01}, torch_reference(torch.optim.NAdam, lr=LR, weight_decay=0.01)),
    (
        "nadamw",
        "NAdam.v1",
        {"L2": 0.05, "L2_is_weight_decay": True, "momentum_decay": 0.01},
        torch_reference(
            torch.optim.NAdam, lr=LR, weight_decay=0.05, decoupled_weight_decay=True, momentum_decay=0.01
        ),
    ),
    ("lion", "Lion.v1", {}, lion_reference(LR)),
    ("lion-decay", "Lion.v1", {"L2": 0.1, "beta1": 0.95, "beta2": 0.98}, lion_reference(LR, 0.95, 0.98, 0.1)),
]


@pytest.mark.parametrize(
    "name,kwargs,reference", [case[1:] for case in EXACT_CASES], ids=[case[0] for case in EXACT_CASES]
)
def test_matches_reference(name: str, kwargs: Dict[str, Any], reference: Callable) -> None:
    settings = {"learn_rate": LR, "grad_clip": 0.0, "use_averages": False, **kwargs}
    ours = OURS[name](**settings)
    weights = initial_weights(seed=0)
    ref_step = reference([w.copy() for w in weights])
    for step, grads in enumerate(gradient_sequence(seed=0)):
        expected = ref_step(grads)
        for i, (w, g) in enumerate(zip(weights, grads)):
            ours((i, "W"), w, g.copy())
            numpy.testing.assert_allclose(
                w,
                expected[i],
                rtol=RTOL,
                atol=ATOL_OF_SCALE * numpy.abs(expected[i]).max(),
                err_msg=f"step {step}, tensor {i}",
            )


def test_momentum_zero_is_thincs_sgd() -> None:
    """Clipping and averages are thinc's: momentum 0 must be thinc's SGD.v1."""
    ours = opt.Momentum(0.1, momentum=0.0, grad_clip=0.5)
    thincs = registry.optimizers.get("SGD.v1")(0.1, grad_clip=0.5, L2=0.0)
    w_ours, w_thinc = initial_weights(seed=3), initial_weights(seed=3)
    for grads in gradient_sequence(seed=3)[:20]:
        for i, g in enumerate(grads):
            ours((i, "W"), w_ours[i], g.copy())
            thincs((i, "W"), w_thinc[i], g.copy())
    for i in range(len(SHAPES)):
        numpy.testing.assert_allclose(w_ours[i], w_thinc[i], rtol=1e-6)
        numpy.testing.assert_allclose(ours.averages[(i, "W")], thincs.averages[(i, "W")], rtol=1e-6)


@pytest.mark.parametrize("name", OURS)
def test_trainer_contract(name: str) -> None:
    """spaCy relies on in-place updates, zeroed gradients and per-key state."""
    optimizer = registry.optimizers.get(name)()
    assert isinstance(optimizer, Optimizer)
    weights = numpy.ones((4, 3), dtype="float32")
    other = numpy.ones((4, 3), dtype="float32")
    gradient = numpy.full((4, 3), 0.1, dtype="float32")
    new_weights, new_gradient = optimizer((1, "W"), weights, gradient)
    assert new_weights is weights and new_gradient is gradient
    assert not gradient.any()
    assert not numpy.allclose(weights, 1.0)
    assert weights.dtype == numpy.float32
    assert all(a.dtype == numpy.float32 for a in optimizer.state[(1, "W")].values())
    optimizer((2, "W"), other, numpy.full((4, 3), -0.1, dtype="float32"), lr_scale=0.5)
    assert set(optimizer.state) == {(1, "W"), (2, "W")}
    assert optimizer.nr_update[(1, "W")] == 1
    assert set(optimizer.averages) == {(1, "W"), (2, "W")}
    assert optimizer.averages[(1, "W")].shape == (4, 3)


@pytest.mark.parametrize("name", OURS)
def test_use_averages_false(name: str) -> None:
    optimizer = registry.optimizers.get(name)(use_averages=False)
    optimizer((0, "W"), numpy.ones(3, dtype="float32"), numpy.ones(3, dtype="float32"))
    assert optimizer.averages is None


@pytest.mark.parametrize("name", OURS)
def test_nonfinite_gradient_is_skipped(name: str) -> None:
    optimizer = registry.optimizers.get(name)(learn_rate=0.01)
    weights = numpy.linspace(-1, 1, 6, dtype="float32")
    optimizer((0, "W"), weights, numpy.full(6, 0.5, dtype="float32"))
    before = (weights.copy(), copy.deepcopy(optimizer.state), dict(optimizer.nr_update))
    for bad in (numpy.nan, numpy.inf):
        gradient = numpy.full(6, 0.5, dtype="float32")
        gradient[2] = bad
        with pytest.warns(NonFiniteGradientWarning, match=r"\(0, 'W'\)"):
            optimizer((0, "W"), weights, gradient)
        assert not gradient.any()
        numpy.testing.assert_array_equal(weights, before[0])
        assert dict(optimizer.nr_update) == before[2]
        for array_name, array in optimizer.state[(0, "W")].items():
            numpy.testing.assert_array_equal(array, before[1][(0, "W")][array_name])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_finite_gradient_with_overflowing_sum_is_applied() -> None:
    optimizer = opt.Momentum(1e-40, grad_clip=0.0, use_averages=False)
    weights = numpy.zeros(4, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteGradientWarning)
        optimizer((0, "W"), weights, numpy.full(4, 3e38, dtype="float32"))
    assert weights.any()


BAD_SETTINGS = [
    ("Momentum.v1", {"learn_rate": 0.0}, "learn_rate"),
    ("Adagrad.v1", {"learn_rate": -1.0}, "learn_rate"),
    ("Momentum.v1", {"momentum": -0.1}, "momentum"),
    ("Momentum.v1", {"momentum": 0.0, "nesterov": True}, "nesterov"),
    ("RMSProp.v1", {"rho": 1.0}, r"rho=1\.0 .*\[0, 1\)"),
    ("RMSProp.v1", {"momentum": -0.5}, "momentum"),
    ("RMSProp.v1", {"eps": 0.0}, r"eps=0\.0 .*\(0, inf\)"),
    ("AdaDelta.v1", {"rho": -0.1}, "rho"),
    ("AdamW.v1", {"beta1": 1.5}, "b1"),
    ("AdamW.v1", {"beta2": -0.1}, "b2"),
    ("AdamW.v1", {"L2": -0.01}, "L2"),
    ("AdaMax.v1", {"eps": -1e-8}, "eps"),
    ("NAdam.v1", {"momentum_decay": -1.0}, "momentum_decay"),
    ("Lion.v1", {"beta2": 1.0}, "b2"),
    ("Adagrad.v1", {"initial_accumulator": -1.0}, "initial_accumulator"),
    ("Adagrad.v1", {"grad_clip": -1.0}, "grad_clip"),
    ("NAdam.v1", {"L2": -1.0}, "L2"),
    ("AdamW.v1", {"beta1": [1.2, 0.9]}, "schedule for b1"),
    ("Lion.v1", {"learn_rate": [-1.0, 0.1]}, "schedule for learn_rate"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD_SETTINGS)
def test_bad_setting_fails_when_resolved(name: str, kwargs: Dict[str, Any], match: str) -> None:
    config = {"optimizer": {"@optimizers": name, **kwargs}}
    with pytest.raises(ValueError, match=match):
        registry.resolve(config)


def test_schedule_value_checked_when_stepped() -> None:
    optimizer = opt.RMSProp(0.01, rho=[0.9, 0.95, 1.5])
    optimizer.step_schedules()
    assert optimizer.rho == 0.95
    with pytest.raises(ValueError, match="schedule for rho=1.5"):
        optimizer.step_schedules()


@pytest.mark.parametrize("name", OURS)
def test_learn_rate_schedule(name: str) -> None:
    """warmup_linear starts at 0, which a scheduled learn_rate may be."""
    optimizer = registry.optimizers.get(name)(warmup_linear(0.01, 2, 10))
    weights = numpy.ones(3, dtype="float32")
    optimizer((0, "W"), weights, numpy.ones(3, dtype="float32"))
    assert optimizer.learn_rate == 0.0
    numpy.testing.assert_array_equal(weights, 1.0)
    rates = []
    for _ in range(4):
        optimizer.step_schedules()
        rates.append(optimizer.learn_rate)
    assert rates == pytest.approx([0.005, 0.01, 0.01 * 7 / 8, 0.01 * 6 / 8])


def test_schedules_from_config() -> None:
    config = Config().from_str(
        """
        [optimizer]
        @optimizers = "RMSProp.v1"
        centered = true
        grad_clip = 0.5

        [optimizer.learn_rate]
        @schedules = "warmup_linear.v1"
        initial_rate = 0.001
        warmup_steps = 250
        total_steps = 20000

        [optimizer.rho]
        @schedules = "constant.v1"
        rate = 0.95
        """
    )
    optimizer = registry.resolve(config)["optimizer"]
    assert isinstance(optimizer, opt.RMSPropOptimizer)
    assert optimizer.centered and optimizer.grad_clip == 0.5 and optimizer.rho == 0.95
    optimizer.step_schedules()
    assert optimizer.learn_rate == pytest.approx(0.001 / 250)


def test_unknown_optimizer_lists_names() -> None:
    with pytest.raises(catalogue.RegistryError, match="Available names:.*RMSProp.v1"):
        registry.resolve({"optimizer": {"@optimizers": "RMSprop.v1"}})


def test_entry_points() -> None:
    found = {ep.name: ep for ep in entry_points(group="thinc_optimizers")}
    assert set(OURS) <= set(found)
    for name, factory in OURS.items():
        assert found[name].load() is factory is registry.optimizers.get(name)


def test_thincs_optimizers_are_not_replaced() -> None:
    from thinc import optimizers as thinc_optimizers

    for name in ("Adam.v1", "SGD.v1", "RAdam.v1"):
        assert registry.optimizers.get(name).__module__ == thinc_optimizers.__name__


STATE_SIZES: List[Tuple[str, Dict[str, Any], int]] = [
    ("Momentum.v1", {}, 1),
    ("Adagrad.v1", {}, 1),
    ("RMSProp.v1", {}, 1),
    ("RMSProp.v1", {"centered": True}, 2),
    ("RMSProp.v1", {"centered": True, "momentum": 0.9}, 3),
    ("AdaDelta.v1", {}, 2),
    ("AdamW.v1", {}, 2),
    ("AdamW.v1", {"amsgrad": True}, 3),
    ("AdaMax.v1", {}, 2),
    ("NAdam.v1", {}, 2),
    ("Lion.v1", {}, 1),
]


@pytest.mark.parametrize("name,kwargs,floats", STATE_SIZES)
def test_state_size(name: str, kwargs: Dict[str, Any], floats: int) -> None:
    optimizer = registry.optimizers.get(name)(**kwargs)
    optimizer((0, "W"), numpy.ones(10, dtype="float32"), numpy.ones(10, dtype="float32"))
    assert sum(a.size for a in optimizer.state[(0, "W")].values()) == 10 * floats


CHUNK_CASES = [
    ("Momentum.v1", {"nesterov": True}),
    ("Adagrad.v1", {}),
    ("RMSProp.v1", {"centered": True, "momentum": 0.5}),
    ("AdaDelta.v1", {}),
    ("AdamW.v1", {}),
    ("AdamW.v1", {"amsgrad": True}),
    ("AdaMax.v1", {}),
    ("NAdam.v1", {}),
    ("Lion.v1", {}),
]


def _strided_copy(array: numpy.ndarray) -> numpy.ndarray:
    """A copy that is a view with gaps, in C order (so that the clipping
    norm sums in the same order): not contiguous, updated in place."""
    holder = numpy.zeros(array.shape + (2,), dtype=array.dtype)
    view = holder[..., 0]
    view[...] = array
    assert not view.flags.c_contiguous
    return view


@pytest.mark.parametrize("name,kwargs", CHUNK_CASES)
def test_cache_blocking_is_exact(name: str, kwargs: Dict[str, Any], monkeypatch) -> None:
    """Slices of 16 floats (several per tensor, a ragged last one), whole
    arrays, and non-contiguous arrays (done in one piece) give the same
    bits, with clipping, decoupled L2 and averages all on."""
    settings = {"learn_rate": LR, "grad_clip": 0.5, "L2": 0.01, "use_averages": True, **kwargs}
    if name not in ("AdamW.v1", "Lion.v1"):
        settings["L2_is_weight_decay"] = True
    factory = registry.optimizers.get(name)
    runs = {}
    for mode in ("chunked", "whole", "strided"):
        monkeypatch.setattr(opt.BaseOptimizer, "chunk_size", 16 if mode == "chunked" else 2**20)
        optimizer = factory(**settings)
        weights = initial_weights(seed=5)
        if mode == "strided":
            weights = [_strided_copy(w) for w in weights]
        for grads in gradient_sequence(seed=5)[:30]:
            for i, (w, g) in enumerate(zip(weights, grads)):
                g = _strided_copy(g) if mode == "strided" else g.copy()
                optimizer((i, "W"), w, g)
                assert not g.any()
        runs[mode] = (weights, optimizer)
    for mode in ("whole", "strided"):
        for i in range(len(SHAPES)):
            numpy.testing.assert_array_equal(runs[mode][0][i], runs["chunked"][0][i])
            numpy.testing.assert_array_equal(
                runs[mode][1].averages[(i, "W")], runs["chunked"][1].averages[(i, "W")]
            )
            for array_name, array in runs["chunked"][1].state[(i, "W")].items():
                numpy.testing.assert_array_equal(runs[mode][1].state[(i, "W")][array_name], array)


def test_averages_are_thincs() -> None:
    """The in-place average update is ops.update_averages, bit for bit."""
    from thinc.api import NumpyOps

    optimizer = opt.Momentum(0.1, grad_clip=0.0)
    weights = initial_weights(seed=7)
    expected = [numpy.zeros_like(w) for w in weights]
    for t, grads in enumerate(gradient_sequence(seed=7)[:20], start=1):
        for i, (w, g) in enumerate(zip(weights, grads)):
            optimizer((i, "W"), w, g.copy())
            NumpyOps().update_averages(expected[i], w, t)
    for i in range(len(SHAPES)):
        numpy.testing.assert_array_equal(optimizer.averages[(i, "W")], expected[i])
