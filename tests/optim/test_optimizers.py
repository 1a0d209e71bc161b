"""The custom optimizers against torch.optim (Lion and LAMB against their
papers, Schedule-Free AdamW against schedulefree's reference), plus their
contract with spaCy's trainer."""

import contextlib
import copy
import io
import warnings
from importlib.metadata import entry_points
from typing import Any, Callable, Dict, List, Optional, Tuple

import catalogue
import numpy
import pytest
import pytorch_optimizer
import schedulefree
import torch
from thinc.api import Config, NumpyOps, Optimizer, registry, warmup_linear

from travel_ner import optim
from travel_ner.optim import NonFiniteGradientWarning

OURS = {
    "Momentum.v1": optim.Momentum,
    "Adagrad.v1": optim.Adagrad,
    "RMSProp.v1": optim.RMSProp,
    "AdaDelta.v1": optim.AdaDelta,
    "AdamW.v1": optim.AdamW,
    "AdaMax.v1": optim.AdaMax,
    "NAdam.v1": optim.NAdam,
    "Lion.v1": optim.Lion,
    "Rprop.v1": optim.Rprop,
    "ASGD.v1": optim.ASGD,
    "Adafactor.v1": optim.Adafactor,
    "Muon.v1": optim.Muon,
    "ScheduleFreeAdamW.v1": optim.ScheduleFreeAdamW,
    "LAMB.v1": optim.LAMB,
}
SHAPES = [(7,), (8, 5), (3, 4, 6)]
N_STEPS = 200
# Ours in float32 (as spaCy trains) against float64 references, and ours in
# float64: (rtol, atol relative to the tensor's scale). float32 weights gain
# ~1 ulp of the tensor's scale per step, which no relative tolerance absorbs
# where an element passes near 0.
TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-9)}
LR = 1e-2
CLIP = 1.0
DECAY = 0.05
COUPLED = {"L2_is_weight_decay": False}


def gradient_sequence(seed: int, n_steps: int = N_STEPS) -> List[List[numpy.ndarray]]:
    """Gradients of varying scale (1e-3 to 10), one list of tensors per step."""
    rng = numpy.random.default_rng(seed)
    steps = []
    for _ in range(n_steps):
        scale = 10.0 ** rng.uniform(-3, 1)
        steps.append([(rng.normal(size=s) * scale).astype("float32") for s in SHAPES])
    return steps


def initial_weights(seed: int) -> List[numpy.ndarray]:
    rng = numpy.random.default_rng(seed + 1)
    return [rng.normal(size=s).astype("float32") for s in SHAPES]


def clipped(gradient: numpy.ndarray, clip: float) -> numpy.ndarray:
    """thinc's ops.clip_gradient rule, in float64."""
    gradient = gradient.astype("float64")
    norm = numpy.linalg.norm(gradient)
    return gradient * (clip / norm) if clip and norm >= clip else gradient


def torch_reference(
    make: Callable[..., torch.optim.Optimizer], *, clip: float = 0.0, decay: float = 0.0, **kwargs: Any
) -> Callable:
    """A reference that, given a step's gradients, returns the new weights.
    `clip` and `decay` are thinc's grad_clip and decoupled L2, done around
    torch's step (w *= 1 - lr * decay before it, as torch.optim.AdamW does)."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        optimizer = make(params, foreach=False, **kwargs)

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.mul_(1.0 - kwargs["lr"] * decay)
                    p.grad = torch.from_numpy(clipped(g, clip))
            # ASGD keeps its scalars in the default dtype: float64 here, as the weights.
            default = torch.get_default_dtype()
            torch.set_default_dtype(torch.float64)
            try:
                optimizer.step()
            finally:
                torch.set_default_dtype(default)
            return [p.detach().numpy() for p in params]

        return step

    return build


def lion_reference(lr: float, beta1: float = 0.9, beta2: float = 0.99, wd: float = 0.0, clip: float = 0.0):
    """Algorithm 2 of Chen et al. 2023, in float64."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [w.astype("float64") for w in weights]
        moms = [numpy.zeros_like(w) for w in params]

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            for w, m, g in zip(params, moms, grads):
                g = clipped(g, clip)
                c = beta1 * m + (1 - beta1) * g
                w -= lr * (numpy.sign(c) + wd * w)
                m[:] = beta2 * m + (1 - beta2) * g
            return params

        return step

    return build


@contextlib.contextmanager
def newton_schulz_in_input_precision():
    """torch's Muon casts its Newton-Schulz iteration to bfloat16 (a GPU speed
    choice NumPy cannot follow); during this block that cast is a copy, so
    torch's own iteration runs in float64."""
    original = torch.Tensor.bfloat16
    torch.Tensor.bfloat16 = lambda tensor, *args, **kwargs: tensor.clone()
    try:
        yield
    finally:
        torch.Tensor.bfloat16 = original


def muon_reference(
    lr: float,
    *,
    clip: float = 0.0,
    decay: float = 0.0,
    adamw: Optional[Dict[str, Any]] = None,
    full_precision: bool = True,
    **kwargs: Any,
) -> Callable:
    """torch.optim.Muon on every matrix (tensors of 3 axes as their leading
    axes by the last), torch.optim.AdamW (lr 1e-3 unless `adamw` says) on
    vectors; `decay` is both one's weight_decay, `clip` thinc's grad_clip."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [
            torch.tensor(w.reshape(-1, w.shape[-1]) if w.ndim > 1 else w, dtype=torch.float64, requires_grad=True)
            for w in weights
        ]
        matrices = [p for p in params if p.ndim == 2]
        vectors = [p for p in params if p.ndim == 1]
        muon = torch.optim.Muon(matrices, lr=lr, weight_decay=decay, **kwargs)
        adamw_settings = {"lr": 1e-3, **(adamw or {})}
        fallback = torch.optim.AdamW(vectors, weight_decay=decay, foreach=False, **adamw_settings)

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            for p, g in zip(params, grads):
                p.grad = torch.from_numpy(clipped(g, clip).reshape(p.shape))
            with newton_schulz_in_input_precision() if full_precision else contextlib.nullcontext():
                muon.step()
            fallback.step()
            return [p.detach().numpy().reshape(w.shape) for p, w in zip(params, weights)]

        return step

    return build


def schedule_free_reference(lr: float, *, clip: float = 0.0, decay: float = 0.0, **kwargs: Any) -> Callable:
    """schedulefree.AdamWScheduleFreeReference in train mode: its parameters are y."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        optimizer = schedulefree.AdamWScheduleFreeReference(params, lr=lr, weight_decay=decay, **kwargs)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Switching to train mode"
            optimizer.train()

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            for p, g in zip(params, grads):
                p.grad = torch.from_numpy(clipped(g, clip))
            optimizer.step()
            return [p.detach().numpy() for p in params]

        step.optimizer, step.params = optimizer, params
        return step

    return build


def lamb_reference(
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-6,
    clamp: float = 10.0,
    wd: float = 0.0,
    clip: float = 0.0,
    l2: float = 0.0,
):
    """Algorithm 2 of You et al. 2019 (bias-corrected moments, r = m^ / (sqrt(v^) + eps)
    + wd * w, trust ratio min(|w|, clamp) / |r|, 1 where a norm is 0), in float64;
    `l2` is coupled L2, added to the gradient before clipping as thinc does."""

    def build(weights: List[numpy.ndarray]) -> Callable:
        params = [w.astype("float64") for w in weights]
        moments = [(numpy.zeros_like(w), numpy.zeros_like(w)) for w in params]
        t = [0]

        def step(grads: List[numpy.ndarray]) -> List[numpy.ndarray]:
            t[0] += 1
            for w, (m, v), g in zip(params, moments, grads):
                g = clipped(g + l2 * w, clip)
                m[:] = beta1 * m + (1 - beta1) * g
                v[:] = beta2 * v + (1 - beta2) * g * g
                m_hat, v_hat = m / (1 - beta1 ** t[0]), v / (1 - beta2 ** t[0])
                r = m_hat / (numpy.sqrt(v_hat) + eps) + wd * w
                w_norm, r_norm = min(numpy.linalg.norm(w), clamp), numpy.linalg.norm(r)
                trust = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0
                w -= lr * trust * r
            return params

        return step

    return build


# (id, our factory and kwargs, reference builder); without clipping or L2
# unless noted, L2 coupled where torch's weight_decay is.
EXACT_CASES = [
    ("momentum", "Momentum.v1", {}, torch_reference(torch.optim.SGD, lr=LR, momentum=0.9)),
    (
        "nesterov-L2",
        "Momentum.v1",
        {"momentum": 0.8, "nesterov": True, "L2": 0.01, **COUPLED},
        torch_reference(torch.optim.SGD, lr=LR, momentum=0.8, nesterov=True, weight_decay=0.01),
    ),
    ("adagrad", "Adagrad.v1", {}, torch_reference(torch.optim.Adagrad, lr=LR)),
    (
        "adagrad-L2-init",
        "Adagrad.v1",
        {"L2": 0.01, **COUPLED, "initial_accumulator": 0.1, "eps": 1e-8},
        torch_reference(
            torch.optim.Adagrad, lr=LR, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8
        ),
    ),
    ("rmsprop", "RMSProp.v1", {}, torch_reference(torch.optim.RMSprop, lr=LR)),
    (
        "rmsprop-centered-momentum-L2",
        "RMSProp.v1",
        {"rho": 0.9, "centered": True, "momentum": 0.5, "L2": 0.01, **COUPLED},
        torch_reference(
            torch.optim.RMSprop, lr=LR, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01
        ),
    ),
    ("adadelta", "AdaDelta.v1", {"learn_rate": 1.0}, torch_reference(torch.optim.Adadelta, lr=1.0)),
    (
        "adadelta-L2",
        "AdaDelta.v1",
        {"learn_rate": 0.5, "rho": 0.95, "L2": 0.01, **COUPLED},
        torch_reference(torch.optim.Adadelta, lr=0.5, rho=0.95, weight_decay=0.01),
    ),
    ("adamw-no-decay", "AdamW.v1", {}, torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.0)),
    ("adamw", "AdamW.v1", {"L2": 0.05}, torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.05)),
    (
        "adamw-amsgrad",
        "AdamW.v1",
        {"L2": 0.05, "amsgrad": True, "beta2": 0.99},
        torch_reference(torch.optim.AdamW, lr=LR, weight_decay=0.05, amsgrad=True, betas=(0.9, 0.99)),
    ),
    ("adam-L2", "AdamW.v1", {"L2": 0.01, **COUPLED}, torch_reference(torch.optim.Adam, lr=LR, weight_decay=0.01)),
    ("adamax", "AdaMax.v1", {}, torch_reference(torch.optim.Adamax, lr=LR)),
    ("adamax-L2", "AdaMax.v1", {"L2": 0.01, **COUPLED}, torch_reference(torch.optim.Adamax, lr=LR, weight_decay=0.01)),
    ("nadam", "NAdam.v1", {}, torch_reference(torch.optim.NAdam, lr=LR)),
    ("nadam-L2", "NAdam.v1", {"L2": 0.01, **COUPLED}, torch_reference(torch.optim.NAdam, lr=LR, weight_decay=0.01)),
    (
        "nadamw",
        "NAdam.v1",
        {"L2": 0.05, "momentum_decay": 0.01},
        torch_reference(
            torch.optim.NAdam, lr=LR, weight_decay=0.05, decoupled_weight_decay=True, momentum_decay=0.01
        ),
    ),
    ("lion", "Lion.v1", {}, lion_reference(LR)),
    ("lion-decay", "Lion.v1", {"L2": 0.1, "beta1": 0.95, "beta2": 0.98}, lion_reference(LR, 0.95, 0.98, 0.1)),
    ("rprop", "Rprop.v1", {}, torch_reference(torch.optim.Rprop, lr=LR)),
    (
        "rprop-etas-step-sizes",
        "Rprop.v1",
        {"eta_minus": 0.3, "eta_plus": 1.5, "step_size_min": 1e-4, "step_size_max": 0.05},
        torch_reference(torch.optim.Rprop, lr=LR, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05)),
    ),
    ("asgd", "ASGD.v1", {}, torch_reference(torch.optim.ASGD, lr=LR)),
    (
        "asgd-averaging-L2",
        "ASGD.v1",
        {"lambd": 1e-2, "alpha": 0.5, "t0": 50.0, "L2": 0.01, **COUPLED},
        torch_reference(torch.optim.ASGD, lr=LR, lambd=1e-2, alpha=0.5, t0=50.0, weight_decay=0.01),
    ),
    ("adafactor", "Adafactor.v1", {}, torch_reference(torch.optim.Adafactor, lr=LR)),
    (
        "adafactor-options",
        "Adafactor.v1",
        {"beta2_decay": -0.5, "eps1": 1e-20, "eps2": 1e-2, "d": 2.0},
        torch_reference(torch.optim.Adafactor, lr=LR, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0),
    ),
    ("muon", "Muon.v1", {}, muon_reference(LR)),
    (
        "muon-options",
        "Muon.v1",
        {
            "momentum": 0.9,
            "nesterov": False,
            "ns_steps": 3,
            "ns_coefficients": [3.0, -3.2, 1.2],
            "eps": 1e-5,
            "adjust_lr_fn": "match_rms_adamw",
            "adamw_learn_rate": 0.02,
            "adamw_beta1": 0.8,
            "adamw_beta2": 0.99,
            "adamw_eps": 1e-6,
            "L2": 0.05,
        },
        muon_reference(
            LR,
            decay=0.05,
            momentum=0.9,
            nesterov=False,
            ns_steps=3,
            ns_coefficients=(3.0, -3.2, 1.2),
            eps=1e-5,
            adjust_lr_fn="match_rms_adamw",
            adamw={"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
        ),
    ),
    ("schedule-free", "ScheduleFreeAdamW.v1", {}, schedule_free_reference(LR)),
    (
        "schedule-free-warmup-r-decay",
        "ScheduleFreeAdamW.v1",
        {"warmup_steps": 50, "r": 1.0, "weight_lr_power": 1.0, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "L2": 0.05},
        schedule_free_reference(
            LR, warmup_steps=50, r=1.0, weight_lr_power=1.0, betas=(0.8, 0.99), eps=1e-6, decay=0.05
        ),
    ),
    (
        "schedule-free-decay-at-z",
        "ScheduleFreeAdamW.v1",
        {"decay_at_z": True, "warmup_steps": 10, "L2": 0.05},
        schedule_free_reference(LR, decay_at_z=True, warmup_steps=10, decay=0.05),
    ),
    ("lamb", "LAMB.v1", {}, lamb_reference(LR)),
    (
        "lamb-decay-clamp",
        "LAMB.v1",
        {"L2": 0.05, "clamp": 3.0, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8},
        lamb_reference(LR, 0.8, 0.99, 1e-8, clamp=3.0, wd=0.05),
    ),
    ("lamb-L2", "LAMB.v1", {"L2": 0.01, **COUPLED}, lamb_reference(LR, l2=0.01)),
]

# Every optimizer with thinc's gradient clipping, decoupled L2 (ours; torch's
# weight_decay for Adafactor, decoupled there and applied after its scale is
# measured) and averages on.
SHARED = {"grad_clip": CLIP, "L2": DECAY, "L2_is_weight_decay": True, "use_averages": True}
SHARED_CASES = [
    (name, settings, torch_reference(make, clip=CLIP, decay=DECAY, lr=lr, **kwargs))
    for name, settings, make, lr, kwargs in [
        ("Momentum.v1", {"nesterov": True}, torch.optim.SGD, LR, {"momentum": 0.9, "nesterov": True}),
        ("Adagrad.v1", {}, torch.optim.Adagrad, LR, {}),
        ("RMSProp.v1", {"centered": True}, torch.optim.RMSprop, LR, {"centered": True}),
        ("AdaDelta.v1", {"learn_rate": 1.0}, torch.optim.Adadelta, 1.0, {}),
        ("AdamW.v1", {}, torch.optim.AdamW, LR, {"weight_decay": 0.0}),
        ("AdaMax.v1", {}, torch.optim.Adamax, LR, {}),
        ("NAdam.v1", {}, torch.optim.NAdam, LR, {}),
        ("Rprop.v1", {}, torch.optim.Rprop, LR, {}),
        ("ASGD.v1", {"t0": 50.0}, torch.optim.ASGD, LR, {"t0": 50.0}),
    ]
] + [
    ("Lion.v1", {}, lion_reference(LR, wd=DECAY, clip=CLIP)),
    ("Adafactor.v1", {}, torch_reference(torch.optim.Adafactor, clip=CLIP, lr=LR, weight_decay=DECAY)),
    # Decoupled L2: torch's weight_decay for Muon and its AdamW, schedulefree's
    # weight_decay (on z) and the paper's lambda (in r) for LAMB.
    ("Muon.v1", {}, muon_reference(LR, clip=CLIP, decay=DECAY)),
    (
        "ScheduleFreeAdamW.v1",
        {"warmup_steps": 20},
        schedule_free_reference(LR, clip=CLIP, decay=DECAY, warmup_steps=20),
    ),
    ("LAMB.v1", {}, lamb_reference(LR, wd=DECAY, clip=CLIP)),
]
PARITY = [(case[0], case[1], case[2], case[3]) for case in EXACT_CASES] + [
    (f"{name[:-3].lower()}-clip-decay-averages", name, {**SHARED, **settings}, reference)
    for name, settings, reference in SHARED_CASES
]


@pytest.mark.parametrize("dtype", sorted(TOLERANCES))
@pytest.mark.parametrize(
    "name,kwargs,reference", [case[1:] for case in PARITY], ids=[case[0] for case in PARITY]
)
def test_matches_reference(name: str, kwargs: Dict[str, Any], reference: Callable, dtype: str) -> None:
    settings = {"learn_rate": LR, "grad_clip": 0.0, "use_averages": False, **kwargs}
    ours = OURS[name](**settings)
    rtol, atol_of_scale = TOLERANCES[dtype]
    weights = [w.astype(dtype) for w in initial_weights(seed=0)]
    ref_step = reference([w.astype("float64") for w in weights])
    for step, grads in enumerate(gradient_sequence(seed=0)):
        expected = ref_step(grads)
        for i, (w, g) in enumerate(zip(weights, grads)):
            ours((i, "W"), w, g.astype(dtype))
            numpy.testing.assert_allclose(
                w,
                expected[i],
                rtol=rtol,
                atol=atol_of_scale * numpy.abs(expected[i]).max(),
                err_msg=f"step {step}, tensor {i}",
            )


def test_every_optimizer_is_checked_with_clipping_decay_and_averages() -> None:
    assert sorted(name for name, _, _ in SHARED_CASES) == sorted(OURS)


def test_asgd_average_matches_torch() -> None:
    """ASGD's averaged iterate, torch's state "ax", from step t0 on."""
    ours = optim.ASGD(LR, t0=20.0, grad_clip=0.0, use_averages=False)
    weights = initial_weights(seed=2)[1].astype("float64")
    param = torch.tensor(weights, requires_grad=True)
    reference = torch.optim.ASGD([param], lr=LR, t0=20.0, foreach=False)
    for grads in gradient_sequence(seed=2, n_steps=60):
        ours((0, "W"), weights, grads[1].astype("float64"))
        param.grad = torch.from_numpy(grads[1].astype("float64"))
        reference.step()
    expected = reference.state[param]["ax"].numpy()
    numpy.testing.assert_allclose(ours.state[(0, "W")]["ax"], expected, rtol=1e-6)
    assert not numpy.allclose(expected, weights)


def test_momentum_zero_is_thincs_sgd() -> None:
    """Clipping and averages are thinc's: momentum 0 must be thinc's SGD.v1."""
    ours = optim.Momentum(0.1, momentum=0.0, grad_clip=0.5)
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
def test_shared_arguments_have_thincs_defaults(name: str) -> None:
    """Swapping Adam.v1 for any of ours keeps what L2, grad_clip and averages mean."""
    ours = registry.resolve({"o": {"@optimizers": name}})["o"]
    adam = registry.resolve({"o": {"@optimizers": "Adam.v1"}})["o"]
    for attr in ("L2", "L2_is_weight_decay", "grad_clip"):
        assert getattr(ours, attr) == getattr(adam, attr), attr
    assert (ours.averages is None) == (adam.averages is None)


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
    arrays = [a for a in optimizer.state[(1, "W")].values() if isinstance(a, numpy.ndarray)]
    assert arrays and all(a.dtype == numpy.float32 for a in arrays)
    optimizer((2, "W"), other, numpy.full((4, 3), -0.1, dtype="float32"), lr_scale=0.5)
    assert set(optimizer.state) == {(1, "W"), (2, "W")}
    assert optimizer.nr_update[(1, "W")] == 1
    assert set(optimizer.averages) == {(1, "W"), (2, "W")}
    assert optimizer.averages[(1, "W")].shape == (4, 3)


@pytest.mark.parametrize("name", OURS)
def test_use_averages_false(name: str) -> None:
    """No averages, except ScheduleFreeAdamW's x, which spaCy must evaluate."""
    optimizer = registry.optimizers.get(name)(use_averages=False)
    optimizer((0, "W"), numpy.ones(3, dtype="float32"), numpy.ones(3, dtype="float32"))
    if name == "ScheduleFreeAdamW.v1":
        assert set(optimizer.averages) == {(0, "W")}
        assert optimizer.averages[(0, "W")] is optimizer.state[(0, "W")]["x"]
    else:
        assert optimizer.averages is None


def _snapshot(optimizer: Optimizer, weights: numpy.ndarray) -> Tuple[Any, ...]:
    return weights.copy(), copy.deepcopy(optimizer.state), dict(optimizer.nr_update)


def _assert_unchanged(optimizer: Optimizer, weights: numpy.ndarray, before: Tuple[Any, ...]) -> None:
    numpy.testing.assert_array_equal(weights, before[0])
    assert dict(optimizer.nr_update) == before[2]
    assert set(optimizer.state) == set(before[1])
    for key, state in optimizer.state.items():
        assert set(state) == set(before[1][key])
        for array_name, value in state.items():
            numpy.testing.assert_array_equal(value, before[1][key][array_name])


@pytest.mark.parametrize("name", OURS)
def test_nonfinite_gradient_is_skipped(name: str) -> None:
    optimizer = registry.optimizers.get(name)(learn_rate=0.01)
    weights = numpy.linspace(-1, 1, 6, dtype="float32")
    optimizer((0, "W"), weights, numpy.full(6, 0.5, dtype="float32"))
    before = _snapshot(optimizer, weights)
    for bad in (numpy.nan, numpy.inf):
        gradient = numpy.full(6, 0.5, dtype="float32")
        gradient[2] = bad
        with pytest.warns(NonFiniteGradientWarning, match=r"\(0, 'W'\)"):
            optimizer((0, "W"), weights, gradient)
        assert not gradient.any()
        _assert_unchanged(optimizer, weights, before)


# Those whose state holds squared gradients: a gradient whose squares overflow
# would make it inf. The others stay finite on a gradient of 1e30.
# Muon's matrices keep no squares (its vectors' AdamW does).
SQUARING = {
    "Adagrad.v1",
    "RMSProp.v1",
    "AdaDelta.v1",
    "AdamW.v1",
    "NAdam.v1",
    "Adafactor.v1",
    "ScheduleFreeAdamW.v1",
    "LAMB.v1",
}


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("name", OURS)
def test_finite_but_huge_gradient_leaves_no_inf(name: str) -> None:
    """With grad_clip = 0, a gradient of 1e30 either is applied with a finite
    result or is skipped with a warning, leaving everything as it was."""
    optimizer = registry.optimizers.get(name)(learn_rate=0.01, grad_clip=0.0)
    weights = numpy.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    optimizer((0, "W"), weights, numpy.full((2, 3), 0.5, dtype="float32"))
    before = _snapshot(optimizer, weights)
    huge = numpy.full((2, 3), 1e30, dtype="float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NonFiniteGradientWarning)
        optimizer((0, "W"), weights, huge)
    skipped = [w for w in caught if issubclass(w.category, NonFiniteGradientWarning)]
    assert not huge.any()
    if name in SQUARING:
        assert len(skipped) == 1 and "not finite" in str(skipped[0].message)
        _assert_unchanged(optimizer, weights, before)
        optimizer((0, "W"), weights, numpy.full((2, 3), 0.5, dtype="float32"))
        assert optimizer.nr_update[(0, "W")] == 2
    else:
        assert not skipped and optimizer.nr_update[(0, "W")] == 2
    assert numpy.isfinite(weights).all()
    for value in optimizer.state[(0, "W")].values():
        assert numpy.isfinite(value).all()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_huge_gradient_is_new_key_skipped_without_state() -> None:
    optimizer = optim.AdamW(0.01, grad_clip=0.0)
    weights = numpy.ones(3, dtype="float32")
    with pytest.warns(NonFiniteGradientWarning, match="not finite"):
        optimizer((5, "W"), weights, numpy.full(3, 1e30, dtype="float32"))
    assert (5, "W") not in optimizer.state and (5, "W") not in optimizer.nr_update
    numpy.testing.assert_array_equal(weights, 1.0)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_huge_gradient_is_clipped_by_its_true_norm() -> None:
    """The float32 norm of [3e38, 3e38] overflows; the clip keeps the direction."""
    optimizer = optim.Momentum(0.1, momentum=0.0, grad_clip=1.0, use_averages=False)
    weights = numpy.zeros(2, dtype="float32")
    optimizer((0, "W"), weights, numpy.full(2, 3e38, dtype="float32"))
    numpy.testing.assert_allclose(weights, [-0.1 / 2**0.5] * 2, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_finite_gradient_with_overflowing_sum_is_applied() -> None:
    optimizer = optim.Momentum(1e-40, grad_clip=0.0, use_averages=False)
    weights = numpy.zeros(4, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteGradientWarning)
        optimizer((0, "W"), weights, numpy.full(4, 3e38, dtype="float32"))
    assert weights.any()


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("shape", [(2, 2), (5,)], ids=["same-size", "other-size"])
def test_gradient_of_the_wrong_shape_changes_nothing(name: str, shape: Tuple[int, ...]) -> None:
    optimizer = registry.optimizers.get(name)(learn_rate=0.01, L2=0.01)
    weights = numpy.linspace(-1, 1, 4, dtype="float32")
    gradient = numpy.full(shape, 0.5, dtype="float32")
    with pytest.raises(ValueError, match=r"gradient of parameter \(0, 'W'\) has shape \(.*\), its weights \(4,\)"):
        optimizer((0, "W"), weights, gradient)
    numpy.testing.assert_array_equal(weights, numpy.linspace(-1, 1, 4, dtype="float32"))
    assert not optimizer.state and not optimizer.nr_update
    assert (gradient == 0.5).all()
    optimizer((0, "W"), weights, numpy.full(4, 0.5, dtype="float32"))
    assert optimizer.nr_update[(0, "W")] == 1


BAD_SETTINGS = [
    ("Momentum.v1", {"learn_rate": 0.0}, "learn_rate"),
    ("Adagrad.v1", {"learn_rate": -1.0}, "learn_rate"),
    ("Momentum.v1", {"momentum": -0.1}, "momentum"),
    ("Momentum.v1", {"momentum": 0.0, "nesterov": True}, "nesterov"),
    ("RMSProp.v1", {"rho": 1.0}, r"rho=1\.0 .*\[0, 1\)"),
    ("RMSProp.v1", {"momentum": -0.5}, "momentum"),
    ("RMSProp.v1", {"eps": 0.0}, r"eps=0\.0 .*\(0, inf\)"),
    ("AdaDelta.v1", {"rho": -0.1}, "rho"),
    ("AdamW.v1", {"beta1": 1.5}, r"AdamW\.v1: beta1=1\.5 .*\[0, 1\)"),
    ("AdamW.v1", {"beta2": -0.1}, r"beta2=-0\.1"),
    ("AdamW.v1", {"L2": -0.01}, "L2"),
    ("AdaMax.v1", {"eps": -1e-8}, "eps"),
    ("NAdam.v1", {"momentum_decay": -1.0}, "momentum_decay"),
    ("Lion.v1", {"beta2": 1.0}, r"beta2=1\.0"),
    ("Adagrad.v1", {"initial_accumulator": -1.0}, "initial_accumulator"),
    ("Adagrad.v1", {"grad_clip": -1.0}, "grad_clip"),
    ("NAdam.v1", {"L2": -1.0}, "L2"),
    ("AdamW.v1", {"beta1": [1.2, 0.9]}, "schedule for beta1"),
    ("Lion.v1", {"learn_rate": [-1.0, 0.1]}, "schedule for learn_rate"),
    ("Rprop.v1", {"eta_minus": 1.0}, r"eta_minus=1\.0 .*\(0, 1\)"),
    ("Rprop.v1", {"eta_plus": 1.0}, r"eta_plus=1\.0 .*\(1, inf\)"),
    ("Rprop.v1", {"step_size_min": 1.0, "step_size_max": 0.5}, r"step_size_max=0\.5 .*\[1, inf\)"),
    ("ASGD.v1", {"lambd": -1.0}, "lambd"),
    ("ASGD.v1", {"t0": -1.0}, "t0"),
    ("ASGD.v1", {"alpha": -0.5}, "alpha"),
    ("Adafactor.v1", {"beta2_decay": 0.5}, r"beta2_decay=0\.5 .*\[-inf, 0\]"),
    ("Adafactor.v1", {"d": 0.5}, r"d=0\.5"),
    ("Adafactor.v1", {"eps1": -1.0}, "eps1"),
    ("Adafactor.v1", {"eps2": -1.0}, "eps2"),
    ("Muon.v1", {"momentum": 1.0}, r"Muon\.v1: momentum=1\.0 .*\[0, 1\)"),
    ("Muon.v1", {"eps": 0.0}, r"eps=0\.0 .*\(0, inf\)"),
    ("Muon.v1", {"ns_steps": 100}, r"ns_steps=100 .*\[0, 100\)"),
    ("Muon.v1", {"ns_steps": 2.5}, "ns_steps"),
    ("Muon.v1", {"ns_coefficients": [3.0, -4.0]}, "ns_coefficients"),
    ("Muon.v1", {"adjust_lr_fn": "rms"}, r"adjust_lr_fn='rms' is not one of None, 'original', 'match_rms_adamw'"),
    ("Muon.v1", {"muon_params": "W"}, "muon_params"),
    ("Muon.v1", {"adamw_learn_rate": 0.0}, r"Muon\.v1: adamw_learn_rate=0\.0"),
    ("Muon.v1", {"adamw_beta1": 1.0}, r"Muon\.v1: adamw_beta1=1\.0"),
    ("Muon.v1", {"adamw_beta2": -0.1}, "adamw_beta2"),
    ("Muon.v1", {"adamw_eps": 0.0}, "adamw_eps"),
    ("Muon.v1", {"L2": -0.1}, "L2"),
    ("ScheduleFreeAdamW.v1", {"warmup_steps": -1}, r"warmup_steps=-1 .*\[0, inf\)"),
    ("ScheduleFreeAdamW.v1", {"warmup_steps": 1.5}, "warmup_steps"),
    ("ScheduleFreeAdamW.v1", {"r": -1.0}, r"ScheduleFreeAdamW\.v1: r=-1\.0"),
    ("ScheduleFreeAdamW.v1", {"weight_lr_power": -2.0}, "weight_lr_power"),
    ("ScheduleFreeAdamW.v1", {"beta1": 1.0}, "beta1"),
    ("ScheduleFreeAdamW.v1", {"eps": 0.0}, "eps"),
    ("LAMB.v1", {"clamp": 0.0}, r"LAMB\.v1: clamp=0\.0 .*\(0, inf\]"),
    ("LAMB.v1", {"beta2": 1.0}, "beta2"),
    ("LAMB.v1", {"eps": 0.0}, "eps"),
    ("LAMB.v1", {"learn_rate": -0.1}, "learn_rate"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD_SETTINGS)
def test_bad_setting_fails_when_resolved(name: str, kwargs: Dict[str, Any], match: str) -> None:
    config = {"optimizer": {"@optimizers": name, **kwargs}}
    with pytest.raises(ValueError, match=match):
        registry.resolve(config)


def test_schedule_value_checked_when_stepped() -> None:
    optimizer = optim.RMSProp(0.01, rho=[0.9, 0.95, 1.5])
    optimizer.step_schedules()
    assert optimizer.rho == 0.95
    with pytest.raises(ValueError, match="schedule for rho=1.5"):
        optimizer.step_schedules()


@pytest.mark.parametrize("name", OURS)
def test_learn_rate_schedule(name: str) -> None:
    """warmup_linear starts at 0, which a scheduled learn_rate may be (Rprop's
    step sizes start there and are raised to step_size_min, as in torch)."""
    optimizer = registry.optimizers.get(name)(warmup_linear(0.01, 2, 10))
    weights = numpy.ones((2, 3), dtype="float32")  # a matrix: Muon's vectors follow adamw_learn_rate
    optimizer((0, "W"), weights, numpy.ones((2, 3), dtype="float32"))
    assert optimizer.learn_rate == 0.0
    moved = optimizer.step_size_min if name == "Rprop.v1" else 0.0
    numpy.testing.assert_array_equal(weights, numpy.float32(1.0 - moved))
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
    assert isinstance(optimizer, optim.RMSPropOptimizer)
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


STATE_SIZES: List[Tuple[str, Dict[str, Any], Tuple[int, ...], int]] = [
    ("Momentum.v1", {}, (10,), 10),
    ("Adagrad.v1", {}, (10,), 10),
    ("RMSProp.v1", {}, (10,), 10),
    ("RMSProp.v1", {"centered": True}, (10,), 20),
    ("RMSProp.v1", {"centered": True, "momentum": 0.9}, (10,), 30),
    ("AdaDelta.v1", {}, (10,), 20),
    ("AdamW.v1", {}, (10,), 20),
    ("AdamW.v1", {"amsgrad": True}, (10,), 30),
    ("AdaMax.v1", {}, (10,), 20),
    ("NAdam.v1", {}, (10,), 20),
    ("Lion.v1", {}, (10,), 10),
    ("Rprop.v1", {}, (10,), 20),
    ("ASGD.v1", {}, (10,), 10),
    ("Adafactor.v1", {}, (10,), 10),
    ("Adafactor.v1", {}, (8, 5), 8 + 5),
    ("Adafactor.v1", {}, (3, 4, 6), 3 * 4 + 3 * 6),
    ("Muon.v1", {}, (10,), 20),  # AdamW
    ("Muon.v1", {}, (8, 5), 40),
    ("Muon.v1", {}, (3, 4, 6), 72),
    ("ScheduleFreeAdamW.v1", {}, (10,), 30),
    ("LAMB.v1", {}, (10,), 20),
]


@pytest.mark.parametrize("name,kwargs,shape,floats", STATE_SIZES)
def test_state_size(name: str, kwargs: Dict[str, Any], shape: Tuple[int, ...], floats: int) -> None:
    optimizer = registry.optimizers.get(name)(**kwargs)
    optimizer((0, "W"), numpy.ones(shape, dtype="float32"), numpy.ones(shape, dtype="float32"))
    arrays = [a for a in optimizer.state[(0, "W")].values() if isinstance(a, numpy.ndarray)]
    assert sum(a.size for a in arrays) == floats


def _strided_copy(array: numpy.ndarray) -> numpy.ndarray:
    """A copy that is a view with gaps, in C order (so that the clipping
    norm sums in the same order): not contiguous, updated in place."""
    holder = numpy.zeros(array.shape + (2,), dtype=array.dtype)
    view = holder[..., 0]
    view[...] = array
    assert not view.flags.c_contiguous
    return view


@pytest.mark.parametrize("name", OURS)
def test_cache_blocking_is_exact(name: str, monkeypatch) -> None:
    """Slices of 16 floats (several per tensor, a ragged last one), whole
    arrays, and non-contiguous arrays (done in one piece, as are the rules
    that are not elementwise) give the same bits, with clipping, decoupled
    L2 and averages all on."""
    factory = registry.optimizers.get(name)
    runs = {}
    for mode in ("chunked", "whole", "strided"):
        monkeypatch.setattr(optim.BaseOptimizer, "chunk_size", 16 if mode == "chunked" else 2**20)
        optimizer = factory(learn_rate=LR, **SHARED)
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
            for array_name, value in runs["chunked"][1].state[(i, "W")].items():
                numpy.testing.assert_array_equal(runs[mode][1].state[(i, "W")][array_name], value)


def test_averages_are_thincs() -> None:
    """The in-place average update is ops.update_averages, bit for bit."""
    optimizer = optim.Momentum(0.1, grad_clip=0.0)
    weights = initial_weights(seed=7)
    expected = [numpy.zeros_like(w) for w in weights]
    for t, grads in enumerate(gradient_sequence(seed=7)[:20], start=1):
        for i, (w, g) in enumerate(zip(weights, grads)):
            optimizer((i, "W"), w, g.copy())
            NumpyOps().update_averages(expected[i], w, t)
    for i in range(len(SHAPES)):
        numpy.testing.assert_array_equal(optimizer.averages[(i, "W")], expected[i])


def test_muon_matches_torch_in_bfloat16() -> None:
    """torch as it is (its Newton-Schulz in bfloat16) within bfloat16 precision
    (2**-8): the cast that test_matches_reference disables is the only difference."""
    ours = optim.Muon(LR, grad_clip=0.0, use_averages=False)
    start = initial_weights(seed=4)
    weights = [w.copy() for w in start]
    reference = muon_reference(LR, full_precision=False)([w.astype("float64") for w in start])
    for grads in gradient_sequence(seed=4, n_steps=20):
        expected = reference(grads)
        for i, (w, g) in enumerate(zip(weights, grads)):
            ours((i, "W"), w, g.copy())
    for i in (1, 2):  # the matrices
        ours_moved, torch_moved = weights[i] - start[i], expected[i] - start[i]
        error = numpy.linalg.norm(ours_moved - torch_moved) / numpy.linalg.norm(torch_moved)
        assert 1e-6 < error < 2**-6, i


def test_muon_routes_weight_matrices_and_gives_the_rest_to_adamw() -> None:
    """Muon for keys named W with 2+ axes; biases (thinc's Maxout b is 2-D),
    embedding tables, vectors: an AdamW exact to AdamW.v1 with the adamw_* settings."""
    adamw_settings = {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}
    muon = optim.Muon(0.02, adamw_learn_rate=0.005, **{f"adamw_{k}": v for k, v in adamw_settings.items()}, L2=0.01)
    adamw = optim.AdamW(0.005, **adamw_settings, L2=0.01)
    rng = numpy.random.default_rng(8)
    shapes = {(0, "W"): (6, 4), (1, "W"): (2, 3, 4), (2, "b"): (6, 3), (3, "E"): (20, 4), (4, "W"): (5,)}
    weights = {key: rng.normal(size=shape).astype("float32") for key, shape in shapes.items()}
    copies = {key: w.copy() for key, w in weights.items()}
    for _ in range(5):
        for key, w in weights.items():
            g = rng.normal(size=w.shape).astype("float32")
            muon(key, w, g.copy())
            if key[1] != "W" or w.ndim == 1:
                adamw(key, copies[key], g.copy())
    for key in shapes:
        expected = {"momentum_buffer"} if key in ((0, "W"), (1, "W")) else {"exp_avg", "exp_avg_sq"}
        assert set(muon.state[key]) == expected, key
        if expected != {"momentum_buffer"}:
            numpy.testing.assert_array_equal(weights[key], copies[key])
            numpy.testing.assert_array_equal(muon.averages[key], adamw.averages[key])
        assert muon.nr_update[key] == 5
    only_biases = optim.Muon(0.02, muon_params=["b"])
    only_biases((2, "b"), weights[(2, "b")], numpy.ones((6, 3), dtype="float32"))
    only_biases((0, "W"), weights[(0, "W")], numpy.ones((6, 4), dtype="float32"))
    assert set(only_biases.state[(2, "b")]) == {"momentum_buffer"}
    assert set(only_biases.state[(0, "W")]) == {"exp_avg", "exp_avg_sq"}


def test_muon_steps_its_adamws_schedules() -> None:
    """adamw_* schedules step with the optimizer; shared settings follow Muon's, stepped once."""
    muon = optim.Muon([0.01, 0.02, 0.03], adamw_learn_rate=[0.1, 0.2, 0.3], L2=[0.0, 0.01, 0.02])
    muon.step_schedules()
    assert (muon.learn_rate, muon.fallback.learn_rate, muon.L2, muon.fallback.L2) == (0.02, 0.2, 0.01, 0.01)
    bad = optim.Muon(0.01, adamw_beta1=[0.9, 1.5])
    with pytest.raises(ValueError, match=r"Muon\.v1: schedule for adamw_beta1=1\.5"):
        bad.step_schedules()


def test_schedule_free_averages_are_its_x() -> None:
    """averages[key] is the state's x (the same array), equal to the reference's
    x over 200 steps with warm-up, decay and clipping; the weights are y."""
    ours = optim.ScheduleFreeAdamW(LR, warmup_steps=30, r=0.5, L2=DECAY, grad_clip=CLIP, use_averages=False)
    weights = [w.astype("float64") for w in initial_weights(seed=6)]
    reference = schedule_free_reference(LR, clip=CLIP, decay=DECAY, warmup_steps=30, r=0.5)(
        [w.copy() for w in weights]
    )
    for grads in gradient_sequence(seed=6):
        reference(grads)
        for i, (w, g) in enumerate(zip(weights, grads)):
            ours((i, "W"), w, g.astype("float64"))
    for i, param in enumerate(reference.params):
        state = reference.optimizer.state[param]
        assert ours.averages[(i, "W")] is ours.state[(i, "W")]["x"]
        numpy.testing.assert_allclose(ours.averages[(i, "W")], state["x"].numpy(), rtol=1e-9, atol=1e-12)
        numpy.testing.assert_allclose(ours.state[(i, "W")]["z"], state["z"].numpy(), rtol=1e-9, atol=1e-12)
        numpy.testing.assert_allclose(weights[i], state["y"].numpy(), rtol=1e-9, atol=1e-12)
        assert not numpy.allclose(weights[i], state["x"].numpy())


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_schedule_free_averages_follow_a_skipped_update() -> None:
    """A skipped update restores copies of the state: averages must hold them."""
    optimizer = optim.ScheduleFreeAdamW(0.01, grad_clip=0.0)
    weights = numpy.ones((2, 3), dtype="float32")
    optimizer((0, "W"), weights, numpy.full((2, 3), 0.5, dtype="float32"))
    with pytest.warns(NonFiniteGradientWarning, match="not finite"):
        optimizer((0, "W"), weights, numpy.full((2, 3), 1e30, dtype="float32"))
    assert optimizer.averages[(0, "W")] is optimizer.state[(0, "W")]["x"]


@pytest.mark.parametrize("clamp", [10.0, 3.0])
def test_lamb_matches_pytorch_optimizer(clamp: float) -> None:
    """pytorch-optimizer's Lamb gives the paper's rule with adam_debias=True
    (else its 1 / (1 - beta1**t) stays outside the trust ratio), weight_decay=0
    (it has no bias correction of v, which then no longer cancels) and an eps
    small enough that adding it to the update's norm does not show; its clamp
    is a class attribute."""
    eps = 1e-12
    ours = optim.LAMB(LR, eps=eps, clamp=clamp, grad_clip=0.0, use_averages=False)
    weights = [w.astype("float64") for w in initial_weights(seed=9)]
    params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    reference = pytorch_optimizer.Lamb(params, lr=LR, eps=eps, adam_debias=True, foreach=False)
    reference.clamp = clamp
    for grads in gradient_sequence(seed=9):
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.astype("float64"))
        reference.step()
        for i, (w, g) in enumerate(zip(weights, grads)):
            ours((i, "W"), w, g.astype("float64"))
    for w, p in zip(weights, params):
        expected = p.detach().numpy()
        numpy.testing.assert_allclose(w, expected, rtol=1e-9, atol=1e-9 * numpy.abs(expected).max())


TRIPS = [
    ("Je veux aller de Paris à Lyon", "Paris", "Lyon"),
    ("Un billet de Marseille pour Lille", "Marseille", "Lille"),
    ("Comment aller à Nantes depuis Bordeaux ?", "Bordeaux", "Nantes"),
]


@pytest.mark.slow
def test_spacy_saves_schedule_free_x(tmp_path) -> None:
    """spaCy's training loop evaluates and saves model-best inside
    use_params(optimizer.averages): the saved weights are x, not y."""
    import spacy
    from spacy.cli.init_config import init_config
    from spacy.tokens import DocBin
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train

    from travel_ner.lab.benchmark import trainable_params

    built: List[optim.ScheduleFreeAdamWOptimizer] = []

    @registry.optimizers("test_schedule_free_kept.v1")
    def kept(learn_rate: float) -> optim.ScheduleFreeAdamWOptimizer:
        built.append(optim.ScheduleFreeAdamW(learn_rate, warmup_steps=2))
        return built[-1]

    blank = spacy.blank("fr")
    docs = []
    for text, departure, arrival in TRIPS:
        doc = blank.make_doc(text)
        doc.ents = [
            doc.char_span(text.index(city), text.index(city) + len(city), label=label)
            for city, label in ((departure, "DEP"), (arrival, "ARR"))
        ]
        docs.append(doc)
    DocBin(docs=docs).to_disk(tmp_path / "tiny.spacy")
    config = init_config(lang="fr", pipeline=["ner"])
    config["paths"]["train"] = config["paths"]["dev"] = str(tmp_path / "tiny.spacy")
    config["training"].update({"max_steps": 6, "eval_frequency": 6, "patience": 0})
    config["training"]["optimizer"] = {"@optimizers": "test_schedule_free_kept.v1", "learn_rate": 0.01}
    # Every checkpoint scores 0, so each is the best so far: model-best is the last one, at step 6.
    config["training"]["score_weights"] = {"ents_f": 0.0, "ents_p": None, "ents_r": None, "ents_per_type": None}
    nlp = init_nlp(config)
    (tmp_path / "out").mkdir()
    nlp, _ = train(nlp, tmp_path / "out", stdout=io.StringIO(), stderr=io.StringIO())
    optimizer = built[-1]
    trained = trainable_params(nlp)  # y: train leaves the trained weights in place
    assert set(trained) <= set(optimizer.averages)
    for saved in ("model-best", "model-last"):
        loaded = trainable_params(spacy.load(tmp_path / "out" / saved))
        assert [w.shape for w in loaded.values()] == [w.shape for w in trained.values()]
        for key, w in zip(trained, loaded.values()):
            numpy.testing.assert_array_equal(w, optimizer.averages[key], err_msg=f"{saved} {key}")
        assert any(not numpy.array_equal(w, trained[key]) for key, w in zip(trained, loaded.values()))
