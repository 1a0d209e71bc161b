"""Thinc optimizers that reproduce torch.optim update rules, for spaCy training.

The project compares optimizers on one spaCy pipeline, so each optimizer here
must behave exactly like its reference implementation: a difference in
results should come from the algorithm, never from a re-implementation
detail. All of them subclass ``thinc.api.Optimizer`` and share
:class:`BaseOptimizer`, which handles what every algorithm has in common;
each subclass only writes its own update rule.

Arguments shared by all factories, with thinc's meaning:

* ``learn_rate`` (positional). Defaults follow the torch counterpart
  (Lion: 1e-4, a tenth of Adam's, as its paper recommends).
* ``L2`` (default 0.0 as in thinc; AdamW 0.01 as in torch). With
  ``L2_is_weight_decay=False`` it is coupled: ``L2 * w`` is added to the
  gradient, like torch's ``weight_decay``. With ``True`` it is decoupled:
  ``w *= 1 - lr * L2`` before the update, like torch.optim.AdamW. The default
  is ``False`` so that a factory's defaults match its torch counterpart;
  AdamW and Lion always decouple. (thinc's own Adam decays after its update;
  the two orders differ by O(lr**2 * L2).)
* ``grad_clip`` (default 1.0 as in thinc; 0 turns it off): each tensor's
  gradient is rescaled to at most that L2 norm, after coupled L2, by the rule
  of thinc's ``ops.clip_gradient`` (norm ``xp.linalg.norm``; rescale by
  ``grad_clip / norm`` when ``norm >= grad_clip``). The norm is computed once
  and also serves as the NaN/inf check. torch has no equivalent.
* ``use_averages`` (default True as in thinc): parameter averages in
  ``optimizer.averages``, updated as ``ops.update_averages`` does
  (``ema -= (1 - decay) * (ema - w)``, the same float32 operations, in place).

Every float hyperparameter except Adagrad's ``initial_accumulator`` also
accepts a schedule (e.g. ``warmup_linear.v1``), stepped by
``step_schedules()``.

Bad hyperparameters raise ``ValueError`` naming the setting and its allowed
range when the optimizer is built, so a bad config fails when it is resolved.
A scheduled value is checked each time it is drawn: the first at
construction, the rest in ``step_schedules()``. A constant learn_rate must be
> 0, but a scheduled one may be 0, since warm-up schedules start at 0.

Non-finite gradients: if a gradient holds NaN or inf, that tensor's update is
skipped and a :class:`NonFiniteGradientWarning` names the parameter key.
Weights, optimizer state and the update count are left untouched. The
gradient is still zeroed, as after any update, so the bad values do not carry
over into the next batch's accumulated gradient. To fail instead, use
``warnings.simplefilter("error", NonFiniteGradientWarning)``.

Array work goes through ``get_array_ops(weights).xp``, so the same code runs
on NumPy and CuPy. State has the dtype of the weights (float32 in spaCy) and
is updated in place. The caller's gradient is used as scratch, since it is
zeroed afterwards anyway. On NumPy the update runs over cache-sized slices
(see :class:`BaseOptimizer`) with one or two slice-sized scratch buffers kept
by the optimizer, so it allocates nothing per call; on CuPy it allocates one
or two temporaries the size of the parameter.
"""

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Optional, Tuple

import numpy
from thinc.api import Optimizer, registry
from thinc.backends import get_array_ops
from thinc.backends.ops import Ops
from thinc.optimizers import FloatOrSeq, KeyT
from thinc.types import FloatsXd

__all__ = [
    "AdaDelta",
    "AdaDeltaOptimizer",
    "AdaMax",
    "AdaMaxOptimizer",
    "Adagrad",
    "AdagradOptimizer",
    "AdamW",
    "AdamWOptimizer",
    "BaseOptimizer",
    "Interval",
    "Lion",
    "LionOptimizer",
    "Momentum",
    "MomentumOptimizer",
    "NAdam",
    "NAdamOptimizer",
    "NonFiniteGradientWarning",
    "RMSProp",
    "RMSPropOptimizer",
]


class NonFiniteGradientWarning(RuntimeWarning):
    """Warns that an update was skipped because its gradient held NaN or inf."""


@dataclass(frozen=True)
class Interval:
    """The values a hyperparameter may take, so that errors can state them."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = True

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"


POSITIVE = Interval(0.0, low_open=True)
NON_NEGATIVE = Interval(0.0)
UNIT = Interval(0.0, 1.0)  # decay rates: [0, 1)


def _zeros(ops: Ops, weights: FloatsXd) -> FloatsXd:
    return ops.alloc(weights.shape, dtype=weights.dtype)


def _ema(xp: Any, average: FloatsXd, x: FloatsXd, beta: float, scratch: FloatsXd) -> None:
    """average = beta * average + (1 - beta) * x, in place, like torch's lerp_."""
    average *= beta
    xp.multiply(x, 1.0 - beta, out=scratch)
    average += scratch


class BaseOptimizer(Optimizer):
    """Everything but the update rule: hyperparameter checks, coupled or
    decoupled L2, gradient clipping, the non-finite gradient policy, per-key
    state, averages, zeroing of the caller's gradient, and cache blocking.

    Subclasses set ``name`` (the registry name, used in error messages) and
    pass their own hyperparameters as ``{attribute: (value, Interval)}``;
    these may be schedules. They implement ``_init_state`` (per-parameter
    arrays, as in torch's ``optimizer.state[p]``), ``_constants`` (the
    step's scalars, computed once per update) and ``_update`` (the rule,
    elementwise).

    Cache blocking: a rule takes 8 to 16 elementwise NumPy passes, each of
    which would stream every array through memory. For NumPy arrays that are
    C-contiguous, all per-parameter work (decoupled decay, clipping, the
    rule, zeroing the gradient, averages) is therefore done over successive
    1-D slices of ``chunk_size`` floats of the flattened arrays, so that the
    passes after the first hit L1/L2 instead of memory. Every operation is
    elementwise, so the result is the same as over whole arrays. CuPy (or
    non-contiguous) arrays are done in one piece.
    """

    name: ClassVar[str]
    # Floats per slice. Measured (2 cores, 1 MiB L2 each): 2**15 fastest,
    # 2**14 and 2**16 within ~10%; 2**13 pays Python overhead per slice, and
    # 2**17 and more no longer fit the slices of 5 to 8 arrays in L2.
    chunk_size: ClassVar[int] = 2**15
    # Chunk-sized scratch buffers a rule needs (reused between calls).
    n_scratch: ClassVar[int] = 1
    state: Dict[KeyT, Dict[str, FloatsXd]]
    _ranges: Dict[str, Interval]
    _scratch: Dict[Any, FloatsXd]

    __slots__ = ("state", "_ranges", "_scratch")

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
        self._ranges = {
            "learn_rate": NON_NEGATIVE if scheduled_lr else POSITIVE,
            "L2": NON_NEGATIVE,
            "grad_clip": NON_NEGATIVE,
        }
        for attr, (value, allowed) in hyperparameters.items():
            self._set_attr_or_schedule(attr, value)
            self._ranges[attr] = allowed
        for attr in self._ranges:
            self._check(attr, getattr(self, attr), self._ranges[attr])

    def _check(self, setting: str, value: float, allowed: Interval) -> None:
        try:
            ok = value in allowed
        except TypeError:
            ok = False
        if not ok:
            origin = "schedule for " if setting in self.schedules else ""
            raise ValueError(
                f"{self.name}: {origin}{setting}={value!r} is outside its "
                f"allowed range {allowed}"
            )

    def step_schedules(self) -> None:
        super().step_schedules()
        for attr in self.schedules:
            self._check(attr, getattr(self, attr), self._ranges[attr])

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
        if gradient.size == 0:
            return weights, gradient
        ops = get_array_ops(weights)
        xp = ops.xp
        if self.L2 != 0 and not self.L2_is_weight_decay:
            gradient += self.L2 * weights
        # One reduction decides finiteness in the common case: the clipping
        # norm when clipping (thinc's own, computed once here), else a sum.
        # Either is finite unless an element is not or it overflows, which
        # the element-wise test then tells apart.
        norm = xp.linalg.norm(gradient) if self.grad_clip else gradient.sum()
        if not xp.isfinite(norm) and not xp.isfinite(gradient).all():
            warnings.warn(
                f"{self.name}: gradient of parameter {key} holds NaN or inf; "
                "update skipped",
                NonFiniteGradientWarning,
                stacklevel=2,
            )
            gradient.fill(0)
            return weights, gradient
        self.nr_update[key] += 1
        step = self.nr_update[key]
        lr = self.learn_rate * lr_scale
        decay = None
        if self.L2 != 0 and self.L2_is_weight_decay:
            decay = 1.0 - lr * self.L2
        clip = None
        # As ops.clip_gradient: rescale to the threshold when norm >= it.
        if self.grad_clip and norm >= self.grad_clip:
            clip = self.grad_clip / norm
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = self._init_state(ops, weights)
        constants = self._constants(ops, key, weights, state, lr, step)
        average = avg_rate = None
        if self.averages is not None:
            if key not in self.averages:
                self.averages[key] = _zeros(ops, weights)
            average = self.averages[key]
            # ops.update_averages: ema -= (1 - decay) * (ema - weights)
            avg_rate = 1.0 - min((1.0 + step) / (10.0 + step), 0.9999)
        arrays = [weights, gradient, *state.values()]
        if average is not None:
            arrays.append(average)
        names = list(state)
        if xp is numpy and all(a.flags.c_contiguous for a in arrays):
            flat = [a.reshape(-1) for a in arrays]  # views: writes go through
            size, chunk = weights.size, self.chunk_size
            buffers = self._scratch_buffers(weights.dtype)
            for start in range(0, size, chunk):
                stop = min(start + chunk, size)
                pieces = [a[start:stop] for a in flat]
                scratch = [b[: stop - start] for b in buffers]
                self._blocked_step(xp, pieces, names, scratch, decay, clip, avg_rate, constants)
        else:
            scratch = [xp.empty_like(weights) for _ in range(self.n_scratch)]
            self._blocked_step(xp, arrays, names, scratch, decay, clip, avg_rate, constants)
        return weights, gradient

    def _scratch_buffers(self, dtype: Any) -> List[FloatsXd]:
        buffers = self._scratch.get(dtype)
        if buffers is None:
            buffers = self._scratch[dtype] = numpy.empty((self.n_scratch, self.chunk_size), dtype=dtype)
        return list(buffers)

    def _blocked_step(
        self,
        xp: Any,
        arrays: List[FloatsXd],
        names: List[str],
        scratch: List[FloatsXd],
        decay: Optional[float],
        clip: Optional[float],
        avg_rate: Optional[float],
        constants: Any,
    ) -> None:
        """Everything after the checks, on one slice (or the whole) of
        [weights, gradient, *state, (average)]."""
        weights, gradient = arrays[0], arrays[1]
        if decay is not None:
            weights *= decay
        if clip is not None:
            gradient *= clip
        state = dict(zip(names, arrays[2:]))
        self._update(xp, weights, gradient, state, scratch, constants)
        gradient.fill(0)
        if avg_rate is not None:
            average, tmp = arrays[-1], scratch[0]
            xp.subtract(average, weights, out=tmp)
            tmp *= avg_rate
            average -= tmp

    def _init_state(self, ops: Ops, weights: FloatsXd) -> Dict[str, FloatsXd]:
        raise NotImplementedError

    def _constants(
        self, ops: Ops, key: KeyT, weights: FloatsXd, state: Dict[str, FloatsXd], lr: float, step: int
    ) -> Any:
        """The step's scalars for `_update`, once per update (not per slice).
        May also allocate state that appears lazily."""
        return lr

    def _update(
        self,
        xp: Any,
        weights: FloatsXd,
        gradient: FloatsXd,
        state: Dict[str, FloatsXd],
        scratch: List[FloatsXd],
        constants: Any,
    ) -> None:
        """Apply the rule in place to one slice of the arrays; `gradient`
        may be overwritten (it is zeroed afterwards), as may `scratch`."""
        raise NotImplementedError


class MomentumOptimizer(BaseOptimizer):
    """torch.optim.SGD with momentum, dampening 0:
    b = momentum * b + g; w -= lr * (g + momentum * b if nesterov else b)."""

    name = "Momentum.v1"
    momentum: float
    nesterov: bool
    __slots__ = ("momentum", "nesterov")

    def __init__(
        self, learn_rate: FloatOrSeq, *, momentum: FloatOrSeq, nesterov: bool, **common: Any
    ):
        self.nesterov = nesterov
        super().__init__(
            learn_rate, hyperparameters={"momentum": (momentum, UNIT)}, **common
        )
        if nesterov and self.momentum == 0:
            raise ValueError(
                f"{self.name}: nesterov=True needs momentum in (0, 1), got 0"
            )

    def _init_state(self, ops, weights):
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

    def __init__(
        self, learn_rate: FloatOrSeq, *, eps: FloatOrSeq, initial_accumulator: float, **common: Any
    ):
        super().__init__(learn_rate, hyperparameters={"eps": (eps, POSITIVE)}, **common)
        self._check("initial_accumulator", initial_accumulator, NON_NEGATIVE)
        self.initial_accumulator = initial_accumulator

    def _init_state(self, ops, weights):
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
        hyperparameters = {
            "rho": (rho, UNIT),
            "eps": (eps, POSITIVE),
            "momentum": (momentum, UNIT),
        }
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights):
        state = {"square_avg": _zeros(ops, weights)}
        if self.centered:
            state["grad_avg"] = _zeros(ops, weights)
        return state

    def _constants(self, ops, key, weights, state, lr, step):
        # Allocated on first use, as in torch: momentum may be scheduled.
        if self.momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = _zeros(ops, weights)
        return lr

    def _update(self, xp, weights, gradient, state, scratch, lr):
        rho, tmp = self.rho, scratch[0]
        square_avg = state["square_avg"]
        xp.multiply(gradient, gradient, out=tmp)
        tmp *= 1.0 - rho
        square_avg *= rho
        square_avg += tmp
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

    def _init_state(self, ops, weights):
        return {"square_avg": _zeros(ops, weights), "acc_delta": _zeros(ops, weights)}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        rho, eps = self.rho, self.eps
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        tmp, ratio = scratch
        xp.multiply(gradient, gradient, out=tmp)
        tmp *= 1.0 - rho
        square_avg *= rho
        square_avg += tmp
        xp.add(square_avg, eps, out=tmp)
        xp.add(acc_delta, eps, out=ratio)
        ratio /= tmp
        xp.sqrt(ratio, out=ratio)
        gradient *= ratio  # now the delta
        xp.multiply(gradient, gradient, out=tmp)
        tmp *= 1.0 - rho
        acc_delta *= rho
        acc_delta += tmp
        gradient *= lr
        weights -= gradient


class AdamWOptimizer(BaseOptimizer):
    """torch.optim.AdamW: decoupled decay w *= 1 - lr * L2, then
    m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g**2 (amsgrad:
    v_max = max(v_max, v) replaces v below);
    w -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps),
    computed as the equal w -= (lr * sqrt(1 - b2**t) / (1 - b1**t)) * m /
    (sqrt(v) + eps * sqrt(1 - b2**t)): the bias corrections become scalars."""

    name = "AdamW.v1"
    b1: float
    b2: float
    eps: float
    amsgrad: bool
    __slots__ = ("amsgrad",)

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        beta1: FloatOrSeq,
        beta2: FloatOrSeq,
        eps: FloatOrSeq,
        amsgrad: bool,
        **common: Any,
    ):
        self.amsgrad = amsgrad
        hyperparameters = {"b1": (beta1, UNIT), "b2": (beta2, UNIT), "eps": (eps, POSITIVE)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights):
        state = {"exp_avg": _zeros(ops, weights), "exp_avg_sq": _zeros(ops, weights)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = _zeros(ops, weights)
        return state

    def _constants(self, ops, key, weights, state, lr, step):
        root_fix2 = math.sqrt(1.0 - self.b2**step)
        return lr * root_fix2 / (1.0 - self.b1**step), self.eps * root_fix2

    def _update(self, xp, weights, gradient, state, scratch, constants):
        step_size, eps = constants
        b2, tmp = self.b2, scratch[0]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        _ema(xp, exp_avg, gradient, self.b1, tmp)
        xp.multiply(gradient, gradient, out=tmp)
        tmp *= 1.0 - b2
        exp_avg_sq *= b2
        exp_avg_sq += tmp
        if self.amsgrad:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        xp.sqrt(exp_avg_sq, out=tmp)
        tmp += eps
        xp.divide(exp_avg, tmp, out=gradient)
        gradient *= step_size
        weights -= gradient


class AdaMaxOptimizer(BaseOptimizer):
    """torch.optim.Adamax: m = b1 * m + (1 - b1) * g;
    u = max(b2 * u, |g| + eps); w -= lr / (1 - b1**t) * m / u."""

    name = "AdaMax.v1"
    b1: float
    b2: float
    eps: float
    __slots__ = ()

    def __init__(
        self, learn_rate: FloatOrSeq, *, beta1: FloatOrSeq, beta2: FloatOrSeq, eps: FloatOrSeq, **common: Any
    ):
        hyperparameters = {"b1": (beta1, UNIT), "b2": (beta2, UNIT), "eps": (eps, POSITIVE)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights):
        return {"exp_avg": _zeros(ops, weights), "exp_inf": _zeros(ops, weights)}

    def _constants(self, ops, key, weights, state, lr, step):
        return lr / (1.0 - self.b1**step)

    def _update(self, xp, weights, gradient, state, scratch, step_size):
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        _ema(xp, exp_avg, gradient, self.b1, scratch[0])
        exp_inf *= self.b2
        xp.abs(gradient, out=gradient)
        gradient += self.eps
        xp.maximum(exp_inf, gradient, out=exp_inf)
        xp.divide(exp_avg, exp_inf, out=gradient)
        gradient *= step_size
        weights -= gradient


class NAdamOptimizer(BaseOptimizer):
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
    b1: float
    b2: float
    eps: float
    momentum_decay: float
    _mu_product: Dict[KeyT, float]
    __slots__ = ("momentum_decay", "_mu_product")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        beta1: FloatOrSeq,
        beta2: FloatOrSeq,
        eps: FloatOrSeq,
        momentum_decay: FloatOrSeq,
        **common: Any,
    ):
        self._mu_product = {}
        hyperparameters = {
            "b1": (beta1, UNIT),
            "b2": (beta2, UNIT),
            "eps": (eps, POSITIVE),
            "momentum_decay": (momentum_decay, NON_NEGATIVE),
        }
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights):
        return {"exp_avg": _zeros(ops, weights), "exp_avg_sq": _zeros(ops, weights)}

    def _constants(self, ops, key, weights, state, lr, step):
        b1 = self.b1
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * self.momentum_decay))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * self.momentum_decay))
        mu_product = self._mu_product.get(key, 1.0) * mu
        self._mu_product[key] = mu_product
        root_fix2 = math.sqrt(1.0 - self.b2**step)
        grad_coef = lr * (1.0 - mu) / (1.0 - mu_product) * root_fix2
        avg_coef = lr * mu_next / (1.0 - mu_product * mu_next) * root_fix2
        return grad_coef, avg_coef, self.eps * root_fix2

    def _update(self, xp, weights, gradient, state, scratch, constants):
        grad_coef, avg_coef, eps = constants
        b2 = self.b2
        tmp, denom = scratch
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        _ema(xp, exp_avg, gradient, self.b1, tmp)
        xp.multiply(gradient, gradient, out=tmp)
        tmp *= 1.0 - b2
        exp_avg_sq *= b2
        exp_avg_sq += tmp
        xp.sqrt(exp_avg_sq, out=denom)
        denom += eps
        gradient *= grad_coef
        xp.multiply(exp_avg, avg_coef, out=tmp)
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
        hyperparameters = {"b1": (beta1, UNIT), "b2": (beta2, UNIT)}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)

    def _init_state(self, ops, weights):
        return {"exp_avg": _zeros(ops, weights)}

    def _update(self, xp, weights, gradient, state, scratch, lr):
        b1, b2, tmp = self.b1, self.b2, scratch[0]
        exp_avg = state["exp_avg"]
        xp.multiply(exp_avg, b1 / (1.0 - b1), out=tmp)
        tmp += gradient  # c / (1 - b1): same sign as c
        exp_avg *= b2
        gradient *= 1.0 - b2
        exp_avg += gradient
        # Not in place: NumPy's in-place sign is ~7x slower on mixed signs.
        xp.sign(tmp, out=gradient)
        gradient *= lr
        weights -= gradient


@registry.optimizers("Momentum.v1")
def Momentum(
    learn_rate: FloatOrSeq = 0.001,
    *,
    momentum: FloatOrSeq = 0.9,
    nesterov: bool = False,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> MomentumOptimizer:
    """SGD with heavy-ball or Nesterov momentum, as torch.optim.SGD."""
    return MomentumOptimizer(
        learn_rate,
        momentum=momentum,
        nesterov=nesterov,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("Adagrad.v1")
def Adagrad(
    learn_rate: FloatOrSeq = 0.01,
    *,
    eps: FloatOrSeq = 1e-10,
    initial_accumulator: float = 0.0,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> AdagradOptimizer:
    """Per-element rates shrinking with the sum of squared gradients, as
    torch.optim.Adagrad."""
    return AdagradOptimizer(
        learn_rate,
        eps=eps,
        initial_accumulator=initial_accumulator,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("RMSProp.v1")
def RMSProp(
    learn_rate: FloatOrSeq = 0.01,
    *,
    rho: FloatOrSeq = 0.99,
    eps: FloatOrSeq = 1e-8,
    momentum: FloatOrSeq = 0.0,
    centered: bool = False,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> RMSPropOptimizer:
    """Gradient scaled by a running RMS, as torch.optim.RMSprop (rho = alpha)."""
    return RMSPropOptimizer(
        learn_rate,
        rho=rho,
        eps=eps,
        momentum=momentum,
        centered=centered,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("AdaDelta.v1")
def AdaDelta(
    learn_rate: FloatOrSeq = 1.0,
    *,
    rho: FloatOrSeq = 0.9,
    eps: FloatOrSeq = 1e-6,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> AdaDeltaOptimizer:
    """Unit-corrected RMS steps, as torch.optim.Adadelta; learn_rate scales
    the step (1.0 is Zeiler's original rule)."""
    return AdaDeltaOptimizer(
        learn_rate,
        rho=rho,
        eps=eps,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("AdamW.v1")
def AdamW(
    learn_rate: FloatOrSeq = 0.001,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    amsgrad: bool = False,
    L2: FloatOrSeq = 0.01,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> AdamWOptimizer:
    """Adam with decoupled weight decay L2, as torch.optim.AdamW."""
    return AdamWOptimizer(
        learn_rate,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        amsgrad=amsgrad,
        L2=L2,
        L2_is_weight_decay=True,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("AdaMax.v1")
def AdaMax(
    learn_rate: FloatOrSeq = 0.002,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> AdaMaxOptimizer:
    """Adam with an infinity-norm second moment, as torch.optim.Adamax."""
    return AdaMaxOptimizer(
        learn_rate,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("NAdam.v1")
def NAdam(
    learn_rate: FloatOrSeq = 0.002,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    momentum_decay: FloatOrSeq = 0.004,
    L2: FloatOrSeq = 0.0,
    L2_is_weight_decay: bool = False,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> NAdamOptimizer:
    """Adam with Nesterov momentum, as torch.optim.NAdam."""
    return NAdamOptimizer(
        learn_rate,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        momentum_decay=momentum_decay,
        L2=L2,
        L2_is_weight_decay=L2_is_weight_decay,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )


@registry.optimizers("Lion.v1")
def Lion(
    learn_rate: FloatOrSeq = 1e-4,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.99,
    L2: FloatOrSeq = 0.0,
    grad_clip: FloatOrSeq = 1.0,
    use_averages: bool = True,
) -> LionOptimizer:
    """Sign of an interpolated momentum (Chen et al. 2023), decoupled L2."""
    return LionOptimizer(
        learn_rate,
        beta1=beta1,
        beta2=beta2,
        L2=L2,
        L2_is_weight_decay=True,
        grad_clip=grad_clip,
        use_averages=use_averages,
    )
