"""Memory and speed of every optimizer on the project's NER pipeline.

The optimizers differ in the state they keep per parameter (0 floats for SGD,
up to 3 for AMSGrad) and in the work of one update. Both are measured here on
the parameters spaCy's trainer actually hands to the optimizer, so that the
comparison of training curves can be read against their cost.
"""

import inspect
import statistics
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy
import spacy
from spacy.cli.init_config import init_config
from spacy.language import Language
from spacy.training import Example
from thinc.api import Config, Optimizer, registry
from thinc.backends import get_array_ops
from thinc.optimizers import KeyT
from thinc.types import FloatsXd
from thinc.util import is_xp_array

from .. import optim  # noqa: F401 -- registers ours without entry points
from ..ner.annotations import Annotated, to_doc

# Without a model or config, as installed (no checkout, so no configs/): spaCy's own
# French tok2vec + NER. State per parameter does not depend on the architecture.
DEFAULT_PIPELINE = "spaCy's default French tok2vec + ner"
THINC_OPTIMIZERS = ("Adam.v1", "RAdam.v1", "SGD.v1")
OUR_OPTIMIZERS = tuple(
    f"{name}.v1"
    for name in (
        "Momentum", "Adagrad", "RMSProp", "AdaDelta", "AdamW", "AdaMax", "NAdam", "Lion", "Rprop", "ASGD", "Adafactor",
        "Muon", "ScheduleFreeAdamW", "LAMB",
    )
)
ALL_OPTIMIZERS = THINC_OPTIMIZERS + OUR_OPTIMIZERS
# Settings that change the state size, reported as extra rows.
STATE_VARIANTS: Dict[str, List[Dict[str, Any]]] = {
    "RMSProp.v1": [{"centered": True}, {"centered": True, "momentum": 0.9}],
    "AdamW.v1": [{"amsgrad": True}],
}
# SGD.v1 has no default learn_rate; any value works for memory and timing.
BENCH_LEARN_RATE = 0.001
# The work the trainer asks of an optimizer in configs/config.cfg (thinc's
# Adam.v1 there: grad_clip 1.0, L2 0.01 decoupled, parameter averages as every
# factory's default and every block in configs/optimizers), the same for all.
BENCH_SETTINGS: Dict[str, Any] = {
    "learn_rate": BENCH_LEARN_RATE,
    "L2": 0.01,
    "L2_is_weight_decay": True,
    "grad_clip": 1.0,
    "use_averages": True,
}
# (text, departure, arrival): enough for the NER to learn its labels.
SAMPLE_TRIPS = [
    ("Je veux aller de Paris à Lyon demain", "Paris", "Lyon"),
    ("Un billet de Marseille pour Lille s'il vous plaît", "Marseille", "Lille"),
    ("Comment me rendre à Nantes depuis Bordeaux ?", "Bordeaux", "Nantes"),
    ("Train Toulouse Strasbourg samedi matin", "Toulouse", "Strasbourg"),
]


def sample_examples(nlp: Language) -> List[Example]:
    """A few hand-made DEP/ARR examples, with their trip class, to initialize a pipeline with."""
    return [Example(nlp.make_doc(trip[0]), to_doc(nlp, Annotated.trip(*trip))) for trip in SAMPLE_TRIPS]


def load_pipeline(model_path: Optional[Path] = None, config_path: Optional[Path] = None) -> Language:
    """The trained pipeline at `model_path`, else one built from `config_path` (or
    DEFAULT_PIPELINE) and initialized on `sample_examples` (same parameter shapes)."""
    if model_path is not None:
        return spacy.load(model_path)
    if config_path is None:
        config = init_config(lang="fr", pipeline=["ner"])
    else:
        config = spacy.util.load_config(config_path)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.initialize(lambda: sample_examples(nlp))
    return nlp


def trainable_params(nlp: Language) -> Dict[KeyT, FloatsXd]:
    """Every parameter spaCy's update passes to the optimizer, by its key
    (node id, name): trainable, unfrozen components, walked as thinc does."""
    frozen = set(nlp.config["training"].get("frozen_components", []))
    params: Dict[KeyT, FloatsXd] = {}
    for name in nlp.pipe_names:
        pipe = nlp.get_pipe(name)
        if name in frozen or not getattr(pipe, "is_trainable", False):
            continue
        for node in pipe.model.walk():
            for param_name in node.param_names:
                if node.has_param(param_name):
                    params[(node.id, param_name)] = node.get_param(param_name)
    return params


def make_optimizer(name: str, **overrides: Any) -> Optimizer:
    """An optimizer from its registered factory, with defaults except
    `overrides`, and a learn_rate if the factory requires one."""
    factory = registry.optimizers.get(name)
    if inspect.signature(factory).parameters["learn_rate"].default is inspect.Parameter.empty:
        overrides.setdefault("learn_rate", BENCH_LEARN_RATE)
    return factory(**overrides)


def _settings_caption(settings: Dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in settings.items())


def _arrays_in(value: Any) -> Iterator[FloatsXd]:
    if is_xp_array(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays_in(item)


def state_arrays(optimizer: Optimizer) -> Iterator[FloatsXd]:
    """The arrays an optimizer keeps in its attributes (thinc's mom1/mom2,
    our per-key state, ...), except the parameter averages and our scratch
    buffer (``_scratch``: one or two times the largest parameter, whatever
    the model's size, so not state per parameter)."""
    names = [slot for cls in type(optimizer).__mro__ for slot in getattr(cls, "__slots__", ())]
    names += list(getattr(optimizer, "__dict__", {}))
    for name in dict.fromkeys(names):
        if name not in ("averages", "_scratch"):
            yield from _arrays_in(getattr(optimizer, name, None))


def _gradients(params: Dict[KeyT, FloatsXd], seed: int = 0) -> Dict[KeyT, FloatsXd]:
    rng = numpy.random.default_rng(seed)
    return {
        key: get_array_ops(w).asarray(rng.normal(scale=1e-3, size=w.shape).astype(w.dtype))
        for key, w in params.items()
    }


def state_floats(optimizer: Optimizer, params: Dict[KeyT, FloatsXd]) -> float:
    """State floats per parameter float after one update over `params`
    (copies: the pipeline is left as it was)."""
    for key, grad in _gradients(params).items():
        optimizer(key, params[key].copy(), grad)
    return sum(int(a.size) for a in state_arrays(optimizer)) / sum(int(w.size) for w in params.values())


def time_updates(
    params: Dict[KeyT, FloatsXd],
    names: Sequence[str] = ALL_OPTIMIZERS,
    repeats: int = 20,
    settings: Optional[Dict[str, Any]] = None,
) -> Dict[str, List[float]]:
    """Seconds for one full update over `params`, per optimizer, `repeats`
    times, every optimizer built with the same `settings` (default
    BENCH_SETTINGS, the trainer's). Optimizers take turns, in a rotating
    order, so that drift in the machine's load hits all of them alike;
    gradients are refilled untimed."""
    settings = BENCH_SETTINGS if settings is None else settings
    built = {name: make_optimizer(name, **settings) for name in names}
    weights = {key: w.copy() for key, w in params.items()}
    source = _gradients(params)
    grads = {key: g.copy() for key, g in source.items()}
    timings: Dict[str, List[float]] = {name: [] for name in names}
    for round_ in range(repeats + 1):  # round 0 allocates state, untimed
        order = list(names[round_ % len(names):]) + list(names[: round_ % len(names)])
        for name in order:
            for key, g in grads.items():
                g[...] = source[key]
            optimizer = built[name]
            start = time.perf_counter()
            for key, w in weights.items():
                optimizer(key, w, grads[key])
            if round_:
                timings[name].append(time.perf_counter() - start)
    return timings


def benchmark_markdown(
    nlp: Language,
    repeats: int = 20,
    names: Sequence[str] = ALL_OPTIMIZERS,
    settings: Optional[Dict[str, Any]] = None,
) -> str:
    """Median update time, ratio to thinc's Adam.v1 and state size, as Markdown."""
    settings = BENCH_SETTINGS if settings is None else settings
    params = trainable_params(nlp)
    n = sum(int(w.size) for w in params.values())
    medians = {name: statistics.median(t) for name, t in time_updates(params, names, repeats, settings).items()}
    baseline = medians.get("Adam.v1")
    lines = [
        f"One update over the {len(params)} parameter tensors ({n:,} floats) of the "
        f"pipeline's {', '.join(nlp.pipe_names)}; median of {repeats} interleaved runs. "
        f"Every optimizer with {_settings_caption(settings)}, the rest its factory's "
        "defaults. State floats exclude the "
        "parameter averages, 1 more for every optimizer with use_averages.",
        "",
        "| optimizer | median ms | vs Adam.v1 | state floats / param |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        ratio = f"{medians[name] / baseline:.2f}" if baseline else "n/a"
        floats = state_floats(make_optimizer(name, use_averages=False), params)
        lines.append(f"| {name} | {medians[name] * 1e3:.2f} | {ratio} | {floats:g} |")
    return "\n".join(lines) + "\n"


def _arguments(name: str) -> str:
    parameters = inspect.signature(registry.optimizers.get(name)).parameters.values()
    return ", ".join(
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in parameters
    )


def optimizers_report(model_path: Optional[Path] = None, config_path: Optional[Path] = None) -> str:
    """Every available optimizer with its arguments and defaults, and the
    state floats it keeps per parameter, measured on the pipeline that
    `load_pipeline` gives for `model_path` and `config_path`."""
    nlp = load_pipeline(model_path, config_path)
    params = trainable_params(nlp)
    n = sum(int(w.size) for w in params.values())
    if model_path is not None:
        source = f"trained pipeline {model_path}"
    else:
        source = DEFAULT_PIPELINE if config_path is None else f"pipeline of {config_path}"
    rows: List[Tuple[str, str, float]] = []
    for name in ALL_OPTIMIZERS:
        rows.append((name, _arguments(name), state_floats(make_optimizer(name), params)))
        for variant in STATE_VARIANTS.get(name, []):
            settings = ", ".join(f"{k}={v!r}" for k, v in variant.items())
            rows.append((name, f"{settings} (others default)", state_floats(make_optimizer(name, **variant), params)))
    lines = [
        f"State measured after one update over {n:,} parameter floats ({source}); "
        "parameter averages (use_averages) add 1 more for every optimizer.",
        "",
        "| optimizer | arguments (defaults) | state floats / param |",
        "|---|---|---:|",
    ]
    lines += [f"| {name} | `{args}` | {floats:g} |" for name, args, floats in rows]
    return "\n".join(lines) + "\n"


def read_optimizer_block(block_path: Path) -> Config:
    """A configs/optimizers/*.cfg file as a config with a training section.
    The files hold [training.optimizer] alone, to be pasted into
    configs/config.cfg, so the [training] header is supplied here."""
    text = Path(block_path).read_text(encoding="utf8")
    block = Config().from_str("[training]\n" + text, interpolate=False)
    if "optimizer" not in block["training"]:
        raise ValueError(f"{block_path} has no [training.optimizer] section")
    return block


def with_optimizer(config: Config, block_path: Path) -> Config:
    """A copy of `config` whose [training.optimizer] section is the one in
    `block_path`, replaced whole: a merge would keep the old optimizer's
    arguments, which the new factory may not accept."""
    new = config.copy()
    new["training"]["optimizer"] = read_optimizer_block(block_path)["training"]["optimizer"]
    return new
