"""LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning:
Training BERT in 76 minutes", Algorithm 2) for thinc.

Adam's bias-corrected step, rescaled per tensor by a trust ratio so that each
layer moves by a fixed fraction of its weights' norm, whatever the scale of
its gradients. The rule is the paper's; tests/optim checks it against a
float64 transcription of Algorithm 2 in every setting, and against
pytorch-optimizer's ``Lamb`` (pytorch-optimizer 4.1.0) where that one's
options give the paper's rule. They do not always: pytorch-optimizer follows
the paper's version 3, without the second moment's bias correction and with
the first moment's 1 / (1 - beta1**t) outside the trust ratio (where it does
not cancel), and it adds eps to the update's norm. With ``adam_debias=True``
(the first moment's correction dropped), ``weight_decay=0`` and an eps small
enough for its placement not to matter, the two rules are equal: the trust
ratio cancels any scalar factor of the update, such as the bias corrections.
"""

import math
from typing import Any, Iterator, List

import numpy
from thinc.api import registry
from thinc.optimizers import FloatOrSeq
from thinc.types import FloatsXd

from .optimizers import (
    GRAD_CLIP_DEFAULT,
    L2_DEFAULT,
    L2_IS_WEIGHT_DECAY_DEFAULT,
    AdamFamily,
    _ema,
    _ema_square,
    _shared,
    _update_average,
)
from .ranges import Interval

__all__ = ["LAMB", "LAMBOptimizer"]


class LAMBOptimizer(AdamFamily):
    """m, v as in Adam; r = m / (1 - b1**t) / (sqrt(v / (1 - b2**t)) + eps)
    + L2 * w (decoupled L2, the paper's lambda: it goes through the trust
    ratio, unlike the other optimizers' w *= 1 - lr * L2);
    w -= lr * phi(|w|) / |r| * r, norms over the whole tensor, with
    phi(|w|) = min(|w|, clamp) (pytorch-optimizer's clamp of 10; clamp = inf
    is the identity), and a trust ratio of 1 where |w| or |r| is 0 (the
    paper's phi(0) = 0 would never move weights that start at 0, such as
    biases). Coupled L2 (L2_is_weight_decay=False) adds L2 * w to the gradient.

    The two norms make the rule not elementwise, but everything else is: r is
    computed over cache-sized slices into the gradient (scratch), its norm
    taken over the whole tensor, then w -= lr * trust * r over slices again
    (see BaseOptimizer's cache blocking; one piece where it does not apply)."""

    name = "LAMB.v1"
    elementwise = False
    clamp: float
    __slots__ = ("clamp",)

    def __init__(self, learn_rate: FloatOrSeq, *, clamp: FloatOrSeq, **adam: Any):
        hyperparameters = {"clamp": (clamp, Interval(0.0, math.inf, low_open=True, high_open=False))}
        super().__init__(learn_rate, hyperparameters=hyperparameters, **adam)

    def _constants(self, xp, weights, state, lr, step):
        fix1, root_fix2 = self._corrections(step)
        # Decoupled L2 is part of r, not a scaling of the weights (see _step).
        decay = self.L2 if self.L2 != 0 and self.L2_is_weight_decay else 0.0
        # m / f1 / (sqrt(v / f2) + eps) as (sqrt(f2) / f1) * m / (sqrt(v) + eps * sqrt(f2)).
        return lr, root_fix2 / fix1, self.eps * root_fix2, decay

    def _step(self, xp, weights, gradient, state, decay, clip, constants, average, avg_rate):
        lr, scale, eps, l2 = constants
        arrays = [weights, gradient, state["exp_avg"], state["exp_avg_sq"]]
        if average is not None:
            arrays.append(average)
        weight_norm = min(float(xp.linalg.norm(weights)), self.clamp)
        for (w, g, m, v, *_), tmp in self._slices(xp, arrays):
            if clip is not None:
                g *= clip
            _ema(xp, m, g, self.b1, tmp)
            _ema_square(xp, v, g, self.b2, tmp)
            xp.sqrt(v, out=tmp)
            tmp += eps
            xp.divide(m, tmp, out=g)
            g *= scale  # now r
            if l2:
                xp.multiply(w, l2, out=tmp)
                g += tmp
        update_norm = float(xp.linalg.norm(gradient))
        trust = weight_norm / update_norm if weight_norm > 0 and update_norm > 0 else 1.0
        for (w, g, *rest), _ in self._slices(xp, arrays):
            g *= lr * trust
            w -= g
            if average is not None:
                _update_average(xp, rest[-1], w, avg_rate, g)
            g.fill(0)

    def _slices(self, xp: Any, arrays: List[FloatsXd]) -> Iterator[tuple]:
        """(slices of `arrays`, a scratch slice): chunk_size floats at a time
        for C-contiguous NumPy arrays, else the whole arrays."""
        weights = arrays[0]
        if xp is numpy and all(a.flags.c_contiguous for a in arrays):
            flat = [a.reshape(-1) for a in arrays]  # views: writes go through
            size, chunk = weights.size, self.chunk_size
            (buffer,) = self._buffers(xp, weights.dtype, min(chunk, size))
            for start in range(0, size, chunk):
                stop = min(start + chunk, size)
                yield [a[start:stop] for a in flat], buffer[: stop - start]
        else:
            (buffer,) = self._buffers(xp, weights.dtype, weights.size)
            yield arrays, buffer.reshape(weights.shape)


@registry.optimizers("LAMB.v1")
def LAMB(
    learn_rate: FloatOrSeq = 0.001,
    *,
    beta1: FloatOrSeq = 0.9,
    beta2: FloatOrSeq = 0.999,
    eps: FloatOrSeq = 1e-6,
    clamp: FloatOrSeq = 10.0,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> LAMBOptimizer:
    """Adam with a per-tensor trust ratio, by the paper's rule (You et al. 2019),
    with pytorch-optimizer's defaults (eps 1e-6, clamp 10)."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return LAMBOptimizer(learn_rate, beta1=beta1, beta2=beta2, eps=eps, clamp=clamp, **shared)
