"""Optimizer comparison runs and learning-rate sweeps on the real NER pipeline.

Every run trains ``configs/config.cfg`` through spaCy's own training machinery
(``init_nlp``, ``create_train_batches``, ``train_while_improving``), so a
difference between two runs comes from the optimizer block alone: corpus,
seed, batches, step budget and the shape of the learning-rate schedule
(warm-up then linear decay) are the same for all; only the peak rate is each
optimizer's own, read from the list file (``configs/compare.yml``).

spaCy's logger only sees evaluation steps, so the loop is driven here: the
loop's ``losses`` dict accumulates from one evaluation to the next, and the
loss of a step is the growth of its sum since the previous step (tok2vec's
entry, a gradient norm, left out). Each step also records the cosine between
its weight update and the previous one, where oscillation shows.

Each run is one process (forked from a server that has already imported
spaCy, so a run does not pay its ~10 s of imports), which makes the peak RSS
of a run its own and lets runs proceed side by side on the machine's cores.
A run depends only on its spec: the same spec gives the same losses, bit for
bit, whatever ran beside it. Each run writes its own record file: a
comparison that is interrupted and started again skips the runs whose record
matches their spec, and a run that fails (an exception, a diverging loss) is
recorded without stopping the others. An interrupted comparison (Ctrl-C) stops
every run it started before it returns: none goes on training in the background.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import multiprocessing
import os
import resource
import statistics
import sys
import traceback
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty
from timeit import default_timer as timer
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy
import srsly
from spacy.pipeline import Tok2Vec
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import create_evaluation_callback, create_train_batches, train_while_improving
from spacy.util import load_config, registry, resolve_dot_names
from thinc.api import Config, fix_random_seed
from tqdm import tqdm

from . import plots
from ..files import write_atomic
from .benchmark import read_optimizer_block, state_floats, trainable_params, with_optimizer
from ..ner.scoring import score

TARGET_F = 0.90
SPLITS = ("train", "dev", "test", "handwritten_test")
#: Statuses whose record is final: a resumed comparison does not run them again.
FINISHED = ("ok", "diverged")


@dataclass(frozen=True)
class Budget:
    """What every run of one comparison shares, so that runs are comparable.

    ``steps`` counts updates as spaCy's ``max_steps`` does (steps 0..steps);
    ``train_limit`` and ``dev_limit`` cap the documents read (0: all), which
    bounds start-up and evaluation time on a large corpus.
    """

    steps: int = 600
    eval_frequency: int = 50
    warmup_steps: int = 60
    train_limit: int = 4000
    dev_limit: int = 300


@dataclass(frozen=True)
class Entry:
    """One optimizer of the list file: its ready config block and peak rate."""

    name: str
    block: Path
    learn_rate: float


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a run; a saved record is reused only if its spec is equal."""

    optimizer: str
    block: str
    learn_rate: float
    seed: int
    config: str
    corpus: str
    budget: Budget
    fingerprint: str

    @property
    def name(self) -> str:
        return f"{self.optimizer}-lr{self.learn_rate:.3g}-seed{self.seed}"


def read_entries(list_path: Path) -> list[Entry]:
    """The optimizers of the list file; block paths are relative to the file."""
    data = srsly.read_yaml(list_path)
    return [
        Entry(item["name"], (list_path.parent / item["block"]).resolve(), float(item["learn_rate"]))
        for item in data["optimizers"]
    ]


def write_learn_rates(list_path: Path, rates: dict[str, float], source: str) -> None:
    """Set the peak rates found by a sweep, keeping the file's header comments and order."""
    text = list_path.read_text(encoding="utf8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    data = srsly.read_yaml(list_path)
    for item in data["optimizers"]:
        if item["name"] in rates:
            item["learn_rate"] = float(f"{rates[item['name']]:.3g}")
            item["source"] = source
    write_atomic(list_path, header + srsly.yaml_dumps(data))


def select(entries: Sequence[Entry], names: Optional[Sequence[str]]) -> list[Entry]:
    """The entries named (all when ``names`` is empty), failing on an unknown name."""
    if not names:
        return list(entries)
    known = {entry.name: entry for entry in entries}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"not in the list file: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[name] for name in names]


def make_specs(
    entries: Iterable[Entry], seeds: Iterable[int], config: Path, corpus: Path, budget: Budget
) -> list[RunSpec]:
    """One spec per optimizer and seed, fingerprinted by the bytes of every input file,
    the source of the optimizer's implementation included."""
    specs = []
    shared = [config, *(corpus / f"{split}.spacy" for split in SPLITS)]
    for entry in entries:
        source = Path(inspect.getsourcefile(registry.optimizers.get(entry.name)))
        fingerprint = _fingerprint([*shared, entry.block, source])
        for seed in seeds:
            specs.append(
                RunSpec(
                    entry.name, str(entry.block), entry.learn_rate, seed, str(config), str(corpus), budget, fingerprint
                )
            )
    return specs


def build_config(spec: RunSpec) -> Config:
    """The pipeline config with the spec's optimizer block, schedule, seed and budget."""
    corpus = Path(spec.corpus)
    budget = spec.budget
    overrides = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "training.seed": spec.seed,
        "training.max_steps": budget.steps,
        "training.eval_frequency": budget.eval_frequency,
        "training.patience": 0,
        "training.max_epochs": 0,
        "corpora.train.limit": budget.train_limit,
        "corpora.dev.limit": budget.dev_limit,
    }
    config = with_optimizer(load_config(spec.config, overrides=overrides, interpolate=False), Path(spec.block))
    config["training"]["optimizer"]["learn_rate"] = {
        "@schedules": "warmup_linear.v1",
        "initial_rate": spec.learn_rate,
        "warmup_steps": budget.warmup_steps,
        "total_steps": budget.steps,
    }
    return config


def train_run(spec: RunSpec, report: Callable[[int], None]) -> dict[str, Any]:
    """Train once and measure; ``report(1)`` is called after each step for progress bars."""
    start = timer()
    nlp = init_nlp(build_config(spec))
    config = nlp.config.interpolate()
    # As spacy.training.loop.train does: same seed again, a fresh optimizer.
    fix_random_seed(config["training"]["seed"])
    T = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    train_corpus, dev_corpus = resolve_dot_names(config, [T["train_corpus"], T["dev_corpus"]])
    optimizer = T["optimizer"]
    evaluate = create_evaluation_callback(nlp, dev_corpus, T["score_weights"])
    loop = train_while_improving(
        nlp,
        optimizer,
        create_train_batches(nlp, train_corpus, T["batcher"], T["max_epochs"]),
        evaluate,
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"],
        max_steps=T["max_steps"],
        eval_frequency=T["eval_frequency"],
        exclude=T["frozen_components"],
        annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    )
    # tok2vec reports the squared norm of the gradient its listeners send back, not an objective.
    objectives = [name for name, proc in nlp.pipeline if not isinstance(proc, Tok2Vec)]
    losses: list[float] = []  # finite only: a diverged run stops before its first non-finite loss
    learn_rates = [float(optimizer.learn_rate)]  # the rate of step s is drawn before step s's update
    # Batch noise hides oscillation in the loss; the angle between successive updates shows it.
    cosines: list[Optional[float]] = []
    weights, update = _flat_weights(nlp), None
    evals: list[dict[str, Any]] = []
    status, diverged_at = "ok", None
    since_eval = 0.0
    loop_start = timer()
    for _batch, info, checkpoint in loop:
        total = sum(info["losses"].get(name, 0.0) for name in objectives)
        loss = float(total - since_eval)
        # The loop starts a new losses dict after each evaluation.
        since_eval = 0.0 if checkpoint is not None else total
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
            evals.append(_eval_record(info["step"], timer() - loop_start, info["other_scores"]))
    train_seconds = timer() - loop_start
    record: dict[str, Any] = {
        "spec": asdict(spec),
        "status": status,
        "diverged_at": diverged_at,
        "losses": losses,
        "learn_rates": learn_rates[: len(losses)],
        "update_cosines": cosines,
        "evals": evals,
        "train_seconds": train_seconds,
    }
    if status == "ok":
        with nlp.use_params(optimizer.averages):
            if evals[-1]["step"] != len(losses) - 1:
                evals.append(_eval_record(len(losses) - 1, train_seconds, evaluate()[1]))
            test = score(nlp, _read_docs(nlp, Path(spec.corpus) / "test.spacy"))
            handwritten = score(nlp, _read_docs(nlp, Path(spec.corpus) / "handwritten_test.spacy"))
        reached = next((e for e in evals if e["ents_f"] >= TARGET_F), None)
        record.update(
            dev_f=evals[-1]["ents_f"],
            test_f=test["ents_f"],
            sentence_accuracy=handwritten["sentence_accuracy"],
            handwritten_by_category=handwritten["by_category"],
            steps_to_target=reached["step"] if reached else None,
            seconds_to_target=reached["seconds"] if reached else None,
        )
    # Last, since it runs one more update (on copies of the weights) that touches the averages.
    record["state_multiple"] = 1 + state_floats(optimizer, trainable_params(nlp))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    record["wall_seconds"] = timer() - start
    record["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # about the wall time on an idle core
    record["peak_rss_mib"] = usage.ru_maxrss / 1024
    return record


def execute(spec: RunSpec, path: Path, progress: Any) -> None:
    """Entry point of a run's process: train, record any failure, save the record.

    ``progress`` is a queue that receives step counts; it always receives the
    run's full step count in total, so that the parent's step bar ends full.
    A Ctrl-C reaches the whole process group: the run then ends at once and
    quietly, saving nothing, so that the next invocation runs it again.
    """
    done = 0

    def report(steps: int) -> None:
        nonlocal done
        done += steps
        progress.put(steps)

    try:
        try:
            record = train_run(spec, report)
        except Exception:
            record = {"spec": asdict(spec), "status": "error", "error": traceback.format_exc()}
        save_record(path, record)
        progress.put(spec.budget.steps + 1 - done)
    except KeyboardInterrupt:
        sys.exit(130)


def run_specs(specs: Sequence[RunSpec], runs_dir: Path, jobs: int, desc: str) -> list[dict[str, Any]]:
    """Run every spec without a finished record, one process each, ``jobs`` at a time; return all records.

    A run whose process dies (killed, out of memory) is recorded as an error;
    errors are run again by the next invocation, finished runs are not. On any
    exception, a KeyboardInterrupt included, the runs still going are stopped.
    """
    runs_dir.mkdir(parents=True, exist_ok=True)
    paths = {spec: runs_dir / f"{spec.name}.json" for spec in specs}
    todo = [spec for spec in specs if not _finished(paths[spec], spec)]
    if todo:
        # One BLAS thread per run: the runs themselves fill the cores.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        context = multiprocessing.get_context("forkserver")
        lang = load_config(todo[0].config, interpolate=False)["nlp"]["lang"]
        context.set_forkserver_preload([__name__, f"spacy.lang.{lang}"])
        steps_total = sum(spec.budget.steps + 1 for spec in todo)
        progress = context.Queue()
        running: dict[RunSpec, BaseProcess] = {}
        with (
            tqdm(total=len(specs), initial=len(specs) - len(todo), desc=f"{desc} runs", unit="run") as run_bar,
            tqdm(total=steps_total, desc=f"{desc} steps", unit="step") as step_bar,
        ):
            try:
                while todo or running:
                    while todo and len(running) < jobs:
                        spec = todo.pop(0)
                        running[spec] = context.Process(target=execute, args=(spec, paths[spec], progress))
                        running[spec].start()
                    wait([process.sentinel for process in running.values()], timeout=0.5)
                    step_bar.update(_drain(progress))
                    for spec, process in list(running.items()):
                        if process.exitcode is None:
                            continue
                        del running[spec]
                        status = _status(paths[spec], spec, process.exitcode)
                        run_bar.update(1)
                        if status != "ok":
                            run_bar.write(f"{spec.name}: {status}")
                step_bar.update(_drain(progress))
            finally:
                _stop(running.values())
    return [read_record(paths[spec]) for spec in specs]


def _status(path: Path, spec: RunSpec, exitcode: int) -> str:
    """The status a finished process left in its record; a process that died saved none, so one is saved."""
    if exitcode == 0:
        return read_record(path)["status"]
    error = f"the run's process ended with exit code {exitcode} before saving its record"
    save_record(path, {"spec": asdict(spec), "status": "error", "error": error})
    return "error"


def _stop(processes: Iterable[BaseProcess]) -> None:
    """Terminate the runs still going, and kill any that outlives a few seconds of grace."""
    started = [process for process in processes if process.pid is not None]
    for process in started:
        process.terminate()
    for process in started:
        process.join(5)
        if process.exitcode is None:
            process.kill()
            process.join()


def compare(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    seeds: int = 3,
    jobs: int = 1,
    budget: Budget = Budget(),
) -> list[dict[str, Any]]:
    """Run (or resume) the comparison and write results.json, results.md and the plots."""
    entries = select(read_entries(list_path), names)
    specs = make_specs(entries, range(seeds), config, corpus, budget)
    records = run_specs(specs, output / "runs", jobs, "compare")
    write_atomic(output / "results.json", json.dumps(records, indent=1) + "\n")
    rows = summarize(records, [entry.name for entry in entries])
    write_atomic(output / "results.md", results_table(rows, budget, seeds))
    write_plots(records, [entry.name for entry in entries], output)
    return records


def lr_sweep(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    span: float = 1.5,
    points: int = 7,
    seed: int = 0,
    jobs: int = 1,
    budget: Budget,
) -> dict[str, float]:
    """Short runs per optimizer over ``points`` log-spaced peak rates, ``span``
    decades either side of its block's own rate; write the best rate of each into the list file.

    The grid is centred on the block's rate rather than on the list file's,
    so that a second sweep reuses the first one's runs instead of drifting.
    The best rate has the highest final dev F, ties broken by the lowest
    final loss (the mean loss of the last tenth of the steps), since short
    runs often leave several rates at the same F.
    """
    entries = select(read_entries(list_path), names)
    factors = numpy.logspace(-span, span, points)
    specs = [
        replace(spec, learn_rate=float(f"{block_rate(Path(spec.block)) * factor:.3g}"))
        for spec in make_specs(entries, [seed], config, corpus, budget)
        for factor in factors
    ]
    records = run_specs(specs, output / "runs", jobs, "lr-sweep")
    sweep: dict[str, list[dict[str, Any]]] = {entry.name: [] for entry in entries}
    for record in records:
        spec = record["spec"]
        ok = record["status"] == "ok"
        sweep[spec["optimizer"]].append(
            {
                "learn_rate": spec["learn_rate"],
                "status": record["status"],
                "final_loss": final_loss(record["losses"]) if ok else None,
                "dev_f": record["dev_f"] if ok else None,
            }
        )
    best = {
        name: max(ok, key=lambda p: (p["dev_f"], -p["final_loss"]))["learn_rate"]
        for name, results in sweep.items()
        if (ok := [p for p in results if p["status"] == "ok"])
    }
    write_atomic(output / "sweep.json", json.dumps({"points": sweep, "best": best}, indent=1) + "\n")
    plots.lr_sweep(output / "lr_sweep.png", sweep, best)
    write_learn_rates(list_path, best, f"lr-sweep ({budget.steps} steps, seed {seed})")
    return best


def block_rate(block: Path) -> float:
    """The peak rate an optimizer's block sets: its schedule's initial_rate, or a constant."""
    rate = read_optimizer_block(block)["training"]["optimizer"]["learn_rate"]
    return float(rate["initial_rate"] if isinstance(rate, dict) else rate)


def final_loss(losses: Sequence[float]) -> float:
    """Mean loss over the last tenth of a run: one step's loss is too noisy to rank by."""
    tail = losses[-max(1, len(losses) // 10) :]
    return sum(tail) / len(tail)


def summarize(records: Sequence[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """One row per optimizer: mean and std over its seeds, and how many runs failed."""
    rows = []
    for name in names:
        runs = [r for r in records if r["spec"]["optimizer"] == name]
        ok = [r for r in runs if r["status"] == "ok"]
        reached = [r for r in ok if r["steps_to_target"] is not None]
        row: dict[str, Any] = {
            "optimizer": name,
            "learn_rate": runs[0]["spec"]["learn_rate"],
            "seeds": len(runs),
            "ok": len(ok),
            "diverged_at": [r["diverged_at"] for r in runs if r["status"] == "diverged"],
            "errors": sum(r["status"] == "error" for r in runs),
            "reached": len(reached),
        }
        for key, source in [("dev_f", ok), ("test_f", ok), ("sentence_accuracy", ok), ("wall_seconds", ok),
                            ("steps_to_target", reached), ("seconds_to_target", reached),
                            ("state_multiple", [r for r in runs if "state_multiple" in r])]:
            row[key] = _mean_std([r[key] for r in source])
        rows.append(row)
    return rows


def results_table(rows: Sequence[dict[str, Any]], budget: Budget, seeds: int) -> str:
    """The markdown table of results.md; failed runs are named in the dev F column."""
    lines = [
        f"# Optimizer comparison: {budget.steps} steps, warm-up {budget.warmup_steps}, "
        f"evaluation every {budget.eval_frequency} steps, {seeds} seed(s), mean ± std over seeds",
        "",
        f"| optimizer | peak lr | dev F | test F | sentence acc. | steps to dev F ≥ {TARGET_F:.2f} "
        f"| seconds to dev F ≥ {TARGET_F:.2f} | wall time (s) | state memory |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        failures = [f"diverged @ step {step}" for step in row["diverged_at"]]
        failures += [f"{row['errors']} error(s)"] if row["errors"] else []
        dev = _fmt(row["dev_f"], ".3f") + (f" ({'; '.join(failures)})" if failures else "")
        reach = f" ({row['reached']}/{row['ok']})" if row["reached"] < row["ok"] else ""
        lines.append(
            f"| {row['optimizer']} | {row['learn_rate']:.3g} | {dev} | {_fmt(row['test_f'], '.3f')} "
            f"| {_fmt(row['sentence_accuracy'], '.3f')} | {_fmt(row['steps_to_target'], '.0f')}{reach} "
            f"| {_fmt(row['seconds_to_target'], '.1f')}{reach} | {_fmt(row['wall_seconds'], '.1f')} "
            f"| {_fmt(row['state_multiple'], '.2f')} n |"
        )
    lines += [
        "",
        f"- dev F: entity F at the last step on the dev set (first {budget.dev_limit or 'all'} sentences), "
        "with the parameter averages, as spaCy evaluates; test F: corpus/test.spacy; sentence accuracy: "
        "hand-written test sentences (departure and arrival both right, or no trip found where there is none).",
        f"- steps and seconds to dev F ≥ {TARGET_F:.2f}: the first evaluation (every {budget.eval_frequency} "
        "steps) at or above it, over the seeds that reached it (k/n when not all did).",
        "- wall time: the whole run in its own process (set-up, training, evaluations, test scoring) while "
        "other runs share the cores; `cpu_seconds` in results.json is the time it would take on an idle core.",
        "- state memory: weights plus optimizer state (parameter averages excluded), in multiples of the "
        "number of weights n.",
    ]
    return "\n".join(lines) + "\n"


def write_plots(records: Sequence[dict[str, Any]], names: Sequence[str], output: Path) -> None:
    """Loss, dev F, learning rates and the SGD/Momentum close-up, from the finished runs."""
    ok = {name: [r for r in records if r["spec"]["optimizer"] == name and r["status"] == "ok"] for name in names}
    ok = {name: runs for name, runs in ok.items() if runs}
    if not ok:
        return
    budget = Budget(**next(iter(ok.values()))[0]["spec"]["budget"])
    window = max(1, budget.steps // 30)
    plots.curves(
        output / "loss.png",
        {name: _band([_smooth(r["losses"], window) for r in runs]) for name, runs in ok.items()},
        title=f"Training loss (moving average over {window} steps; band: min–max over seeds)",
        ylabel="loss per step",
        log_y=True,
    )
    plots.curves(
        output / "dev_f.png",
        {name: _band([[e["ents_f"] for e in r["evals"]] for r in runs], [e["step"] for e in runs[0]["evals"]])
         for name, runs in ok.items()},
        title="Dev entity F (band: min–max over seeds)",
        ylabel="dev F",
        log_y=False,
    )
    rates = {name: runs[0]["learn_rates"] for name, runs in ok.items()}
    plots.learning_rates(
        output / "learning_rates.png", rates, {name: numpy.divide(values, max(values)) for name, values in rates.items()}
    )
    if "SGD.v1" in ok and "Momentum.v1" in ok:
        # A quarter of the run from the end of warm-up, where the rate is highest.
        start = budget.warmup_steps
        steps = list(range(start, min(start + max(10, budget.steps // 4), budget.steps + 1)))
        pair = {name: ok[name][0] for name in ("SGD.v1", "Momentum.v1")}
        cosines = {name: numpy.array([r["update_cosines"][s] for s in steps], dtype=float) for name, r in pair.items()}
        summary = ", ".join(f"{name} {numpy.nanmean(values):+.2f}" for name, values in cosines.items())
        plots.closeup(
            output / "sgd_vs_momentum.png",
            {name: (steps, [r["losses"][s] for s in steps]) for name, r in pair.items()},
            {name: (steps, values) for name, values in cosines.items()},
            title=f"SGD vs Momentum, first seed (mean cosine of successive updates: {summary})",
        )


def read_record(path: Path) -> dict[str, Any]:
    """Read a run's record with the standard library: srsly's ujson rounds some floats,
    which would break step-for-step comparisons of losses."""
    return json.loads(path.read_text(encoding="utf8"))


def save_record(path: Path, record: dict[str, Any]) -> None:
    """Write one run's record; numpy scalars from scorers are written as floats."""
    write_atomic(path, json.dumps(record, default=float, allow_nan=False) + "\n")


def _finished(path: Path, spec: RunSpec) -> bool:
    if not path.is_file():
        return False
    record = read_record(path)
    return record["status"] in FINISHED and record["spec"] == asdict(spec)


def _drain(queue: Any) -> int:
    count = 0
    while True:
        try:
            count += queue.get_nowait()
        except Empty:
            return count


def _eval_record(step: int, seconds: float, scores: dict[str, Any]) -> dict[str, Any]:
    return {
        "step": step,
        "seconds": seconds,
        "ents_f": scores.get("ents_f") or 0.0,
        "ents_p": scores.get("ents_p") or 0.0,
        "ents_r": scores.get("ents_r") or 0.0,
        "ents_per_type": scores.get("ents_per_type") or {},
    }


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


def _fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average; the first points average what there is so far."""
    cumsum = numpy.cumsum(numpy.asarray(values, dtype=float))
    out = cumsum.copy()
    out[window:] = cumsum[window:] - cumsum[:-window]
    return list(out / numpy.minimum(numpy.arange(1, len(values) + 1), window))


def _band(series: Sequence[Sequence[float]], x: Optional[Sequence[int]] = None) -> plots.Band:
    data = numpy.asarray(series, dtype=float)
    return plots.Band(
        numpy.arange(data.shape[1]) if x is None else numpy.asarray(x), data.mean(0), data.min(0), data.max(0)
    )


def _mean_std(values: Sequence[float]) -> Optional[tuple[float, Optional[float]]]:
    """Mean and sample standard deviation; no deviation for a single run."""
    if not values:
        return None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def _fmt(value: Optional[tuple[float, Optional[float]]], spec: str) -> str:
    if value is None:
        return "—"
    mean, std = value
    return f"{mean:{spec}}" if std is None else f"{mean:{spec}} ± {std:{spec}}"
