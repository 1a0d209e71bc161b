"""Where runs execute. Every executor takes specs and returns one record per spec, in order.

Each run has its own record file in ``runs_dir``; a spec whose file holds a
finished record of that very spec is not run again, so an interrupted
comparison resumes where it stopped, whatever the executor. The records are
the same whichever executor made them, since a run depends on its spec only.

:class:`LocalExecutor` (the default, no server) runs each spec in its own
process, forked from a server that has already imported spaCy (a run does
not pay its ~10 s of imports); that makes the peak RSS of a run its own and
lets runs proceed side by side on the machine's cores. An interrupted
comparison (Ctrl-C) stops every run it started before it returns: none goes
on training in the background.

:class:`RayExecutor` (``--backend ray``, the optional ``ray`` extra) runs each
spec as a Ray task of one CPU, on a local instance it starts or on the
cluster at ``--address``. A task returns its record to the driver, which
saves it in ``runs_dir``: the cluster's nodes need not share the driver's
disk, only have travel_ner installed and see the config, corpus and blocks
at the paths the specs name (a local instance's workers start in the
driver's directory, so relative paths work there; a cluster needs paths
valid on its nodes).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import resource
import socket
import sys
from dataclasses import replace
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty
from typing import Any, Iterable, Optional, Protocol, Sequence

from spacy.util import load_config
from tqdm import tqdm

from .run import RunRecord, is_finished, read_record, run_or_record_error, save_record
from .specs import RunSpec

#: One BLAS thread per run: the runs themselves fill the cores.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class Executor(Protocol):
    def run(self, specs: Sequence[RunSpec], runs_dir: Path, desc: str) -> list[RunRecord]:
        """Run every spec without a finished record in ``runs_dir``; return all records, in spec order."""


def record_paths(specs: Sequence[RunSpec], runs_dir: Path) -> dict[RunSpec, Path]:
    """Each spec's record file; two different specs of one name (the same optimizer, rate and seed with
    another budget) would overwrite each other's record, so they are refused before any run."""
    paths = {spec: runs_dir / f"{spec.name}.json" for spec in specs}
    if len(set(paths.values())) < len(paths):
        names = sorted({spec.name for spec in paths if sum(s.name == spec.name for s in paths) > 1})
        raise ValueError(f"{runs_dir}: different specs would share a record file: {', '.join(names)}")
    runs_dir.mkdir(parents=True, exist_ok=True)
    return paths


def todo(paths: dict[RunSpec, Path]) -> list[RunSpec]:
    """The specs whose record is missing, failed with an error, or belongs to another spec; the longest
    budgets first, so that a long run does not start last and leave the other cores idle."""
    waiting = [spec for spec, path in paths.items() if not is_finished(path, spec)]
    return sorted(waiting, key=lambda spec: -spec.budget.steps)


class LocalExecutor:
    """Runs on this machine, one process per run, ``jobs`` at a time."""

    def __init__(self, jobs: int = 0):
        self.jobs = jobs or os.cpu_count() or 1

    def run(self, specs: Sequence[RunSpec], runs_dir: Path, desc: str) -> list[RunRecord]:
        """A run whose process dies (killed, out of memory) is recorded as an error; on any
        exception, a KeyboardInterrupt included, the runs still going are stopped."""
        paths = record_paths(specs, runs_dir)
        waiting = todo(paths)
        if waiting:
            for var in THREAD_VARIABLES:
                os.environ.setdefault(var, "1")
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__, _language_module(waiting[0])])
            steps_total = sum(spec.budget.steps + 1 for spec in waiting)
            progress = context.Queue()
            running: dict[RunSpec, BaseProcess] = {}
            with (
                tqdm(total=len(specs), initial=len(specs) - len(waiting), desc=f"{desc} runs", unit="run") as run_bar,
                tqdm(total=steps_total, desc=f"{desc} steps", unit="step") as step_bar,
            ):
                try:
                    while waiting or running:
                        while waiting and len(running) < self.jobs:
                            spec = waiting.pop(0)
                            running[spec] = context.Process(target=_execute, args=(spec, paths[spec], progress))
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


def _execute(spec: RunSpec, path: Path, progress: Any) -> None:
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
        save_record(path, run_or_record_error(spec, report))
        progress.put(spec.budget.steps + 1 - done)
    except KeyboardInterrupt:
        sys.exit(130)


def _language_module(spec: RunSpec) -> str:
    """spaCy's module of the config's language: its tokenizer exceptions take seconds to import."""
    return f"spacy.lang.{load_config(spec.config, interpolate=False)['nlp']['lang']}"


def _status(path: Path, spec: RunSpec, exitcode: int) -> str:
    """The status a finished process left in its record; a process that died saved none, so one is saved."""
    if exitcode == 0:
        return read_record(path).status
    error = f"the run's process ended with exit code {exitcode} before saving its record"
    save_record(path, RunRecord(spec, "error", error=error))
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


def _drain(queue: Any) -> int:
    count = 0
    while True:
        try:
            count += queue.get_nowait()
        except Empty:
            return count


class RayExecutor:
    """Runs each spec as a Ray task of one CPU, ``jobs`` at a time (0: as many as the cluster's CPUs take).

    Each task runs in a fresh worker process (``max_calls=1``), as each local
    run has its own process, so that a run's peak RSS and CPU time are its
    own; one BLAS thread per task, as locally, gives the same losses bit for
    bit. A task is not retried: a run whose worker dies is recorded as an
    error and runs again on the next invocation, as locally. On any
    exception, a KeyboardInterrupt included, the tasks still going are
    cancelled (their workers killed) and nothing is saved for them.
    """

    def __init__(self, jobs: int = 0):
        self.jobs = jobs

    def run(self, specs: Sequence[RunSpec], runs_dir: Path, desc: str) -> list[RunRecord]:
        import ray

        paths = record_paths(specs, runs_dir)
        waiting = todo(paths)
        task = ray.remote(
            num_cpus=1, max_calls=1, max_retries=0, runtime_env={"env_vars": {var: "1" for var in THREAD_VARIABLES}}
        )(_ray_task)
        running: dict[Any, RunSpec] = {}
        with tqdm(total=len(specs), initial=len(specs) - len(waiting), desc=f"{desc} runs", unit="run") as run_bar:
            try:
                while waiting or running:
                    while waiting and (not self.jobs or len(running) < self.jobs):
                        spec = waiting.pop(0)
                        running[task.remote(spec)] = spec
                    # A timeout, so that a Ctrl-C is seen between waits.
                    done, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
                    for ref in done:
                        spec = running.pop(ref)
                        record = _ray_record(ref, spec)
                        save_record(paths[spec], record)
                        run_bar.update(1)
                        if record.status != "ok":
                            run_bar.write(f"{spec.name}: {record.status}")
            finally:
                for ref in running:
                    ray.cancel(ref, force=True)
        return [read_record(paths[spec]) for spec in specs]


def _ray_task(spec: RunSpec) -> dict:
    """A Ray task: one run, its record as JSON data. As the local forkserver does, the language
    is imported first, and the CPU time the worker spent before the run is not counted as the run's."""
    importlib.import_module(_language_module(spec))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    record = run_or_record_error(spec, lambda steps: None)
    if record.cpu_seconds is not None:
        record = replace(record, cpu_seconds=record.cpu_seconds - usage.ru_utime - usage.ru_stime)
    return record.to_json()


def _ray_record(ref: Any, spec: RunSpec) -> RunRecord:
    """The record a task returned, or an error record if its worker died or it was cancelled."""
    import ray

    try:
        return RunRecord.from_json(ray.get(ref))
    except ray.exceptions.RayError as error:
        return RunRecord(spec, "error", error=f"the run's Ray task ended before returning its record: {error}")


BACKENDS = ("local", "ray")


def make_executor(backend: str = "local", *, jobs: int = 0, address: Optional[str] = None) -> Executor:
    """The executor a command line names (``--backend``, ``--jobs``, ``--address``), checked before any run starts.

    The Ray backend connects at once: to the cluster at ``address`` (HOST:PORT,
    ray://HOST:PORT or auto), or to a local instance it starts with ``jobs``
    CPUs (0: all); a process where Ray is already initialised keeps its instance.
    """
    if backend not in BACKENDS:
        raise ValueError(f"--backend {backend!r} is not one of: {', '.join(BACKENDS)}")
    if backend == "local":
        if address is not None:
            raise ValueError("--address names a Ray cluster: it needs --backend ray")
        return LocalExecutor(jobs)
    try:
        import ray
    except ImportError:
        raise ValueError("--backend ray needs Ray, an optional extra: pip install -e '.[ray]'") from None
    if address is not None and address != "auto":
        _probe(address)
    if not ray.is_initialized():
        try:
            ray.init(address=address, num_cpus=None if address else jobs or None)
        except ConnectionError as error:
            raise ValueError(f"--address {address}: {error}") from None
    return RayExecutor(jobs)


def _probe(address: str) -> None:
    """Fail at once where nothing listens at ``address``: ray.init would wait a minute or more."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as error:
        raise ValueError(
            f"--address {address}: no Ray cluster answers there ({error}); start one there with "
            "`ray start --head`, or leave --address out to start a local instance"
        ) from None
