"""Muon (Jordan et al. 2024) for thinc, exact against torch.optim.Muon, with
an AdamW for the parameters Muon is not meant for.

Muon orthogonalises the momentum of each weight matrix by a Newton–Schulz
iteration, so that every direction of the matrix moves by about the same
amount. torch documents it for 2-D hidden-layer weights only: biases, gains
and embedding tables belong to "a standard method such as AdamW". spaCy hands
the optimizer every parameter of the pipeline, one key ``(node id, name)`` at
a time, so :class:`MuonOptimizer` routes each key: thinc names weight
matrices ``W``; a key whose name is in ``muon_params`` (default ``W``) and
whose weights have 2 or more axes gets Muon, every other key (biases ``b``,
even thinc's 2-D Maxout biases, gains ``G``, embedding tables ``E``,
paddings ``pad``, any vector) gets the AdamW fallback, exact against
torch.optim.AdamW, with its own ``adamw_*`` rate, betas and eps. Both share
L2, clipping, averages, the state dict and the update counts.

Weights of more than 2 axes are orthogonalised as the 2-D matrix of all
leading axes by the last, ``W.reshape(-1, W.shape[-1])``: thinc contracts
the last axis with the input (Maxout's W is (nO, nP, nI), the parser's
PrecomputableAffine (nF, nO, nP, nI)), so that view is the matrix of the
linear map the layer computes, one row per output unit. (torch's convolution
weights are (out, in, *kernel), hence first axis by the rest in Keller
Jordan's code; on thinc's layout that would give the parser a 3 x 8192
matrix, its features by everything else.) The view's shape is also what
``adjust_lr_fn`` reads.

torch runs the iteration in bfloat16 (a GPU speed choice); NumPy has no
bfloat16, so here it runs in the weights' dtype, float32 in spaCy. That is
the only difference: tests/optim checks it against torch with the cast
disabled, and against torch as it is within bfloat16 precision.
"""

import math
from typing import Any, Optional, Sequence, Tuple

from thinc.api import registry
from thinc.optimizers import FloatOrSeq, KeyT
from thinc.types import FloatsXd

from .optimizers import (
    GRAD_CLIP_DEFAULT,
    L2_DEFAULT,
    L2_IS_WEIGHT_DECAY_DEFAULT,
    AdamWOptimizer,
    BaseOptimizer,
    _ema,
    _shared,
    _zeros,
)
from .ranges import POSITIVE, UNIT, Interval, check, check_choice, check_integer

__all__ = ["Muon", "MuonOptimizer"]

# torch.optim._muon's constants (from Keller Jordan's post).
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5
NS_EPS = 1e-7
ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


class _FallbackAdamW(AdamWOptimizer):
    """The AdamW of Muon's other parameters: its errors name Muon.v1 and the
    settings as the factory spells them (adamw_beta1, ...)."""

    name = "Muon.v1"
    __slots__ = ()
    _OWN = ("learn_rate", "beta1", "beta2", "eps")

    def _check(self, attr: str) -> None:
        setting, allowed = self._settings[attr]
        if setting in self._OWN:
            setting = "adamw_" + setting
        origin = "schedule for " if attr in self.schedules else ""
        check(self.name, origin + setting, getattr(self, attr), allowed)


def matrix_shape(shape: Tuple[int, ...]) -> Tuple[int, int]:
    """The 2-D view Muon orthogonalises: all leading axes by the last (see the module)."""
    return math.prod(shape[:-1]), shape[-1]


def adjusted_ratio(adjust_lr_fn: Optional[str], shape: Tuple[int, int]) -> float:
    """torch.optim._muon._adjust_lr's factor for a matrix of `shape`."""
    rows, cols = shape
    if adjust_lr_fn == "match_rms_adamw":
        return 0.2 * math.sqrt(max(rows, cols))
    return math.sqrt(max(1.0, rows / cols))


class MuonOptimizer(BaseOptimizer):
    """torch.optim.Muon: b = momentum * b + (1 - momentum) * g (torch's lerp);
    u = g + momentum * (b - g) if nesterov else b; O = NS(u) (k steps of
    X = a X + (b A + c A A) X, A = X X^T, from X = u / max(|u|_F, eps), on
    the wide orientation); w -= lr * ratio(shape) * O, ratio by
    adjust_lr_fn. Decoupled L2 is torch's weight_decay (w *= 1 - lr * L2,
    before the step). Other keys go to an AdamW (see the module)."""

    name = "Muon.v1"
    elementwise = False
    momentum: float
    nesterov: bool
    ns_coefficients: Tuple[float, float, float]
    ns_steps: int
    eps: float
    adjust_lr_fn: Optional[str]
    muon_params: Tuple[str, ...]
    fallback: _FallbackAdamW
    __slots__ = ("momentum", "nesterov", "ns_coefficients", "ns_steps", "adjust_lr_fn", "muon_params", "fallback")

    def __init__(
        self,
        learn_rate: FloatOrSeq,
        *,
        momentum: FloatOrSeq,
        nesterov: bool,
        ns_coefficients: Sequence[float],
        ns_steps: int,
        eps: FloatOrSeq,
        adjust_lr_fn: Optional[str],
        muon_params: Sequence[str],
        adamw_learn_rate: FloatOrSeq,
        adamw_beta1: FloatOrSeq,
        adamw_beta2: FloatOrSeq,
        adamw_eps: FloatOrSeq,
        L2: FloatOrSeq,
        L2_is_weight_decay: bool,
        grad_clip: FloatOrSeq,
        use_averages: bool,
    ):
        self.nesterov = nesterov
        hyperparameters = {"momentum": (momentum, UNIT), "eps": (eps, POSITIVE)}
        super().__init__(
            learn_rate,
            L2=L2,
            L2_is_weight_decay=L2_is_weight_decay,
            grad_clip=grad_clip,
            use_averages=use_averages,
            hyperparameters=hyperparameters,
        )
        coefficients = tuple(ns_coefficients)
        if len(coefficients) != 3 or not all(isinstance(c, (int, float)) and math.isfinite(c) for c in coefficients):
            raise ValueError(f"{self.name}: ns_coefficients={ns_coefficients!r} must be three finite numbers (a, b, c)")
        self.ns_coefficients = coefficients
        check_integer(self.name, "ns_steps", ns_steps, Interval(0.0, 100.0))
        self.ns_steps = ns_steps
        check_choice(self.name, "adjust_lr_fn", adjust_lr_fn, ADJUST_LR_FNS)
        self.adjust_lr_fn = adjust_lr_fn
        if isinstance(muon_params, str) or not all(isinstance(name, str) for name in muon_params):
            raise ValueError(f"{self.name}: muon_params={muon_params!r} must be a list of parameter names, like ['W']")
        self.muon_params = tuple(muon_params)
        # Shared settings as the values just checked: a schedule object must
        # be stepped once per step, by this optimizer (see step_schedules).
        self.fallback = _FallbackAdamW(
            adamw_learn_rate,
            beta1=adamw_beta1,
            beta2=adamw_beta2,
            eps=adamw_eps,
            amsgrad=False,
            L2=self.L2,
            L2_is_weight_decay=L2_is_weight_decay,
            grad_clip=self.grad_clip,
            use_averages=use_averages,
        )
        self.fallback.state = self.state
        self.fallback.nr_update = self.nr_update
        self.fallback.averages = self.averages

    def uses_muon(self, key: KeyT, weights: FloatsXd) -> bool:
        return weights.ndim >= 2 and key[1] in self.muon_params

    def __call__(
        self,
        key: KeyT,
        weights: FloatsXd,
        gradient: FloatsXd,
        *,
        lr_scale: float = 1.0,
    ) -> Tuple[FloatsXd, FloatsXd]:
        if not self.uses_muon(key, weights):
            return self.fallback(key, weights, gradient, lr_scale=lr_scale)
        return super().__call__(key, weights, gradient, lr_scale=lr_scale)

    def step_schedules(self) -> None:
        super().step_schedules()
        self.fallback.step_schedules()
        self.fallback.L2 = self.L2
        self.fallback.grad_clip = self.grad_clip

    def _init_state(self, ops, weights, lr):
        return {"momentum_buffer": _zeros(ops, weights)}

    def _constants(self, xp, weights, state, lr, step):
        return lr * adjusted_ratio(self.adjust_lr_fn, matrix_shape(weights.shape))

    def _update(self, xp, weights, gradient, state, scratch, adjusted_lr):
        momentum, tmp = self.momentum, scratch[0]
        buf = state["momentum_buffer"]
        _ema(xp, buf, gradient, momentum, tmp)
        if self.nesterov:
            xp.subtract(buf, gradient, out=tmp)
            tmp *= momentum
            gradient += tmp
        else:
            xp.copyto(gradient, buf)
        ortho = self._orthogonalise(xp, gradient.reshape(matrix_shape(weights.shape)))
        ortho *= adjusted_lr
        weights -= ortho.reshape(weights.shape)

    def _orthogonalise(self, xp: Any, update: FloatsXd) -> FloatsXd:
        """torch's _zeropower_via_newtonschulz, in the update's dtype; a new array."""
        a, b, c = self.ns_coefficients
        tall = update.shape[0] > update.shape[1]
        x = update.T if tall else update
        norm = float(xp.linalg.norm(x))
        if not math.isfinite(norm):  # finite elements whose squares overflow
            norm = float(xp.linalg.norm(x.astype("float64")))
        x = x / max(norm, self.eps)
        for _ in range(self.ns_steps):
            gram = x @ x.T
            poly = gram @ gram
            poly *= c
            poly += b * gram
            new = poly @ x
            new += a * x
            x = new
        return x.T if tall else x


@registry.optimizers("Muon.v1")
def Muon(
    learn_rate: FloatOrSeq = 0.001,
    *,
    momentum: FloatOrSeq = 0.95,
    nesterov: bool = True,
    ns_coefficients: Sequence[float] = NS_COEFFICIENTS,
    ns_steps: int = NS_STEPS,
    eps: FloatOrSeq = NS_EPS,
    adjust_lr_fn: Optional[str] = None,
    muon_params: Sequence[str] = ("W",),
    adamw_learn_rate: FloatOrSeq = 0.001,
    adamw_beta1: FloatOrSeq = 0.9,
    adamw_beta2: FloatOrSeq = 0.999,
    adamw_eps: FloatOrSeq = 1e-8,
    L2: FloatOrSeq = L2_DEFAULT,
    L2_is_weight_decay: bool = L2_IS_WEIGHT_DECAY_DEFAULT,
    grad_clip: FloatOrSeq = GRAD_CLIP_DEFAULT,
    use_averages: bool = True,
) -> MuonOptimizer:
    """Orthogonalised momentum for weight matrices, as torch.optim.Muon (L2 =
    its weight_decay), and torch.optim.AdamW (adamw_*) for everything else."""
    shared = _shared(L2, L2_is_weight_decay, grad_clip, use_averages)
    return MuonOptimizer(
        learn_rate,
        momentum=momentum,
        nesterov=nesterov,
        ns_coefficients=ns_coefficients,
        ns_steps=ns_steps,
        eps=eps,
        adjust_lr_fn=adjust_lr_fn,
        muon_params=muon_params,
        adamw_learn_rate=adamw_learn_rate,
        adamw_beta1=adamw_beta1,
        adamw_beta2=adamw_beta2,
        adamw_eps=adamw_eps,
        **shared,
    )
