"""Thinc optimizers that reproduce torch.optim update rules, for spaCy training.

The project compares optimizers on one spaCy pipeline, so each optimizer here
must behave exactly like its reference implementation: a difference in
results should come from the algorithm, never from a re-implementation
detail. All of them subclass ``thinc.api.Optimizer`` and share
:class:`BaseOptimizer`, which handles what every algorithm has in common;
:class:`AdamFamily` holds the moments and bias corrections of AdamW, AdaMax
and NAdam; each subclass only writes its own update rule.

Arguments shared by all factories, with thinc's defaults (those of
``Adam.v1``), so that swapping one factory for another in a config keeps the
meaning of the shared settings:

* ``learn_rate`` (positional). Defaults follow the reference (torch's lr;
  Lion: 1e-4, a tenth of Adam's, as its paper recommends).
* ``L2`` (default 0.0). With ``L2_is_weight_decay=True`` (the default) it is
  decoupled: ``w *= 1 - lr * L2`` before the update, like torch.optim.AdamW
  (thinc's own Adam decays after its update; the two orders differ by
  O(lr**2 * L2)). With ``False`` it is coupled: ``L2 * w`` is added to the
  gradient, like torch's ``weight_decay`` for the other optimizers.
* ``grad_clip`` (default 1.0; 0 turns it off): each tensor's gradient is
  rescaled to at most that L2 norm, after coupled L2, by the rule of thinc's
  ``ops.clip_gradient`` (rescale by ``grad_clip / norm`` when
  ``norm >= grad_clip``). torch has no equivalent.
* ``use_averages`` (default True): parameter averages in
  ``optimizer.averages``, updated as ``ops.update_averages`` does
  (``ema -= (1 - decay) * (ema - w)``), in place.

Every float hyperparameter except Adagrad's ``initial_accumulator`` and
Adafactor's ``eps1`` also accepts a schedule (e.g. ``warmup_linear.v1``),
stepped by ``step_schedules()``.

Bad hyperparameters raise ``ValueError`` naming the setting as the config
spells it and its allowed range when the optimizer is built, so a bad config
fails when it is resolved. A scheduled value is checked each time it is
drawn. A constant learn_rate must be > 0, but a scheduled one may be 0, since
warm-up schedules start at 0. A gradient whose shape is not its weights'
raises ``ValueError`` before anything changes.

Non-finite values: if a gradient holds NaN or inf, or its elements are finite
but its squares overflow and the update it leads to is not finite, that
tensor's update is skipped and a :class:`NonFiniteGradientWarning` names the
parameter key. Weights, optimizer state and the update count are left as
they were. The gradient is still zeroed, as after any update, so the bad
values do not carry over into the next batch's accumulated gradient. To fail
instead, use ``warnings.simplefilter("error", NonFiniteGradientWarning)``.

Array work goes through ``get_array_ops(weights).xp``, so the same code runs
on NumPy and CuPy. State has the dtype of the weights (float32 in spaCy) and
is updated in place. The caller's gradient is used as scratch, since it is
zeroed afterwards anyway. On NumPy an elementwise rule runs over cache-sized
slices (see :class:`BaseOptimizer`); scratch arrays are views of a buffer
the optimizer keeps, so an update allocates nothing.
"""

import math
import warnings
from typing import Any, ClassVar, Dict, List, Optional, Tuple, Union

import numpy
from thinc.api import Optimizer, registry
from thinc.backends import get_array_ops
from thinc.backends.ops import Ops
from thinc.optimizers import ADAM_DEFAULTS, FloatOrSeq, KeyT
from thinc.types import FloatsXd
from thinc.util import is_xp_array

from .ranges import NON_NEGATIVE, POSITIVE, UNIT, Interval, check

__all__ = [
    "ASGD",
    "ASGDOptimizer",
    "AdaDelta",
    "AdaDeltaOptimizer",
    "AdaMax",
    "AdaMaxOptimizer",
    "Adafactor",
    "AdafactorOptimizer",
    "Adagrad",
    "AdagradOptimizer",
    "AdamFamily",
    "AdamW",
    "AdamWOptimizer",
    "BaseOptimizer",
    "Lion",
    "LionOptimizer",
    "Momentum",
    "MomentumOptimizer",
    "NAdam",
    "NAdamOptimizer",
    "NonFiniteGradientWarning",
    "RMSProp",
    "RMSPropOptimizer",
    "Rprop",
    "RpropOptimizer",
]

# The arguments every factory shares, with thinc's defaults (those of Adam.v1).
L2_DEFAULT = float(ADAM_DEFAULTS["L2"])
L2_IS_WEIGHT_DECAY_DEFAULT = bool(ADAM_DEFAULTS["L2_is_weight_decay"])
GRAD_CLIP_DEFAULT = float(ADAM_DEFAULTS["grad_clip"])

# Per-parameter state, as torch's ``optimizer.state[p]``: arrays and scalars.
State = Dict[str, Union[FloatsXd, float]]

# thinc's attribute names for settings the configs spell otherwise.
ATTRIBUTES = {"beta1": "b1", "beta2": "b2"}


class NonFiniteGradientWarning(RuntimeWarning):
    """Warns that an update was skipped: its gradient, or its result, held NaN or inf."""


def _zeros(ops: Ops, weights: FloatsXd) -> FloatsXd:
    return ops.alloc(weights.shape, dtype=weights.dtype)


def _ema(xp: Any, average: FloatsXd, x: FloatsXd, beta: float, scratch: FloatsXd) -> None:
    """average = beta * average + (1 - beta) * x, in place, like torch's lerp_;
    `scratch` may be `x` itself when x is not needed afterwards."""
    average *= beta
    xp.multiply(x, 1.0 - beta, out=scratch)
    average += scratch


def _ema_square(xp: Any, average: FloatsXd, x: FloatsXd, beta: float, scratch: FloatsXd) -> None:
    """average = beta * average + (1 - beta) * x**2, in place (torch's
    mul_(beta).addcmul_(x, x, value=1 - beta))."""
    xp.multiply(x, x, out=scratch)
    scratch *= 1.0 - beta
    average *= beta
    average += scratch


def _update_average(xp: Any, average: FloatsXd, weights: FloatsXd, rate: float, scratch: FloatsXd) -> None:
    """ops.update_averages in place: average -= rate * (average - weights)."""
    xp.subtract(average, weights, out=scratch)
    scratch *= rate
    average -= scratch


def _copy_state(state: Optional[State]) -> Optional[State]:
    if state is None:
        return None
    return {name: value.copy() if is_xp_array(value) else value for name, value in state.items()}


class BaseOptimizer(Optimizer):
    """Everything but the update rule: hyperparameter checks, coupled or
    decoupled L2, gradient clipping, the non-finite policy, per-key state,
    averages, zeroing of the caller's gradient, and cache blocking.

    Subclasses set ``name`` (the registry name, used in error messages) and
    pass their own hyperparameters as ``{setting: (value, Interval)}``, the
    setting spelled as in configs; these may be schedules. They implement
    ``_init_state`` (per-parameter arrays and scalars, as torch's
    ``optimizer.state[p]``), ``_constants`` (the step's scalars, once per
    update) and ``_update`` (the rule, in place, on the state's arrays).

    Cache blocking: an elementwise rule takes 8 to 16 NumPy passes, each of
    which would stream every array through memory. For NumPy arrays that are
    C-contiguous, all per-parameter work (decoupled decay, clipping, the
    rule, averages, zeroing the gradient) is therefore done over successive
    1-D slices of ``chunk_size`` floats of the flattened arrays, so that the
    passes after the first hit L1/L2 instead of memory; every operation being
    elementwise, the result is that of whole arrays. Measured side by side on
    this project's model (2 cores, 1 MiB L2 each; tensors up to 640,000
    floats), whole arrays took 1.14 to 1.26 times as long. CuPy and
    non-contiguous arrays are done in one piece; a rule that is not
    elementwise does its own blocking (Adafactor: see its class).
    """

    name: ClassVar[str]
    # Floats per slice: 2**15 fastest; 2**14 and 2**16 within ~10%; 2**13
    # pays Python overhead per slice, 2**17 and more no longer fit the slices
    # of 5 to 8 arrays in L2.
    chunk_size: ClassVar[int] = 2**15
    elementwise: ClassVar[bool] = True
    # Scratch arrays a rule needs, kept between calls.
    n_scratch: ClassVar[int] = 1
    state: Dict[KeyT, State]
    _settings: Dict[str, Tuple[str, Interval]]
    _scratch: Dict[Tuple[str, str], FloatsXd]

    __slots__ = ("state", "_settings", "_scratch")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        L2: FloatOrSeq,
        L2_is_weight_decay: bool,
        grad_clip: FloatOrSeq,
        use_averages: bool,
        hyperparameters: Dict[str, Tuple[FloatOrSeq, Interval]],
    ):
        # thinc's betas are unused unless a subclass sets b1/b2 below.
        super().__init__(
            learn_rate,
            L2=L2,
            L2_is_weight_decay=L2_is_weight_decay,
            grad_clip=grad_clip,
            use_averages=use_averages,
            beta1=0.0,
            beta2=0.0,
        )
        self.state = {}
        self._scratch = {}
        scheduled_lr = "learn_rate" in self.schedules
        self._settings = {
            "learn_rate": ("learn_rate", NON_NEGATIVE if scheduled_lr else POSITIVE),
            "L2": ("L2", NON_NEGATIVE),
            "grad_clip": ("grad_clip", NON_NEGATIVE),
        }
        for setting, (value, allowed) in hyperparameters.items():
            attr = ATTRIBUTES.get(setting, setting)
            self._set_attr_or_schedule(attr, value)
            self._settings[attr] = (setting, allowed)
        for attr in self._settings:
            self._check(attr)

    def _check(self, attr: str) -> None:
        setting, allowed = self._settings[attr]
        origin = "schedule for " if attr in self.schedules else ""
        check(self.name, origin + setting, getattr(self, attr), allowed)

    def step_schedules(self) -> None:
        super().step_schedules()
        for attr in self.schedules:
            self._check(attr)

    def __call__(
        self,
        key: KeyT,
        weights: FloatsXd,
        gradient: FloatsXd,
        *,
        lr_scale: float = 1.0,
    ) -> Tuple[FloatsXd, FloatsXd]:
        """Update weights in place from the gradient of parameter `key`, then
        zero the gradient in place (spaCy accumulates into it)."""
        if gradient.shape != weights.shape:
            raise ValueError(
                f"{self.name}: gradient of parameter {key} has shape {gradient.shape}, "
                f"its weights {weights.shape}; they must be equal (nothing was updated)"
            )
        if gradient.size == 0:
            return weights, gradient
        ops = get_array_ops(weights)
        xp = ops.xp
        if self.L2 != 0 and not self.L2_is_weight_decay:
            gradient += self.L2 * weights
        # thinc's clipping norm, computed once, also decides finiteness: it is
        # finite unless an element is not or the squares overflow.
        norm = xp.linalg.norm(gradient)
        saved = None
        if not xp.isfinite(norm):
            if not xp.isfinite(gradient).all():
                return self._skip(key, weights, gradient, "gradient holds NaN or inf")
            # Squares overflow: the rule's state may too. Clip by the float64
            # norm, and keep what the update changes, to undo a non-finite result.
            norm = xp.linalg.norm(gradient.astype("float64"))
            saved = weights.copy(), _copy_state(self.state.get(key))
        step = self.nr_update.get(key, 0) + 1
        lr = self.learn_rate * lr_scale
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = self._init_state(ops, weights, lr)
        constants = self._constants(xp, weights, state, lr, step)
        decay = 1.0 - lr * self.L2 if self.L2 != 0 and self.L2_is_weight_decay else None
        # As ops.clip_gradient: rescale to the threshold when norm >= it.
        clip = self.grad_clip / norm if self.grad_clip and norm >= self.grad_clip else None
        avg_rate = 1.0 - min((1.0 + step) / (10.0 + step), 0.9999)
        if saved is None:
            self._step(xp, weights, gradient, state, decay, clip, constants, self._average(ops, key, weights), avg_rate)
        else:
            self._step(xp, weights, gradient, state, decay, clip, constants, None, avg_rate)
            if not self._is_finite(xp, weights, state):
                weights[...] = saved[0]
                if saved[1] is None:
                    del self.state[key]
                else:
                    self.state[key] = saved[1]
                return self._skip(key, weights, gradient, "update is not finite (gradient too large)")
            average = self._average(ops, key, weights)
            if average is not None:
                _update_average(xp, average, weights, avg_rate, gradient)
                gradient.fill(0)
        self.nr_update[key] = step
        return weights, gradient

    def _skip(self, key: KeyT, weights: FloatsXd, gradient: FloatsXd, why: str) -> Tuple[FloatsXd, FloatsXd]:
        warnings.warn(
            f"{self.name}: {why} for parameter {key}; update skipped",
            NonFiniteGradientWarning,
            stacklevel=3,
        )
        gradient.fill(0)
        return weights, gradient

    def _average(self, ops: Ops, key: KeyT, weights: FloatsXd) -> Optional[FloatsXd]:
        if self.averages is None:
            return None
        if key not in self.averages:
            self.averages[key] = _zeros(ops, weights)
        return self.averages[key]

    def _step(
        self,
        xp: Any,
        weights: FloatsXd,
        gradient: FloatsXd,
        state: State,
        decay: Optional[float],
        clip: Optional[float],
        constants: Any,
        average: Optional[FloatsXd],
        avg_rate: float,
    ) -> None:
        """Decay, clipping, the rule, the average and zeroing the gradient,
        over cache-sized slices where the rule allows (see the class)."""
        names = [name for name, value in state.items() if is_xp_array(value)]
        arrays = [weights, gradient, *(state[name] for name in names)]
        if average is not None:
            arrays.append(average)
        if self.elementwise and xp is numpy and all(a.flags.c_contiguous for a in arrays):
            flat = [a.reshape(-1) for a in arrays]  # views: writes go through
            size, chunk = weights.size, self.chunk_size
            buffers = self._buffers(xp, weights.dtype, min(chunk, size))
            for start in range(0, size, chunk):
                stop = min(start + chunk, size)
                pieces = [a[start:stop] for a in flat]
                scratch = [b[: stop - start] for b in buffers]
                self._piece(xp, pieces, names, scratch, decay, clip, constants, average is not None, avg_rate)
        else:
            scratch = [b.reshape(weights.shape) for b in self._buffers(xp, weights.dtype, weights.size)]
            self._piece(xp, arrays, names, scratch, decay, clip, constants, average is not None, avg_rate)

    def _piece(
        self,
        xp: Any,
        arrays: List[FloatsXd],
        names: List[str],
        scratch: List[FloatsXd],
        decay: Optional[float],
        clip: Optional[float],
        constants: Any,
        averaged: bool,
        avg_rate: float,
    ) -> None:
        """_step on one slice (or the whole) of [weights, gradient, *state, (average)]."""
        weights, gradient = arrays[0], arrays[1]
        if decay is not None:
            weights *= decay
        if clip is not None:
            gradient *= clip
        self._update(xp, weights, gradient, dict(zip(names, arrays[2:])), scratch, constants)
        if averaged:
            _update_average(xp, arrays[-1], weights, avg_rate, gradient)
        gradient.fill(0)

    def _buffers(self, xp: Any, dtype: Any, length: int) -> List[FloatsXd]:
        """`n_scratch` flat scratch arrays of `length`, views of one buffer kept
        between calls, so that an update allocates nothing."""
        slot = (xp.__name__, numpy.dtype(dtype).str)
        buffer = self._scratch.get(slot)
        if buffer is None or buffer.size < self.n_scratch * length:
            buffer = self._scratch[slot] = xp.empty(self.n_scratch * length, dtype=dtype)
        return [buffer[i * length : (i + 1) * length] for i in range(self.n_scratch)]

    @staticmethod
    def _is_finite(xp: Any, weights: FloatsXd, state: State) -> bool:
        arrays = [weights, *(value for value in state.values() if is_xp_array(value))]
        return all(bool(xp.isfinite(array).all()) for array in arrays)

    def _init_state(self, ops: Ops, weights: FloatsXd, lr: float) -> State:
        raise NotImplementedError

    def _constants(self, xp: Any, weights: FloatsXd, state: State, lr: float, step: int) -> Any:
        """The step's scalars for `_update`, once per update (not per slice),
        from the weights before decay. Advances the state's scalars, and
        allocates state that appears lazily."""
        return lr

    def _update(
        self,
        xp: Any,
        weights: FloatsXd,
        gradient: FloatsXd,
        state: State,
        scratch: List[FloatsXd],
        constants: Any,
    ) -> None:
        """Apply the rule in place to one slice of the arrays (`state` holds
        the state's arrays only); `gradient` may be overwritten (it is zeroed
        afterwards), as may `scratch`."""
        raise NotImplementedError


class MomentumOptimizer(BaseOptimizer):
    """torch.optim.SGD with momentum, dampening 0:
    b = momentum * b + g; w -= lr * (g + momentum * b if nesterov else b)."""

    name = "Momentum.v1"
    momentum: float
    nesterov: bool
    __slots__ = ("momentum", "nesterov")

    def __init__(self, learn_rate: FloatOrSeq, *, momentum: FloatOrSeq, nesterov: bool, **common: Any):
        self.nesterov = nesterov
        super().__init__(learn_rate, hyperparameters={"momentum": (momentum, UNIT)}, **common)
        if nesterov and self.momentum == 0:
            raise ValueError(f"{self.name}: nesterov=True needs momentum in (0, 1), got 0")

    def _init_state(self, ops, weights, lr):
        return {"momentum_buffer": _zeros(ops, weights)}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        buf = state["momentum_buffer"]
        buf *= self.momentum
        buf += gradient
        if self.nesterov:
            xp.multiply(buf, self.momentum, out=scratch[0])
            gradient += scratch[0]
            gradient *= lr
        else:
            xp.multiply(buf, lr, out=gradient)
        weights -= gradient


class AdagradOptimizer(BaseOptimizer):
    """torch.optim.Adagrad (no lr_decay; use a schedule):
    s += g**2; w -= lr * g / (sqrt(s) + eps)."""

    name = "Adagrad.v1"
    eps: float
    initial_accumulator: float
    __slots__ = ("initial_accumulator",)

    def __init__(self, learn_rate: FloatOrSeq, *, eps: FloatOrSeq, initial_accumulator: float, **common: Any):
        super().__init__(learn_rate, hyperparameters={"eps": (eps, POSITIVE)}, **common)
        check(self.name, "initial_accumulator", initial_accumulator, NON_NEGATIVE)
        self.initial_accumulator = initial_accumulator

    def _init_state(self, ops, weights, lr):
        total = _zeros(ops, weights)
        total.fill(self.initial_accumulator)
        return {"sum": total}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        tmp, total = scratch[0], state["sum"]
        xp.multiply(gradient, gradient, out=tmp)
        total += tmp
        xp.sqrt(total, out=tmp)
        tmp += self.eps
        gradient /= tmp
        gradient *= lr
        weights -= gradient


class RMSPropOptimizer(BaseOptimizer):
    """torch.optim.RMSprop (rho is torch's alpha):
    v = rho * v + (1 - rho) * g**2; centered: a = rho * a + (1 - rho) * g,
    d = sqrt(v - a**2) + eps, else d = sqrt(v) + eps;
    momentum > 0: b = momentum * b + g / d, w -= lr * b; else w -= lr * g / d."""

    name = "RMSProp.v1"
    rho: float
    eps: float
    momentum: float
    centered: bool
    __slots__ = ("rho", "momentum", "centered")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        rho: FloatOrSeq,
        eps: FloatOrSeq,
        momentum: FloatOrSeq,
        centered: bool,
        **common: Any,
    ):
        self.centered = centered
        hyperparameters = {"rho": (rho, UNIT), "eps": (eps, POSITIVE), "momentum": (momentum, UNIT)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights, lr):
        state = {"square_avg": _zeros(ops, weights)}
        if self.centered:
            state["grad_avg"] = _zeros(ops, weights)
        return state

    def _constants(self, xp, weights, state, lr, step):
        # Allocated on first use, as in torch: momentum may be scheduled.
        if self.momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(weights)
        return lr

    def _update(self, xp, weights, gradient, state, scratch, lr):
        rho, tmp = self.rho, scratch[0]
        square_avg = state["square_avg"]
        _ema_square(xp, square_avg, gradient, rho, tmp)
        if self.centered:
            grad_avg = state["grad_avg"]
            _ema(xp, grad_avg, gradient, rho, tmp)
            xp.multiply(grad_avg, grad_avg, out=tmp)
            xp.subtract(square_avg, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(square_avg, out=tmp)
        tmp += self.eps
        gradient /= tmp
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += gradient
            xp.multiply(buf, lr, out=gradient)
        else:
            gradient *= lr
        weights -= gradient


class AdaDeltaOptimizer(BaseOptimizer):
    """torch.optim.Adadelta: v = rho * v + (1 - rho) * g**2;
    d = sqrt(u + eps) / sqrt(v + eps) * g; u = rho * u + (1 - rho) * d**2;
    w -= lr * d. (The ratio of roots is taken as the root of the ratio: one
    square root instead of two.)"""

    name = "AdaDelta.v1"
    n_scratch = 2
    rho: float
    eps: float
    __slots__ = ("rho",)

    def __init__(self, learn_rate: FloatOrSeq, *, rho: FloatOrSeq, eps: FloatOrSeq, **common: Any):
        hyperparameters = {"rho": (rho, UNIT), "eps": (eps, POSITIVE)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights, lr):
        return {"square_avg": _zeros(ops, weights), "acc_delta": _zeros(ops, weights)}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        rho, eps = self.rho, self.eps
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        tmp, ratio = scratch
        _ema_square(xp, square_avg, gradient, rho, tmp)
        xp.add(square_avg, eps, out=tmp)
        xp.add(acc_delta, eps, out=ratio)
        ratio /= tmp
        xp.sqrt(ratio, out=ratio)
        gradient *= ratio  # now the delta
        _ema_square(xp, acc_delta, gradient, rho, tmp)
        gradient *= lr
        weights -= gradient


class AdamFamily(BaseOptimizer):
    """What Adam-like rules share: m = b1 * m + (1 - b1) * g,
    v = b2 * v + (1 - b2) * g**2 (`_moments`; AdaMax keeps another second
    moment) and the bias corrections 1 - b1**t and sqrt(1 - b2**t)."""

    b1: float
    b2: float
    eps: float
    __slots__ = ()

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        beta1: FloatOrSeq,
        beta2: FloatOrSeq,
        eps: FloatOrSeq,
        hyperparameters: Optional[Dict[str, Tuple[FloatOrSeq, Interval]]] = None,
        **common: Any,
    ):
        shared = {"beta1": (beta1, UNIT), "beta2": (beta2, UNIT), "eps": (eps, POSITIVE)}
        super().__init__(learn_rate, hyperparameters={**shared, **(hyperparameters or {})}, **common)

    def _init_state(self, ops, weights, lr):
        return {"exp_avg": _zeros(ops, weights), "exp_avg_sq": _zeros(ops, weights)}

    def _corrections(self, step: int) -> Tuple[float, float]:
        """1 - b1**t and sqrt(1 - b2**t)."""
        return 1.0 - self.b1**step, math.sqrt(1.0 - self.b2**step)

    def _moments(self, xp: Any, gradient: FloatsXd, state: State, tmp: FloatsXd) -> None:
        _ema(xp, state["exp_avg"], gradient, self.b1, tmp)
        _ema_square(xp, state["exp_avg_sq"], gradient, self.b2, tmp)


class AdamWOptimizer(AdamFamily):
    """torch.optim.AdamW (L2_is_weight_decay=False: torch.optim.Adam):
    w -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    (amsgrad: v_max = max(v_max, v) replaces v), computed as the equal
    w -= (lr * sqrt(1 - b2**t) / (1 - b1**t)) * m / (sqrt(v) + eps * sqrt(1 - b2**t)):
    the bias corrections become scalars."""

    name = "AdamW.v1"
    amsgrad: bool
    __slots__ = ("amsgrad",)

    def __init__(self, learn_rate: FloatOrSeq, *, amsgrad: bool, **adam: Any):
        self.amsgrad = amsgrad
        super().__init__(learn_rate, **adam)

    def _init_state(self, ops, weights, lr):
        state = super()._init_state(ops, weights, lr)
        if self.amsgrad:
            state["max_exp_avg_sq"] = _zeros(ops, weights)
        return state

    def _constants(self, xp, weights, state, lr, step):
        fix1, root_fix2 = self._corrections(step)
        return lr * root_fix2 / fix1, self.eps * root_fix2

    def _update(self, xp, weights, gradient, state, scratch, constants):
        step_size, eps = constants
        tmp = scratch[0]
        self._moments(xp, gradient, state, tmp)
        exp_avg_sq = state["exp_avg_sq"]
        if self.amsgrad:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        xp.sqrt(exp_avg_sq, out=tmp)
        tmp += eps
        xp.divide(state["exp_avg"], tmp, out=gradient)
        gradient *= step_size
        weights -= gradient


class AdaMaxOptimizer(AdamFamily):
    """torch.optim.Adamax: m as in Adam; u = max(b2 * u, |g| + eps);
    w -= lr / (1 - b1**t) * m / u."""

    name = "AdaMax.v1"
    __slots__ = ()

    def _init_state(self, ops, weights, lr):
        return {"exp_avg": _zeros(ops, weights), "exp_inf": _zeros(ops, weights)}

    def _moments(self, xp, gradient, state, tmp):
        _ema(xp, state["exp_avg"], gradient, self.b1, tmp)
        exp_inf = state["exp_inf"]
        exp_inf *= self.b2
        xp.abs(gradient, out=tmp)
        tmp += self.eps
        xp.maximum(exp_inf, tmp, out=exp_inf)

    def _constants(self, xp, weights, state, lr, step):
        return lr / self._corrections(step)[0]

    def _update(self, xp, weights, gradient, state, scratch, step_size):
        self._moments(xp, gradient, state, scratch[0])
        xp.divide(state["exp_avg"], state["exp_inf"], out=gradient)
        gradient *= step_size
        weights -= gradient


class NAdamOptimizer(AdamFamily):
    """torch.optim.NAdam (Dozat 2016, with torch's momentum schedule
    mu_t = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))):
    m, v as in Adam; d = sqrt(v / (1 - b2**t)) + eps;
    w -= lr * (1 - mu_t) / (1 - prod(mu_1..t)) * g / d
       + lr * mu_{t+1} / (1 - prod(mu_1..t+1)) * m / d.
    Computed as the equal w -= (A * g + B * m) / (sqrt(v) + eps * sqrt(1 - b2**t)),
    A and B the two coefficients times sqrt(1 - b2**t): one division.
    L2_is_weight_decay=True is torch's decoupled_weight_decay (NAdamW)."""

    name = "NAdam.v1"
    n_scratch = 2
    momentum_decay: float
    __slots__ = ("momentum_decay",)

    def __init__(self, learn_rate: FloatOrSeq, *, momentum_decay: FloatOrSeq, **adam: Any):
        hyperparameters = {"momentum_decay": (momentum_decay, NON_NEGATIVE)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **adam)

    def _init_state(self, ops, weights, lr):
        return {**super()._init_state(ops, weights, lr), "mu_product": 1.0}

    def _constants(self, xp, weights, state, lr, step):
        b1 = self.b1
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * self.momentum_decay))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * self.momentum_decay))
        mu_product = state["mu_product"] = state["mu_product"] * mu
        root_fix2 = self._corrections(step)[1]
        grad_coef = lr * (1.0 - mu) / (1.0 - mu_product) * root_fix2
        avg_coef = lr * mu_next / (1.0 - mu_product * mu_next) * root_fix2
        return grad_coef, avg_coef, self.eps * root_fix2

    def _update(self, xp, weights, gradient, state, scratch, constants):
        grad_coef, avg_coef, eps = constants
        tmp, denom = scratch
        self._moments(xp, gradient, state, tmp)
        xp.sqrt(state["exp_avg_sq"], out=denom)
        denom += eps
        gradient *= grad_coef
        xp.multiply(state["exp_avg"], avg_coef, out=tmp)
        gradient += tmp
        gradient /= denom
        weights -= gradient


class LionOptimizer(BaseOptimizer):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization
    Algorithms", Algorithm 2): c = b1 * m + (1 - b1) * g;
    w -= lr * (sign(c) + L2 * w); m = b2 * m + (1 - b2) * g.
    Only sign(c) is used, so c / (1 - b1) = b1 / (1 - b1) * m + g is what is
    computed (b1 < 1). Its updates have unit size per element, so it wants a
    smaller learn_rate (3-10x below AdamW's) and a proportionally larger L2."""

    name = "Lion.v1"
    b1: float
    b2: float
    __slots__ = ()

    def __init__(self, learn_rate: FloatOrSeq, *, beta1: FloatOrSeq, beta2: FloatOrSeq, **common: Any):
        hyperparameters = {"beta1": (beta1, UNIT), "beta2": (beta2, UNIT)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights, lr):
        return {"exp_avg": _zeros(ops, weights)}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        b1, tmp = self.b1, scratch[0]
        exp_avg = state["exp_avg"]
        xp.multiply(exp_avg, b1 / (1.0 - b1), out=tmp)
        tmp += gradient  # c / (1 - b1): same sign as c
        _ema(xp, exp_avg, gradient, self.b2, gradient)
        # Not in place: NumPy's in-place sign is ~7x slower on mixed signs.
        xp.sign(tmp, out=gradient)
        gradient *= lr
        weights -= gradient


def _flags(xp: Any, buffer: FloatsXd, count: int) -> List[Any]:
    """`count` boolean arrays of buffer.size elements, views of the float
    scratch `buffer` (4 or 8 times as many bytes): masks without allocating."""
    size = buffer.size
    raw = buffer.reshape(-1).view(xp.bool_)
    return [raw[i * size : (i + 1) * size].reshape(buffer.shape) for i in range(count)]


def _sign(xp: Any, x: FloatsXd, out: FloatsXd, positive: Any, negative: Any) -> None:
    """out = sign(x) from two comparisons and an int8 difference, a third
    cheaper than NumPy's float sign; `positive`, `negative` are boolean
    scratch of x's size."""
    xp.greater(x, 0, out=positive)
    xp.less(x, 0, out=negative)
    code = positive.view(xp.int8)
    xp.subtract(code, negative.view(xp.int8), out=code)
    xp.copyto(out, code)


class RpropOptimizer(BaseOptimizer):
    """torch.optim.Rprop: s = clamp(s * f, step_size_min, step_size_max),
    f = eta_plus where g * g_prev > 0, eta_minus where < 0, else 1;
    g = 0 where f = eta_minus; w -= sign(g) * s; g_prev = g.
    Each weight's step size s starts at the learn_rate of its first update
    (torch's lr) and then adapts by itself: later values of a learn_rate
    schedule have no effect.

    Signs flip at random places, and on such masks NumPy's masked operations
    (copyto or ufuncs with where=) cost about 50 plain passes: their cost
    grows with the number of runs of equal mask values. So f is built from
    the masks as 0/1 floats,
    f = (1 + grew * (eta_plus - 1)) * (kept * (1 - eta_minus) + eta_minus),
    which gives exactly eta_plus, eta_minus or 1 (1 - eta_minus rounds by at
    most a quarter ulp of 1, lost when eta_minus is added back; eta_plus - 1
    is exact below 2**24, float32's integer range), and sign(g) from
    comparisons. A slice where nothing flipped skips the eta_minus half, and
    one where everything grew multiplies by eta_plus."""

    name = "Rprop.v1"
    n_scratch = 3
    eta_minus: float
    eta_plus: float
    step_size_min: float
    step_size_max: float
    __slots__ = ("eta_minus", "eta_plus", "step_size_min", "step_size_max")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        eta_minus: FloatOrSeq,
        eta_plus: FloatOrSeq,
        step_size_min: FloatOrSeq,
        step_size_max: FloatOrSeq,
        **common: Any,
    ):
        hyperparameters = {
            "eta_minus": (eta_minus, Interval(0.0, 1.0, low_open=True)),
            "eta_plus": (eta_plus, Interval(1.0, low_open=True)),
            "step_size_min": (step_size_min, NON_NEGATIVE),
            "step_size_max": (step_size_max, POSITIVE),
        }
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)
        check(self.name, "step_size_max", self.step_size_max, Interval(self.step_size_min))

    def _init_state(self, ops, weights, lr):
        step_size = _zeros(ops, weights)
        step_size.fill(lr)
        return {"prev": _zeros(ops, weights), "step_size": step_size}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        prev, step_size = state["prev"], state["step_size"]
        product, factor, flags = scratch
        grew, kept, negative = _flags(xp, flags, 3)
        one = weights.dtype.type(1)
        xp.multiply(gradient, prev, out=product)
        xp.greater(product, 0, out=grew)
        xp.greater_equal(product, 0, out=kept)
        flipped = not kept.all()
        if flipped:
            xp.copyto(product, kept)
            xp.multiply(gradient, product, out=prev)  # g = 0 where it flipped
            product *= one - self.eta_minus
            product += self.eta_minus  # 1 where kept, eta_minus where flipped
        else:
            xp.copyto(prev, gradient)
        if grew.all():
            step_size *= self.eta_plus
        else:
            xp.copyto(factor, grew)
            factor *= self.eta_plus - one
            factor += one
            if flipped:
                factor *= product
            step_size *= factor
        xp.clip(step_size, self.step_size_min, self.step_size_max, out=step_size)
        _sign(xp, prev, factor, grew, negative)
        factor *= step_size
        weights -= factor


class ASGDOptimizer(BaseOptimizer):
    """torch.optim.ASGD (Polyak & Juditsky 1992): w *= 1 - lambd * eta;
    w -= eta * g; ax += mu * (w - ax) (ax = w while mu = 1); then
    eta = lr / (1 + lambd * lr * t)**alpha and mu = 1 / max(1, t - t0).
    eta starts at the learn_rate of the first update. ax, the averaged
    iterate, is state "ax" as in torch; spaCy evaluates `averages`."""

    name = "ASGD.v1"
    n_scratch = 0
    lambd: float
    alpha: float
    t0: float
    __slots__ = ("lambd", "alpha", "t0")

    def __init__(self, learn_rate: FloatOrSeq, *, lambd: FloatOrSeq, alpha: FloatOrSeq, t0: FloatOrSeq, **common: Any):
        hyperparameters = {"lambd": (lambd, NON_NEGATIVE), "alpha": (alpha, NON_NEGATIVE), "t0": (t0, NON_NEGATIVE)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights, lr):
        return {"ax": _zeros(ops, weights), "eta": lr, "mu": 1.0}

    def _constants(self, xp, weights, state, lr, step):
        current = state["eta"], state["mu"]
        state["eta"] = lr / (1.0 + self.lambd * lr * step) ** self.alpha
        state["mu"] = 1.0 / max(1.0, step - self.t0)
        return current

    def _update(self, xp, weights, gradient, state, scratch, constants):
        (eta, mu), ax = constants, state["ax"]
        weights *= 1.0 - self.lambd * eta
        gradient *= eta
        weights -= gradient
        if mu != 1:
            xp.subtract(weights, ax, out=gradient)
            gradient *= mu
            ax += gradient
        else:
            xp.copyto(ax, weights)


class AdafactorOptimizer(BaseOptimizer):
    """torch.optim.Adafactor (Shazeer & Stern 2018 as torch defines it):
    rho = min(lr, 1 / sqrt(t)); alpha = max(eps2, rms(w)) * rho;
    beta = t ** beta2_decay; for tensors of 2 or more dimensions the second
    moment is factored over the last two: r = lerp(r, mean(g**2, -1), beta),
    c = lerp(c, mean(g**2, -2), beta), v = r @ c / max(mean(r, -2), eps1);
    for vectors v = lerp(v, g**2, beta). u = g / sqrt(max(v, eps1**2));
    w -= alpha / max(1, rms(u) / d) * u. eps1 None is the dtype's machine
    epsilon. State: r and c, well under one float per weight, or v for vectors.

    Only the means and rms(u) need whole tensors, so ``_piece`` does the
    update in parts: the row and column sums of g**2 over the whole tensor
    (einsum, without forming g**2: 2 to 5 times faster than ``mean``; BLAS
    products with ones are faster still on an idle machine but their threads
    stall on a busy one); u, block by block of ``chunk_size`` floats (whole
    matrices, or rows of one), in cache; rms(u); then the step, decay,
    average and zeroing block by block again. v is never formed:
    u = g / sqrt(max(r * (c / max(mean(r), eps1)), eps1**2)), and when
    min(r) * min(c / ...) reaches eps1**2 the clamp cannot change anything
    (rounded products of non-negative floats are monotonic), so u is
    g * (1 / sqrt(r)) * (1 / sqrt(c / ...)): two products per weight
    instead of four passes. Roundings differ from torch's by a few ulps, as
    its own sums do. Blocks for NumPy's C-contiguous arrays only; other
    arrays in one piece."""

    name = "Adafactor.v1"
    elementwise = False
    beta2_decay: float
    eps1: Optional[float]
    eps2: float
    d: float
    __slots__ = ("beta2_decay", "eps1", "eps2", "d")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        beta2_decay: FloatOrSeq,
        eps1: Optional[float],
        eps2: FloatOrSeq,
        d: FloatOrSeq,
        **common: Any,
    ):
        hyperparameters = {
            "beta2_decay": (beta2_decay, Interval(-math.inf, 0.0, high_open=False)),
            "eps2": (eps2, NON_NEGATIVE),
            "d": (d, Interval(1.0)),
        }
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)
        if eps1 is not None:
            check(self.name, "eps1", eps1, NON_NEGATIVE)
        self.eps1 = eps1

    def _init_state(self, ops, weights, lr):
        if weights.ndim < 2:
            return {"variance": _zeros(ops, weights)}
        shape = weights.shape
        row = ops.alloc(shape[:-1] + (1,), dtype=weights.dtype)
        col = ops.alloc(shape[:-2] + (1, shape[-1]), dtype=weights.dtype)
        return {"row_var": row, "col_var": col}

    def _constants(self, xp, weights, state, lr, step):
        rho = min(lr, 1.0 / math.sqrt(step))
        alpha = max(self.eps2, float(xp.linalg.norm(weights)) / math.sqrt(weights.size)) * rho
        return alpha, float(step) ** self.beta2_decay

    def _piece(self, xp, arrays, names, scratch, decay, clip, constants, averaged, avg_rate):
        alpha, beta = constants
        weights, gradient, update = arrays[0], arrays[1], scratch[0]
        state = dict(zip(names, arrays[2:]))
        average = arrays[-1] if averaged else None
        eps1 = xp.finfo(weights.dtype).eps if self.eps1 is None else self.eps1
        floor = weights.dtype.type(eps1 * eps1)
        if clip is not None:
            gradient *= clip
        full = [weights, gradient] + ([] if average is None else [average])
        blocked = xp is numpy and all(a.flags.c_contiguous for a in full)
        blocks = self._blocks(weights.shape, blocked)
        if weights.ndim < 2:
            variance = state["variance"]
            for index, _ in blocks:
                g, u, v = gradient[index], update[index], variance[index]
                xp.multiply(g, g, out=u)
                _ema(xp, v, u, 1.0 - beta, u)
                xp.maximum(v, floor, out=u)
                xp.sqrt(u, out=u)
                xp.divide(g, u, out=u)
                g.fill(0)
            norm = float(xp.linalg.norm(update))
        else:
            row, col = state["row_var"], state["col_var"]
            n, m = weights.shape[-2:]
            # Sums of squares without forming them; a contiguous copy first
            # otherwise, so that every layout sums in the same order.
            source = gradient
            if not blocked:
                xp.copyto(update, gradient)
                source = update
            row_mean = xp.einsum("...ij,...ij->...i", source, source)[..., None] / m
            col_mean = xp.einsum("...ij,...ij->...j", source, source)[..., None, :] / n
            _ema(xp, row, row_mean, 1.0 - beta, row_mean)
            _ema(xp, col, col_mean, 1.0 - beta, col_mean)
            scale = col / xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
            # Unclamped, 1 / sqrt(r * scale) is the outer product of 1 / sqrt(r)
            # and 1 / sqrt(scale): two products per weight instead of four passes.
            lowest = row.min() * scale.min()
            factored = lowest >= floor and lowest > 0
            if factored:
                row, scale = 1.0 / xp.sqrt(row), 1.0 / xp.sqrt(scale)
            if blocked:
                weights, gradient, update, row, scale = (
                    a.reshape((-1,) + a.shape[-2:]) for a in (weights, gradient, update, row, scale)
                )
                if average is not None:
                    average = average.reshape(weights.shape)
            for index, matrices in blocks:
                g, u = gradient[index], update[index]
                if factored:
                    xp.multiply(g, row[index], out=u)
                    u *= scale[matrices]
                else:
                    xp.multiply(row[index], scale[matrices], out=u)
                    xp.maximum(u, floor, out=u)
                    xp.sqrt(u, out=u)
                    xp.divide(g, u, out=u)
                g.fill(0)
            norm = float(xp.linalg.norm(update))
        denom = max(1.0, norm / (math.sqrt(update.size) * self.d))
        step = alpha / denom
        for index, _ in blocks:
            w, u = weights[index], update[index]
            if decay is not None:
                w *= decay
            u *= step
            w -= u
            if average is not None:
                _update_average(xp, average[index], w, avg_rate, u)

    def _blocks(self, shape: Tuple[int, ...], blocked: bool) -> List[Tuple[Any, Any]]:
        """(index into the arrays, index into the column scale) per block of
        about chunk_size floats: slices of vectors; for matrices, of their
        (-1, n, m) views, whole matrices or rows of one. One block, the
        whole arrays, when not `blocked`."""
        if not blocked:
            return [(Ellipsis, Ellipsis)]
        chunk = self.chunk_size
        if len(shape) < 2:
            return [(slice(i, i + chunk), None) for i in range(0, shape[0], chunk)]
        n, m = shape[-2:]
        count = math.prod(shape[:-2])
        if n * m <= chunk:
            per = chunk // (n * m)
            return [((slice(b, b + per),), (slice(b, b + per),)) for b in range(0, count, per)]
        rows = max(1, chunk // m)
        return [
            ((slice(b, b + 1), slice(i, i + rows)), (slice(b, b + 1),))
            for b in range(count)
            for i in range(0, n, rows)
        ]


def _shared(L2: FloatOrSeq, L2_is_weight_decay: bool, grad_clip: FloatOrSeq, use_averages: bool) -> Dict[str, Any]:
    return {"L2": L2, "L2_is_weight_decay": L2_is_weight_decay, "grad_clip": grad_clip, "use_averages": use_averages}


@registry.optimizers("Momentum.v1")
def Momentum(
    learn_rate: FloatOrSeq = 0.001,
    *,
    momentum: FloatOrSeq = 0.9,
    nesterov: bool = False,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> MomentumOptimizer:
    """SGD with heavy-ball or Nesterov momentum, as torch.optim.SGD."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return MomentumOptimizer(learn_rate, momentum=momentum, nesterov=nesterov, **shared)


@registry.optimizers("Adagrad.v1")
def Adagrad(
    learn_rate: FloatOrSeq = 0.01,
    *,
    eps: FloatOrSeq = 1e-10,
    initial_accumulator: float = 0.0,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> AdagradOptimizer:
    """Per-element rates shrinking with the sum of squared gradients, as
    torch.optim.Adagrad."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return AdagradOptimizer(learn_rate, eps=eps, initial_accumulator=initial_accumulator, **shared)


@registry.optimizers("RMSProp.v1")
def RMSProp(
    learn_rate: FloatOrSeq = 0.01,
    *,
    rho: FloatOrSeq = 0.99,
    eps: FloatOrSeq = 1e-8,
    momentum: FloatOrSeq = 0.0,
    centered: bool = False,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> RMSPropOptimizer:
    """Gradient scaled by a running RMS, as torch.optim.RMSprop (rho = alpha)."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return RMSPropOptimizer(learn_rate, rho=rho, eps=eps, momentum=momentum, centered=centered, **shared)


@registry.optimizers("AdaDelta.v1")
def AdaDelta(
    learn_rate: FloatOrSeq = 1.0,
    *,
    rho: FloatOrSeq = 0.9,
    eps: FloatOrSeq = 1e-6,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> AdaDeltaOptimizer:
    """Unit-corrected RMS steps, as torch.optim.Adadelta; learn_rate scales
    the step (1.0 is Zeiler's original rule)."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return AdaDeltaOptimizer(learn_rate, rho=rho, eps=eps, **shared)


@registry.optimizers("AdamW.v1")
def AdamW(
    learn_rate: FloatOrSeq = 0.001,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    amsgrad: bool = False,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> AdamWOptimizer:
    """Adam, as torch.optim.AdamW (torch's default weight decay 0.01 is L2 =
    0.01); L2_is_weight_decay=False is torch.optim.Adam's coupled L2."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return AdamWOptimizer(learn_rate, beta1=beta1, beta2=beta2, eps=eps, amsgrad=amsgrad, **shared)


@registry.optimizers("AdaMax.v1")
def AdaMax(
    learn_rate: FloatOrSeq = 0.002,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> AdaMaxOptimizer:
    """Adam with an infinity-norm second moment, as torch.optim.Adamax."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return AdaMaxOptimizer(learn_rate, beta1=beta1, beta2=beta2, eps=eps, **shared)


@registry.optimizers("NAdam.v1")
def NAdam(
    learn_rate: FloatOrSeq = 0.002,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    momentum_decay: FloatOrSeq = 0.004,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> NAdamOptimizer:
    """Adam with Nesterov momentum, as torch.optim.NAdam."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return NAdamOptimizer(learn_rate, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=momentum_decay, **shared)


@registry.optimizers("Lion.v1")
def Lion(
    learn_rate: FloatOrSeq = 1e-4,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.99,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> LionOptimizer:
    """Sign of an interpolated momentum (Chen et al. 2023)."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return LionOptimizer(learn_rate, beta1=beta1, beta2=beta2, **shared)


@registry.optimizers("Rprop.v1")
def Rprop(
    learn_rate: FloatOrSeq = 0.01,
    *,
    eta_minus: FloatOrSeq = 0.5,
    eta_plus: FloatOrSeq = 1.2,
    step_size_min: FloatOrSeq = 1e-6,
    step_size_max: FloatOrSeq = 50.0,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> RpropOptimizer:
    """Per-weight step sizes grown while the gradient keeps its sign and
    shrunk when it flips, as torch.optim.Rprop (etas, step_sizes)."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return RpropOptimizer(
        learn_rate,
        eta_minus=eta_minus,
        eta_plus=eta_plus,
        step_size_min=step_size_min,
        step_size_max=step_size_max,
        **shared,
    )


@registry.optimizers("ASGD.v1")
def ASGD(
    learn_rate: FloatOrSeq = 0.01,
    *,
    lambd: FloatOrSeq = 1e-4,
    alpha: FloatOrSeq = 0.75,
    t0: FloatOrSeq = 1e6,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> ASGDOptimizer:
    """SGD with a decaying rate and a running average of the iterates from
    step t0 on, as torch.optim.ASGD."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return ASGDOptimizer(learn_rate, lambd=lambd, alpha=alpha, t0=t0, **shared)


@registry.optimizers("Adafactor.v1")
def Adafactor(
    learn_rate: FloatOrSeq = 0.01,
    *,
    beta2_decay: FloatOrSeq = -0.8,
    eps1: Optional[float] = None,
    eps2: FloatOrSeq = 1e-3,
    d: FloatOrSeq = 1.0,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> AdafactorOptimizer:
    """Steps relative to the weights' scale with a factored second moment,
    as torch.optim.Adafactor (eps = (eps1, eps2)); decoupled L2 is torch's
    weight_decay."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return AdafactorOptimizer(learn_rate, beta2_decay=beta2_decay, eps1=eps1, eps2=eps2, d=d, **shared)
