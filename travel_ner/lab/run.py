"""One training run of a spec, measured, as a typed :class:`RunRecord`.

Every run trains the spec's config through spaCy's own training machinery
(``init_nlp``, ``create_train_batches``, ``train_while_improving``), so a
difference between two runs comes from the optimizer block alone: corpus,
seed, batches, step budget and the shape of the learning-rate schedule
(warm-up then linear decay) are the same for all; only the peak rate differs.

spaCy's logger only sees evaluation steps, so the loop is driven here: the
loop's ``losses`` dict accumulates from one evaluation to the next, and the
loss of a step is the growth of its sum since the previous step (tok2vec's
entry, a gradient norm, left out). Each step also records the cosine between
its weight update and the previous one, where oscillation shows.

A run depends only on its spec: the same spec gives the same losses, bit for
bit, whatever ran beside it. A run that fails (an exception, a diverging
loss) is recorded as such; the executors go on with the others.
"""

from __future__ import annotations

import json
import math
import resource
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from timeit import default_timer as timer
from typing import Any, Callable, Iterator, Optional

import numpy
from spacy.pipeline import Tok2Vec
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import create_evaluation_callback, create_train_batches, train_while_improving
from spacy.util import registry, resolve_dot_names
from thinc.api import fix_random_seed

from ..files import write_atomic
from ..ner.scoring import score
from .benchmark import state_floats, trainable_params
from .specs import RunSpec, build_config

#: Statuses whose record is final: a resumed comparison does not run them again ("error" runs again).
FINISHED = ("ok", "diverged")


@dataclass(frozen=True)
class EvalPoint:
    """One evaluation on dev, ``seconds`` after the training loop started."""

    step: int
    seconds: float
    ents_f: float
    ents_p: float
    ents_r: float
    ents_per_type: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    """What one run leaves: its spec, status, per-step curves, dev evaluations, final scores and costs.

    Scores are those of the parameter averages, as spaCy evaluates and saves
    them; ``state_multiple`` is weights plus optimizer state in multiples of
    the number of weights; ``cpu_seconds`` is about the wall time on an idle core.
    """

    spec: RunSpec
    status: str  # "ok", "diverged" or "error"
    error: Optional[str] = None
    diverged_at: Optional[int] = None
    losses: list = field(default_factory=list)
    learn_rates: list = field(default_factory=list)
    update_cosines: list = field(default_factory=list)
    evals: list = field(default_factory=list)  # of EvalPoint
    train_seconds: Optional[float] = None
    dev_f: Optional[float] = None
    test_f: Optional[float] = None
    sentence_accuracy: Optional[float] = None
    handwritten_by_category: Optional[dict] = None
    state_multiple: Optional[float] = None
    wall_seconds: Optional[float] = None
    cpu_seconds: Optional[float] = None
    peak_rss_mib: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def reached(self, target: float) -> Optional[EvalPoint]:
        """The first evaluation at or above ``target`` dev F, if any."""
        return next((point for point in self.evals if point.ents_f >= target), None)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RunRecord":
        evals = [EvalPoint(**point) for point in data.get("evals", [])]
        return cls(**{**data, "spec": RunSpec.from_json(data["spec"]), "evals": evals})


def read_record(path: Path) -> RunRecord:
    """Read a run's record with the standard library: srsly's ujson rounds some floats,
    which would break step-for-step comparisons of losses."""
    return RunRecord.from_json(json.loads(path.read_text(encoding="utf8")))


def save_record(path: Path, record: RunRecord) -> None:
    """Write one run's record; numpy scalars from scorers are written as floats."""
    write_atomic(path, json.dumps(record.to_json(), default=float, allow_nan=False) + "\n")


def is_finished(path: Path, spec: RunSpec) -> bool:
    """Whether ``path`` holds a final record of exactly this spec (see FINISHED)."""
    if not path.is_file():
        return False
    record = read_record(path)
    return record.status in FINISHED and record.spec == spec


def run_or_record_error(spec: RunSpec, report: Callable[[int], None]) -> RunRecord:
    """Train once; an exception becomes an "error" record with its traceback."""
    try:
        return train_run(spec, report)
    except Exception:
        return RunRecord(spec, "error", error=traceback.format_exc())


def train_run(spec: RunSpec, report: Callable[[int], None]) -> RunRecord:
    """Train once and measure; ``report(1)`` is called after each step for progress bars."""
    start = timer()
    nlp = init_nlp(build_config(spec))
    training = start_training(nlp, nlp.config.interpolate())
    optimizer, evaluate = training.optimizer, training.evaluate
    losses: list[float] = []  # finite only: a diverged run stops before its first non-finite loss
    learn_rates = [float(optimizer.learn_rate)]  # the rate of step s is drawn before step s's update
    # Batch noise hides oscillation in the loss; the angle between successive updates shows it.
    cosines: list[Optional[float]] = []
    weights, update = _flat_weights(nlp), None
    evals: list[EvalPoint] = []
    status, diverged_at = "ok", None
    loop_start = timer()
    for step in training.steps:
        info, checkpoint, loss = step.info, step.checkpoint, step.loss
        report(1)
        if not math.isfinite(loss):
            status, diverged_at = "diverged", info["step"]
            break
        losses.append(loss)
        learn_rates.append(float(optimizer.learn_rate))
        previous_update, previous_weights, weights = update, weights, _flat_weights(nlp)
        update = weights - previous_weights
        cosines.append(_cosine(update, previous_update))
        if checkpoint is not None:
            evals.append(_eval_point(info["step"], timer() - loop_start, info["other_scores"]))
    train_seconds = timer() - loop_start
    scores: dict[str, Any] = {}
    if status == "ok":
        with nlp.use_params(optimizer.averages):
            if evals[-1].step != len(losses) - 1:
                evals.append(_eval_point(len(losses) - 1, train_seconds, evaluate()[1]))
            test = score(nlp, _read_docs(nlp, Path(spec.corpus) / "test.spacy"))
            handwritten = score(nlp, _read_docs(nlp, Path(spec.corpus) / "handwritten_test.spacy"))
        scores = dict(
            dev_f=evals[-1].ents_f,
            test_f=test["ents_f"],
            sentence_accuracy=handwritten["sentence_accuracy"],
            handwritten_by_category=handwritten["by_category"],
        )
    # Last, since it runs one more update (on copies of the weights) that touches the averages.
    state_multiple = 1 + state_floats(optimizer, trainable_params(nlp))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return RunRecord(
        spec,
        status,
        diverged_at=diverged_at,
        losses=losses,
        learn_rates=learn_rates[: len(losses)],
        update_cosines=cosines,
        evals=evals,
        train_seconds=train_seconds,
        state_multiple=state_multiple,
        wall_seconds=timer() - start,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        **scores,
    )


@dataclass
class Step:
    """One step of spaCy's training loop: its batch, the loop's info, the checkpoint after an
    evaluation (None otherwise), and the step's own loss (summed over the pipeline's objectives)."""

    batch: list
    info: dict
    checkpoint: Optional[tuple]
    loss: float


@dataclass
class Training:
    """spaCy's training loop set up as ``spacy.training.loop.train`` sets it up, driven here step by step."""

    optimizer: Any
    evaluate: Callable[[], tuple[float, dict]]
    steps: Iterator[Step]


def start_training(
    nlp: Any,
    config: Any,
    *,
    evaluate: bool = True,
    max_steps: Optional[int] = None,
    eval_frequency: Optional[int] = None,
    patience: Optional[int] = None,
) -> Training:
    """The training loop of an initialised ``nlp`` over its interpolated ``config`` (the same seed again
    and a fresh optimizer, as ``spacy.training.loop.train`` does); ``max_steps``, ``eval_frequency`` and
    ``patience`` default to the config's, and without ``evaluate`` the dev corpus is never read."""
    fix_random_seed(config["training"]["seed"])
    T = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    if evaluate:
        train_corpus, dev_corpus = resolve_dot_names(config, [T["train_corpus"], T["dev_corpus"]])
        evaluation = create_evaluation_callback(nlp, dev_corpus, T["score_weights"])
    else:
        (train_corpus,) = resolve_dot_names(config, [T["train_corpus"]])
        evaluation = _no_evaluation
    optimizer = T["optimizer"]
    loop = train_while_improving(
        nlp,
        optimizer,
        create_train_batches(nlp, train_corpus, T["batcher"], T["max_epochs"]),
        evaluation,
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"] if patience is None else patience,
        max_steps=T["max_steps"] if max_steps is None else max_steps,
        eval_frequency=T["eval_frequency"] if eval_frequency is None else eval_frequency,
        exclude=T["frozen_components"],
        annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    )
    return Training(optimizer, evaluation, _steps(nlp, loop))


def _steps(nlp: Any, loop: Iterator) -> Iterator[Step]:
    """The loop's steps with each one's loss: the loop's ``losses`` dict sums from one evaluation to
    the next, so a step's loss is the growth of that sum (tok2vec's entry, a gradient norm, left out)."""
    objectives = [name for name, proc in nlp.pipeline if not isinstance(proc, Tok2Vec)]
    since_eval = 0.0
    for batch, info, checkpoint in loop:
        total = sum(info["losses"].get(name, 0.0) for name in objectives)
        yield Step(batch, info, checkpoint, float(total - since_eval))
        # The loop starts a new losses dict after each evaluation.
        since_eval = 0.0 if checkpoint is not None else total


def _no_evaluation() -> tuple[float, dict]:
    """The evaluation callback of a loop that reads the training loss only."""
    return 0.0, {}


def _eval_point(step: int, seconds: float, scores: dict[str, Any]) -> EvalPoint:
    return EvalPoint(
        step,
        seconds,
        float(scores.get("ents_f") or 0.0),
        float(scores.get("ents_p") or 0.0),
        float(scores.get("ents_r") or 0.0),
        scores.get("ents_per_type") or {},
    )


def _flat_weights(nlp: Any) -> numpy.ndarray:
    """A float64 copy of every trainable weight in one vector, fetched anew since the
    optimizer may replace the arrays; differences of float32 values are exact in float64."""
    return numpy.concatenate([weights.ravel() for weights in trainable_params(nlp).values()], dtype=numpy.float64)


def _cosine(a: numpy.ndarray, b: Optional[numpy.ndarray]) -> Optional[float]:
    """cos(a, b); None where it is undefined (no previous update, or a zero one)."""
    if b is None:
        return None
    norms = float(numpy.linalg.norm(a) * numpy.linalg.norm(b))
    return float(a @ b) / norms if norms > 0 else None


def _read_docs(nlp: Any, path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))
