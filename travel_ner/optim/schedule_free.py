"""Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled") for
thinc, exact against ``schedulefree.AdamWScheduleFreeReference`` (schedulefree
1.4.1).

Schedule-free keeps three sequences per parameter: z, the base AdamW-like
iterate; x, a weighted running average of z, the point whose loss the method
guarantees; and y = (1 - beta1) * z + beta1 * x, the point where gradients are
taken. The weights spaCy trains with are y; the weights to evaluate and save
are x. spaCy evaluates, and saves model-best and model-last, inside
``nlp.use_params(optimizer.averages)``, so ``averages[key]`` *is* x (the very
array of the state, no copy) for every key that was updated, whether or not
``use_averages`` is set: without it spaCy would score and save y. thinc's
exponential average of the weights is not kept on top of x, which is already
an average, so ``use_averages`` changes nothing; it is accepted so that a block
can be swapped for any other factory's. The reference's ``eval()``/``train()``
(swap in x, swap back y) is what ``use_params`` does.
"""

import math
from typing import Any, Tuple

from thinc.api import registry
from thinc.optimizers import FloatOrSeq, KeyT
from thinc.types import FloatsXd

from .optimizers import (
    GRAD_CLIP_DEFAULT,
    L2_DEFAULT,
    L2_IS_WEIGHT_DECAY_DEFAULT,
    BaseOptimizer,
    _ema_square,
    _shared,
    _zeros,
)
from .ranges import NON_NEGATIVE, POSITIVE, UNIT, Interval, check_integer

__all__ = ["ScheduleFreeAdamW", "ScheduleFreeAdamWOptimizer"]


class ScheduleFreeAdamWOptimizer(BaseOptimizer):
    """AdamWScheduleFreeReference, with k = t - 1 the update count:
    lr_t = lr * min(1, t / warmup_steps); lr_max = max(lr_max, lr_t);
    c = t**r * lr_max**weight_lr_power / (sum of those so far) (0 while the
    sum is 0); z -= lr_t * L2 * (z if decay_at_z else y) (decoupled L2);
    v = b2 * v + (1 - b2) * g**2; z -= lr_t * g / (sqrt(v / (1 - b2**t)) + eps);
    x = (1 - c) * x + c * z; w = y = (1 - b1) * z + b1 * x.
    z and x start at the weights. Coupled L2 (L2_is_weight_decay=False) adds
    L2 * y to the gradient. The reference sums its weights over the whole
    group per step; here per key, the same when every key is updated every
    step, as in spaCy. State: z, v and x (the averages), 3 floats per weight."""

    name = "ScheduleFreeAdamW.v1"
    b1: float
    b2: float
    eps: float
    r: float
    weight_lr_power: float
    warmup_steps: int
    decay_at_z: bool
    __slots__ = ("r", "weight_lr_power", "warmup_steps", "decay_at_z")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        beta1: FloatOrSeq,
        beta2: FloatOrSeq,
        eps: FloatOrSeq,
        warmup_steps: int,
        r: FloatOrSeq,
        weight_lr_power: FloatOrSeq,
        decay_at_z: bool,
        **common: Any,
    ):
        hyperparameters = {
            "beta1": (beta1, UNIT),
            "beta2": (beta2, UNIT),
            "eps": (eps, POSITIVE),
            "r": (r, NON_NEGATIVE),
            "weight_lr_power": (weight_lr_power, NON_NEGATIVE),
        }
        super().__init__(learn_rate, hyperparameters=hyperparameters, **common)
        check_integer(self.name, "warmup_steps", warmup_steps, Interval(0.0))
        self.warmup_steps = warmup_steps
        self.decay_at_z = decay_at_z
        self.averages = {}  # x, always: see the module

    def __call__(
        self,
        key: KeyT,
        weights: FloatsXd,
        gradient: FloatsXd,
        *,
        lr_scale: float = 1.0,
    ) -> Tuple[FloatsXd, FloatsXd]:
        result = super().__call__(key, weights, gradient, lr_scale=lr_scale)
        state = self.state.get(key)
        if state is not None:  # again after a skip, which may restore copies
            self.averages[key] = state["x"]
        return result

    def _average(self, ops, key, weights):
        return None  # x is the state's, not thinc's average of the weights

    def _step(self, xp, weights, gradient, state, decay, clip, constants, average, avg_rate):
        # Decoupled L2 acts on z (in _update), not on the weights y.
        super()._step(xp, weights, gradient, state, None, clip, constants, average, avg_rate)

    def _init_state(self, ops, weights, lr):
        return {
            "z": weights.copy(),
            "exp_avg_sq": _zeros(ops, weights),
            "x": weights.copy(),
            "weight_sum": 0.0,
            "lr_max": -1.0,
        }

    def _constants(self, xp, weights, state, lr, step):
        if step <= self.warmup_steps:
            lr *= step / self.warmup_steps
        lr_max = state["lr_max"] = max(lr, state["lr_max"])
        weight = float(step) ** self.r * lr_max**self.weight_lr_power
        weight_sum = state["weight_sum"] = state["weight_sum"] + weight
        ckp1 = weight / weight_sum if weight_sum else 0.0
        decay = lr * self.L2 if self.L2 != 0 and self.L2_is_weight_decay else 0.0
        # lr * g / (sqrt(v / f2) + eps) as (lr * sqrt(f2)) * g / (sqrt(v) + eps * sqrt(f2)).
        root_fix2 = math.sqrt(1.0 - self.b2**step)
        return decay, lr * root_fix2, self.eps * root_fix2, ckp1

    def _update(self, xp, weights, gradient, state, scratch, constants):
        decay, step_size, eps, ckp1 = constants
        tmp = scratch[0]
        z, x = state["z"], state["x"]
        if decay:
            xp.multiply(z if self.decay_at_z else weights, decay, out=tmp)
            z -= tmp
        exp_avg_sq = state["exp_avg_sq"]
        _ema_square(xp, exp_avg_sq, gradient, self.b2, tmp)
        xp.sqrt(exp_avg_sq, out=tmp)
        tmp += eps
        gradient /= tmp
        gradient *= step_size
        z -= gradient
        xp.subtract(z, x, out=tmp)
        tmp *= ckp1
        x += tmp
        xp.subtract(z, x, out=tmp)
        tmp *= 1.0 - self.b1
        xp.add(x, tmp, out=weights)


@registry.optimizers("ScheduleFreeAdamW.v1")
def ScheduleFreeAdamW(
    learn_rate: FloatOrSeq = 0.0025,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-8,
    warmup_steps: int = 0,
    r: FloatOrSeq = 0.0,
    weight_lr_power: FloatOrSeq = 2.0,
    decay_at_z: bool = False,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> ScheduleFreeAdamWOptimizer:
    """AdamW without a decay schedule, evaluated at an average of its iterates,
    as schedulefree.AdamWScheduleFreeReference (L2 = its weight_decay);
    optimizer.averages holds that average, x, for spaCy to evaluate and save."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return ScheduleFreeAdamWOptimizer(
        learn_rate,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        warmup_steps=warmup_steps,
        r=r,
        weight_lr_power=weight_lr_power,
        decay_at_z=decay_at_z,
        **shared,
    )
