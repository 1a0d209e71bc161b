"""MLflow tracking of finished runs (``--mlflow``, the optional ``mlflow`` extra).

Each record becomes one MLflow run, named after its spec: the settings of
its optimizer block, its peak rate, seed and budget as parameters; the loss
of every step and the dev scores of every evaluation as metric histories
(step = training step); optimizer, seed and status as tags; the plots given
as artifacts, with the record itself. Records are logged once they are all
finished, from the driver, whatever executor made them.

Logging is idempotent: each MLflow run is tagged with a hash of its record,
and a record already logged to the experiment is skipped, so that resuming
or repeating a comparison does not duplicate its runs.

The default store is a local ``mlruns/`` folder, no server. MLflow 3 keeps
that file store in maintenance mode and refuses it unless
``MLFLOW_ALLOW_FILE_STORE`` is set, which is done here for file stores;
``--mlflow-uri`` names any other (a server, ``sqlite:///mlflow.db``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence
from urllib.parse import urlparse

from .benchmark import read_optimizer_block
from .executors import Executor, make_executor
from .run import RunRecord
from .specs import RunSpec

DEFAULT_STORE = "mlruns"
#: MLflow's cap on one log_batch call: 1000 metrics, 100 params and tags in all.
BATCH_METRICS = 1000
#: The tag that holds a hash of the record an MLflow run was logged from.
RECORD_TAG = "record_sha256"


def tracking_uri(enabled: bool, uri: Optional[str] = None) -> Optional[str]:
    """The store a command logs to (``--mlflow``, ``--mlflow-uri``), checked before any run starts;
    None when tracking is off. The default is a file:// URI of ./mlruns."""
    if not enabled:
        if uri is not None:
            raise ValueError("--mlflow-uri names where --mlflow logs: it needs --mlflow")
        return None
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ValueError("--mlflow needs MLflow, an optional extra: pip install -e '.[mlflow]'") from None
    return uri or Path(DEFAULT_STORE).resolve().as_uri()


class Tracking:
    """The executor a command runs on, and the MLflow store its records go to with ``--mlflow``.

    Both are checked by :meth:`open` before the first run (an unknown backend,
    an unreachable Ray address, MLflow missing), so that a command fails before
    training anything. It is itself an executor: it keeps the records the one
    it wraps returns (once each: a study asks again for the runs it extends)
    and logs them with :meth:`log` once the command has written its plots.
    """

    def __init__(self, executor: Executor, uri: Optional[str], experiment: str):
        self.executor = executor
        self.uri = uri
        self.experiment = experiment
        self.records: dict[str, RunRecord] = {}

    @classmethod
    def open(
        cls, experiment: str, *, backend: str, jobs: int, address: Optional[str], mlflow: bool, mlflow_uri: Optional[str]
    ) -> "Tracking":
        uri = tracking_uri(mlflow, mlflow_uri)
        return cls(make_executor(backend, jobs=jobs, address=address), uri, experiment)

    def run(self, specs: Sequence[RunSpec], runs_dir: Path, desc: str) -> list[RunRecord]:
        records = self.executor.run(specs, runs_dir, desc)
        self.records.update((record_hash(record), record) for record in records)
        return records

    def log(self, artifacts: Iterable[Path]) -> Optional[str]:
        """Log the records kept, with ``artifacts``; a line saying what was logged, None when tracking is off."""
        if self.uri is None:
            return None
        logged = log_records(list(self.records.values()), self.uri, self.experiment, artifacts)
        return f"MLflow: {len(logged)} new run(s) in experiment '{self.experiment}' at {self.uri}"


def log_records(records: Sequence[RunRecord], uri: str, experiment: str, artifacts: Iterable[Path] = ()) -> list[str]:
    """Log each record not yet in ``experiment`` as an MLflow run; return the ids of the runs logged."""
    if urlparse(uri).scheme in ("", "file"):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found is not None else client.create_experiment(experiment)
    artifacts = [Path(path) for path in artifacts]
    logged = []
    for record in records:
        key = record_hash(record)
        if client.search_runs([experiment_id], filter_string=f"tags.{RECORD_TAG} = '{key}'", max_results=1):
            continue
        tags = {"optimizer": record.spec.optimizer, "seed": str(record.spec.seed), "status": record.status}
        run = client.create_run(experiment_id, run_name=record.spec.name, tags={**tags, RECORD_TAG: key})
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        params = [Param(name, str(value)) for name, value in run_params(record).items()]
        metrics = [Metric(name, value, now, step) for name, value, step in run_metrics(record)]
        client.log_batch(run_id, params=params)
        for start in range(0, len(metrics), BATCH_METRICS):
            client.log_batch(run_id, metrics=metrics[start : start + BATCH_METRICS])
        client.log_dict(run_id, record.to_json(), "record.json")
        if record.error:
            client.log_text(run_id, record.error, "error.txt")
        for path in artifacts:
            client.log_artifact(run_id, str(path))
        client.set_terminated(run_id, "FINISHED" if record.ok else "FAILED")
        logged.append(run_id)
    return logged


def run_params(record: RunRecord) -> dict[str, Any]:
    """The optimizer block's settings (its own learn_rate aside: the run's schedule replaces it),
    flattened as ``optimizer.NAME``, with the run's peak rate, seed and budget."""
    block = dict(read_optimizer_block(Path(record.spec.block))["training"]["optimizer"])
    block.pop("learn_rate", None)
    budget = {f"budget.{name}": value for name, value in vars(record.spec.budget).items()}
    return {**_flatten("optimizer", block), "learn_rate": record.spec.learn_rate, "seed": record.spec.seed, **budget}


def run_metrics(record: RunRecord) -> list[tuple[str, float, int]]:
    """(name, value, step): the loss of every step, the dev scores of every evaluation and the final scores."""
    metrics = [("loss", loss, step) for step, loss in enumerate(record.losses)]
    for point in record.evals:
        metrics += [(f"dev_{name}", getattr(point, name), point.step) for name in ("ents_f", "ents_p", "ents_r")]
    last = len(record.losses) - 1
    for name in ("test_f", "sentence_accuracy"):
        if getattr(record, name) is not None:
            metrics.append((name, getattr(record, name), last))
    return metrics


def record_hash(record: RunRecord) -> str:
    return hashlib.sha256(json.dumps(record.to_json(), sort_keys=True, default=float).encode()).hexdigest()


def _flatten(prefix: str, settings: dict) -> dict[str, Any]:
    """Nested config sections as dotted names; "@optimizers" and the like lose the "@" MLflow does not allow."""
    flat: dict[str, Any] = {}
    for name, value in settings.items():
        key = f"{prefix}.{name.lstrip('@')}"
        flat.update(_flatten(key, value) if isinstance(value, dict) else {key: value})
    return flat
