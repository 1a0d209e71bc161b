"""A learning-rate range test (``lr-find``) on the real pipeline and corpus of a config.

As fastai's ``lr_find`` and Lightning's ``Tuner.lr_find``: one short run per
optimizer whose rate grows exponentially, a constant rate per step, from
``start`` to ``end`` (default 1e-7 to 10 over at most 300 steps), until the
loss smoothed by a bias-corrected exponential moving average (beta 0.98)
exceeds 4 times its minimum so far or the loss is not finite. Two
suggestions are read off the smoothed curve, without its first tenth (the
untrained loss) and its last 5 points (the blow-up), as fastai does:

* steepest: the rate where the smoothed loss falls fastest against log rate,
  on its way down to the minimum;
* minimum / 10: a tenth of the rate at the smoothed minimum, a decade back
  from where the loss turns up.

Each optimizer trains a fresh pipeline (the same initial weights, restored)
from the same seed on the same batches, through spaCy's own ``init_nlp``, ``create_train_batches`` and
``train_while_improving`` (as :mod:`.run`), with the block's schedule
replaced by the ramp (``exponential.v1``). The loss of step s is paired with
the rate of step s, as fastai and Lightning pair them: it is computed before
that step's update. It is a loss per word of the step's batch, since spaCy's
losses are sums over a batch and ``batch_by_words`` batches vary in size and
grow by compounding. Nothing is evaluated on dev: a range test reads the
training loss only.

A factory whose default ``learn_rate`` is 1.0 (AdaDelta.v1, as
torch.optim.Adadelta and Zeiler's rule) multiplies an update that already
has the units of the weights: its rate is a dimensionless scale, not a step
size. It is ramped like the others (how far the scale can go is worth
knowing), and flagged as such in the JSON, the plot and the summary.

All optimizers run first, in this process, one after another; the JSON and
the plot are written only then, each atomically, so a failure leaves no
half-done output.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from timeit import default_timer as timer
from typing import Any, Optional, Sequence

import numpy
from spacy.language import Language
from spacy.training.initialize import init_nlp
from spacy.util import registry
from thinc.api import Config
from tqdm import tqdm

from ..files import current_umask, write_atomic
from .benchmark import read_optimizer_block
from .defaults import RAMP_END, RAMP_START, RAMP_STEPS
from .run import read_record, start_training
from .specs import Budget, Entry, RunSpec, build_config, read_entries, select

BETA = 0.98
STOP_FACTOR = 4.0
#: Points left out at the end of the curve for the suggestions (fastai's 5): the blow-up.
SKIP_END = 5
#: Fewest steps a ramp may have: the suggestions leave out its first tenth and last SKIP_END points.
MIN_STEPS = 10
#: Why a range test stopped.
DIVERGED, NOT_FINITE, END_OF_RAMP = "diverged", "not finite", "end of ramp"
#: A suggestion within this many decades of the sweep's best rate counts as agreeing with it.
HALF_DECADE = 0.5


class LRFindError(ValueError):
    """A range test that can give no rate; nothing is written."""


@dataclass(frozen=True)
class RangeTest:
    """One optimizer's range test: per step its rate, loss per word and smoothed loss
    (finite steps only), why it stopped, the two suggestions (None where the
    smoothed loss never falls) and its wall time (see :func:`lr_find`)."""

    optimizer: str
    rate_is_step_size: bool
    rates: list
    losses: list
    smoothed: list
    stop: str
    steepest: Optional[float]
    minimum_tenth: Optional[float]
    seconds: float


class SmoothedLoss:
    """The bias-corrected moving average of the loss and its minimum so far, which say when to stop."""

    def __init__(self, beta: float = BETA, stop_factor: float = STOP_FACTOR):
        self.beta = beta
        self.stop_factor = stop_factor
        self.average = 0.0
        self.values: list[float] = []
        self.best = math.inf

    def add(self, loss: float) -> Optional[str]:
        """Take one step's loss; return why to stop (DIVERGED, NOT_FINITE) or None to go on.
        A non-finite loss is not kept: the curve holds finite values only."""
        if not math.isfinite(loss):
            return NOT_FINITE
        self.average = self.beta * self.average + (1 - self.beta) * loss
        value = self.average / (1 - self.beta ** (len(self.values) + 1))
        self.values.append(value)
        self.best = min(self.best, value)
        return DIVERGED if value > self.stop_factor * self.best else None


def suggest(
    rates: Sequence[float], smoothed: Sequence[float], skip_begin: int, skip_end: int = SKIP_END
) -> tuple[Optional[float], Optional[float]]:
    """(steepest, minimum / 10) from the smoothed curve less its first ``skip_begin`` and last ``skip_end``
    points; (None, None) when fewer than 3 points remain or the loss never falls below its first kept value.

    The steepest fall is looked for up to the minimum only: past it the loss climbs, and a drop there
    is a bounce of the noise (the NER's loss per word is bounded, so a ramp often runs to its end).
    """
    end = len(smoothed) - skip_end
    if end - skip_begin < 3:
        return None, None
    losses = numpy.asarray(smoothed[skip_begin:end], dtype=float)
    lowest = int(losses.argmin())
    if lowest == 0:
        return None, None
    log_rates = numpy.log(numpy.asarray(rates[skip_begin : skip_begin + lowest + 1], dtype=float))
    slopes = numpy.diff(losses[: lowest + 1]) / numpy.diff(log_rates)
    return float(rates[skip_begin + int(slopes.argmin())]), float(rates[skip_begin + lowest]) / 10


def rate_is_step_size(name: str) -> bool:
    """False where the registered factory's default learn_rate is 1.0: the rule then
    scales an update that already has the weights' units (AdaDelta's), see the module."""
    default = inspect.signature(registry.optimizers.get(name)).parameters["learn_rate"].default
    return default != 1.0


def check_settings(start: float, end: float, steps: int) -> None:
    """Fail on a ramp that cannot run, naming the setting and what is allowed."""
    if not (math.isfinite(start) and start > 0):
        raise ValueError(f"lr-find: start={start!r}; it must be a finite rate > 0")
    if not (math.isfinite(end) and end > start):
        raise ValueError(f"lr-find: end={end!r}; it must be a finite rate above start={start!r}")
    if steps < MIN_STEPS:
        raise ValueError(f"lr-find: steps={steps!r}; it must be at least {MIN_STEPS}")


def ramp_block(block: Path, start: float, end: float, steps: int) -> Config:
    """The optimizer section of ``block`` with its rate replaced by the ramp: step s at start * gamma**s.

    A second rate (Muon's adamw_learn_rate) ramps alongside, at its ratio to learn_rate in the
    block; an optimizer's own warm-up (Schedule-Free's warmup_steps) is turned off, so that the
    rate of each step is the ramp's.
    """
    optimizer = read_optimizer_block(block)["training"]["optimizer"]
    gamma = (end / start) ** (1 / (steps - 1))
    peak = _peak(optimizer["learn_rate"])
    for key, value in list(optimizer.items()):
        if key.endswith("learn_rate"):
            initial_rate = start * (_peak(value) / peak)
            optimizer[key] = {"@schedules": "exponential.v1", "initial_rate": initial_rate, "gamma": gamma}
    if "warmup_steps" in optimizer:
        optimizer["warmup_steps"] = 0
    return optimizer


def _peak(rate: Any) -> float:
    """A block's rate: its schedule's initial_rate, or a constant."""
    return float(rate["initial_rate"] if isinstance(rate, dict) else rate)


def pipeline_config(
    entry: Entry, config: Path, corpus: Path, *, start: float, end: float, steps: int, seed: int, train_limit: int
) -> Config:
    """The config lr-sweep's runs train (build_config: corpus, seed, training documents read), with the ramp."""
    # Range tests are not cached, so the spec needs no fingerprint.
    budget = Budget(steps=steps, eval_frequency=steps, warmup_steps=0, train_limit=train_limit)
    spec = RunSpec(entry.name, str(entry.block), start, seed, str(config), str(corpus), budget, fingerprint="")
    raw = build_config(spec)
    raw["training"]["optimizer"] = ramp_block(entry.block, start, end, steps)
    return raw


def range_test(nlp: Language, initial: bytes, name: str, optimizer_block: Config, steps: int) -> RangeTest:
    """One optimizer's range test on ``nlp`` restored to ``initial`` (its bytes after init_nlp), in the
    pipeline's config with ``optimizer_block``; LRFindError if its very first loss is not finite."""
    began = timer()
    nlp.from_bytes(initial, exclude=["vocab"])
    config = nlp.config.copy()
    config["training"]["optimizer"] = optimizer_block
    # patience 0, and the loop evaluates at step 0 only: steps 0 .. steps - 1.
    training = start_training(
        nlp, config.interpolate(), evaluate=False, max_steps=steps - 1, eval_frequency=steps, patience=0
    )
    tracker = SmoothedLoss()
    rates: list[float] = []
    losses: list[float] = []
    stop = END_OF_RAMP
    rate = float(training.optimizer.learn_rate)  # the rate of step s is drawn before step s's update
    for step in training.steps:
        loss = step.loss / max(1, sum(len(example) for example in step.batch))
        if not losses and not math.isfinite(loss):
            raise LRFindError(
                f"{name}: the loss of the first step is {loss} before any update (rate {rate:g}), so this "
                "pipeline and corpus give no finite loss at any rate; nothing written"
            )
        reason = tracker.add(loss)
        if reason != NOT_FINITE:
            rates.append(rate)
            losses.append(loss)
        rate = float(training.optimizer.learn_rate)
        if reason is not None:
            stop = reason
            break
    steepest, minimum_tenth = suggest(rates, tracker.values, skip_begin=steps // 10)
    return RangeTest(
        name, rate_is_step_size(name), rates, losses, tracker.values, stop, steepest, minimum_tenth, timer() - began
    )


def lr_find(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    start: float = RAMP_START,
    end: float = RAMP_END,
    steps: int = RAMP_STEPS,
    seed: int = 0,
    train_limit: int = Budget.train_limit,
) -> list[RangeTest]:
    """Range-test each optimizer of the list file (all, or ``names``); write lr_find.png, then lr_find.json.

    The pipeline is initialised once (init_nlp: its weights depend on the seed, not on the
    optimizer) and restored to those weights before each optimizer (all but the vocab, to which
    training at most adds strings): a fresh pipeline for each, without paying the set-up
    (loading vectors, reading the corpus: 17 s of CPU on this corpus) once per optimizer.
    A test's ``seconds`` is its own steps plus an equal share of that set-up.
    """
    check_settings(start, end, steps)
    entries = select(read_entries(list_path), names)
    began = timer()
    nlp = init_nlp(
        pipeline_config(entries[0], config, corpus, start=start, end=end, steps=steps, seed=seed, train_limit=train_limit)
    )
    initial = nlp.to_bytes(exclude=["vocab"])
    setup = timer() - began
    tests = []
    for entry in tqdm(entries, desc="lr-find", unit="optimizer"):
        test = range_test(nlp, initial, entry.name, ramp_block(entry.block, start, end, steps), steps)
        tests.append(replace(test, seconds=test.seconds + setup / len(entries)))
    settings = {
        "config": str(config),
        "corpus": str(corpus),
        "start": start,
        "end": end,
        "steps": steps,
        "seed": seed,
        "train_limit": train_limit,
        "beta": BETA,
        "stop_factor": STOP_FACTOR,
        "skip_begin": steps // 10,
        "skip_end": SKIP_END,
        "setup_seconds": setup,
    }
    # Serialised before anything is written: a value JSON refuses must not leave the plot alone.
    data = {"settings": settings, "optimizers": {test.optimizer: asdict(test) for test in tests}}
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    write_figure(output / "lr_find.png", tests)
    write_atomic(output / "lr_find.json", text)
    return tests


def read_tests(path: Path) -> list[RangeTest]:
    """The range tests of an lr_find.json."""
    return [RangeTest(**test) for test in json.loads(path.read_text(encoding="utf8"))["optimizers"].values()]


def describe(test: RangeTest) -> str:
    """One line for the console: the suggestions, why it stopped, and a caveat for a rate that is a scale."""
    if test.steepest is None:
        found = "no suggestion (the smoothed loss never falls)"
    else:
        found = f"steepest {test.steepest:.3g}, minimum / 10 {test.minimum_tenth:.3g}"
    where = f"at rate {test.rates[-1]:.3g}, step {len(test.rates) - 1}" if test.rates else "at once"
    caveat = "" if test.rate_is_step_size else "; its learn_rate scales an adaptive step, it is not a step size"
    return f"{test.optimizer}: {found}; stopped ({test.stop}) {where}, {test.seconds:.0f} s{caveat}"


def write_figure(path: Path, tests: Sequence[RangeTest]) -> None:
    """One panel per optimizer, log rate: raw loss (light), smoothed loss, the two suggestions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(4, len(tests))
    rows = -(-len(tests) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(tests) :]:
        ax.set_visible(False)
    for ax, test in zip(axes.flat, tests):
        ax.plot(test.rates, test.losses, color="tab:blue", alpha=0.3, linewidth=0.8)
        ax.plot(test.rates, test.smoothed, color="tab:blue", linewidth=1.5)
        if test.steepest is not None:
            ax.axvline(test.steepest, color="tab:red", linestyle="--", label=f"steepest {test.steepest:.2g}")
            tenth = test.minimum_tenth
            ax.axvline(tenth, color="tab:green", linestyle="--", label=f"min / 10 {tenth:.2g}")
            ax.legend(fontsize="x-small")
        if test.smoothed:
            low, high = min(test.smoothed), max(test.smoothed)
            ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low) + 1e-12)
        ax.set_xscale("log")
        scale = "" if test.rate_is_step_size else " (rate = scale)"
        ax.set_title(f"{test.optimizer}{scale}: {test.stop}", fontsize="medium")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss per word")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("Learning-rate range test (light: loss per step; dark: smoothed, beta 0.98)")
    fig.tight_layout()
    _save_atomic(fig, path)
    plt.close(fig)


def _save_atomic(fig: Any, path: Path) -> None:
    """savefig through a temporary file renamed over ``path``, as files.write_atomic does for text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            fig.savefig(handle, format="png", dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def vs_sweep(lr_find_json: Path, sweep_dir: Path, output: Path) -> str:
    """Write (and return) the markdown table of each optimizer's lr-find suggestions beside
    lr-sweep's best rate, their distance in decades, and the time each took.

    The sweep's time is the summed wall_seconds of its run records (runs/*.json) at the rates
    sweep.json lists, so that records of an older grid in the same folder do not count.
    """
    tests = read_tests(lr_find_json)
    sweep = json.loads((sweep_dir / "sweep.json").read_text(encoding="utf8"))
    swept = {name: {point["learn_rate"] for point in points} for name, points in sweep["points"].items()}
    seconds: dict[str, float] = {}
    steps: dict[str, set] = {}
    for path in sorted((sweep_dir / "runs").glob("*.json")):
        record = read_record(path)
        name = record.spec.optimizer
        if record.spec.learn_rate in swept.get(name, ()) and record.wall_seconds is not None:
            seconds[name] = seconds.get(name, 0.0) + record.wall_seconds
            steps.setdefault(name, set()).add(record.spec.budget.steps)
    lines = [
        f"# lr-find ({lr_find_json}) beside lr-sweep ({sweep_dir / 'sweep.json'})",
        "",
        "| optimizer | sweep best | steepest | decades | within ½ | min / 10 | decades | within ½ "
        "| lr-find s | sweep s (runs) | time ratio |",
        "|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|",
    ]
    agree = {"steepest": 0, "minimum_tenth": 0}
    compared = 0
    for test in tests:
        best = sweep["best"].get(test.optimizer)
        cells = []
        for key in ("steepest", "minimum_tenth"):
            rate = getattr(test, key)
            if best is None or rate is None:
                cells += [_rate(rate), "—", "—"]
                continue
            decades = math.log10(rate / best)
            within = abs(decades) <= HALF_DECADE
            agree[key] += within
            cells += [_rate(rate), f"{decades:+.2f}", "yes" if within else "no"]
        compared += best is not None and test.steepest is not None
        spent = seconds.get(test.optimizer)
        runs = len(swept.get(test.optimizer, ()))
        ratio = f"{test.seconds / spent:.2f}" if spent else "—"
        scale = "" if test.rate_is_step_size else " (rate = scale)"
        lines.append(
            f"| {test.optimizer}{scale} | {_rate(best)} | {' | '.join(cells)} | {test.seconds:.0f} "
            f"| {'—' if spent is None else f'{spent:.0f}'} ({runs}) | {ratio} |"
        )
    total_find = sum(test.seconds for test in tests if test.optimizer in seconds)
    total_sweep = sum(seconds.get(test.optimizer, 0.0) for test in tests)
    lines += [""]
    for key, label in (("steepest", "steepest"), ("minimum_tenth", "minimum / 10")):
        share = f"{agree[key]}/{compared}" + (f" ({agree[key] / compared:.0%})" if compared else "")
        lines.append(f"- {label} within half a decade of the sweep's best rate: {share}")
    if total_sweep:
        lengths = ", ".join(str(n) for n in sorted(set().union(*steps.values())))
        lines.append(
            f"- time: lr-find {total_find:.0f} s against the sweep's {total_sweep:.0f} s summed over its runs "
            f"({total_find / total_sweep:.2f}); sweep runs of {lengths} steps"
        )
    lines += [
        "- decades: log10(suggestion / sweep best); the sweep's grid is discrete, so its best rate is only "
        "known to within half its grid spacing.",
        "- lr-find s: the whole range test (set-up included); sweep s: the summed wall_seconds of its run records.",
    ]
    text = "\n".join(lines) + "\n"
    write_atomic(output, text)
    return text


def _rate(rate: Optional[float]) -> str:
    return "—" if rate is None else f"{rate:.3g}"
