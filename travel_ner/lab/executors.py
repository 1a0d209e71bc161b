"""Where runs execute. Every executor takes specs and returns one record per spec, in order.

Each run writes its own record file in ``runs_dir``; a spec whose file holds a
finished record of that very spec is not run again, so an interrupted
comparison resumes where it stopped, whatever the executor. The records are
the same whichever executor made them, since a run depends on its spec only.

:class:`LocalExecutor` (the default, no server) runs each spec in its own
process, forked from a server that has already imported spaCy (a run does
not pay its ~10 s of imports); that makes the peak RSS of a run its own and
lets runs proceed side by side on the machine's cores. An interrupted
comparison (Ctrl-C) stops every run it started before it returns: none goes
on training in the background.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from queue import Empty
from typing import Any, Iterable, Protocol, Sequence

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
    runs_dir.mkdir(parents=True, exist_ok=True)
    return {spec: runs_dir / f"{spec.name}.json" for spec in specs}


def todo(paths: dict[RunSpec, Path]) -> list[RunSpec]:
    """The specs whose record is missing, failed with an error, or belongs to another spec."""
    return [spec for spec, path in paths.items() if not is_finished(path, spec)]


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
            lang = load_config(waiting[0].config, interpolate=False)["nlp"]["lang"]
            context.set_forkserver_preload([__name__, f"spacy.lang.{lang}"])
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


BACKENDS = ("local",)


def make_executor(backend: str = "local", *, jobs: int = 0) -> Executor:
    """The executor a command line names; an unknown backend fails before any run starts."""
    if backend == "local":
        return LocalExecutor(jobs)
    raise ValueError(f"--backend {backend!r} is not one of: {', '.join(BACKENDS)}")
