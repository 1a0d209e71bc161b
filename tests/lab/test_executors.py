"""Executors: the choice of backend and its errors, and Ray runs that give the local records and resume.

The slow tests start a local Ray instance of 2 CPUs through the compare
command and train the real config on the tiny corpus of test_compare.
"""

import json
import shutil
import socket
import sys
import time

import pytest
from typer.testing import CliRunner

from lab_support import script_app, write_list
from travel_ner.lab.executors import LocalExecutor, make_executor, record_paths, todo
from travel_ner.lab.run import RunRecord, read_record, save_record
from travel_ner.lab.specs import Budget, RunSpec

#: Fields that measure time or memory: they differ from one run of a spec to the next.
MEASURED = ("train_seconds", "wall_seconds", "cpu_seconds", "peak_rss_mib")
NAMES = ("SGD.v1", "Adam.v1")
BUDGET = Budget(steps=20, eval_frequency=10, warmup_steps=2, train_limit=0, dev_limit=0)


def free_port() -> int:
    """A port of 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def content(record) -> dict:
    """A record without its measurements of time and memory."""
    data = record.to_json()
    for key in MEASURED:
        data.pop(key)
    data["evals"] = [{k: v for k, v in point.items() if k != "seconds"} for point in data["evals"]]
    return data


def compare_args(root, corpus, list_path, output, *extra):  # noqa: F811
    options = {"--optimizers": list_path, "--steps": BUDGET.steps, "--seeds": 1, "--jobs": 2,
               "--eval-frequency": BUDGET.eval_frequency, "--warmup": 0.1, "--train-limit": 0, "--dev-limit": 0}
    return [str(root / "configs" / "config.cfg"), str(corpus), str(output),
            *(str(x) for item in options.items() for x in item), *extra]


def test_an_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match=r"--backend 'dask' is not one of: local, ray"):
        make_executor("dask")


def test_an_address_needs_the_ray_backend():
    with pytest.raises(ValueError, match="--address .* needs --backend ray"):
        make_executor("local", address="127.0.0.1:6379")


def test_without_ray_the_backend_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(ValueError, match=r"--backend ray needs Ray.*pip install -e '\.\[ray\]'"):
        make_executor("ray")


def test_a_malformed_address_is_refused():
    pytest.importorskip("ray")
    with pytest.raises(ValueError, match="--address 'localhost' is not HOST:PORT"):
        make_executor("ray", address="localhost")


def test_an_unreachable_address_fails_at_once_before_any_run(root, corpus, tmp_path):  # noqa: F811
    pytest.importorskip("ray")
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.1})
    address = f"127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(ValueError, match=f"--address {address}: no Ray cluster answers there"):
        make_executor("ray", address=address)
    args = compare_args(root, corpus, list_path, tmp_path / "out", "--backend", "ray", "--address", address)
    result = CliRunner().invoke(script_app(root, "compare"), args)
    assert time.monotonic() - start < 30
    assert result.exit_code == 1 and "no Ray cluster answers there" in result.output
    assert not (tmp_path / "out").exists()  # no run started, no folder made


@pytest.fixture(scope="module")
def ray_compare(root, corpus, tmp_path_factory):  # noqa: F811
    """A comparison of SGD and Adam through the command line on a local Ray instance of 2 CPUs, logged to
    MLflow; and the same specs run by local processes. Ray is shut down after the module."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("mlflow")
    path = tmp_path_factory.mktemp("ray_compare")
    list_path = write_list(path / "compare.yml", root, {"SGD.v1": 0.1, "Adam.v1": 0.001})
    output, uri = path / "ray", (path / "mlruns").as_uri()
    args = compare_args(root, corpus, list_path, output, "--backend", "ray", "--mlflow", "--mlflow-uri", uri)
    try:
        result = CliRunner().invoke(script_app(root, "compare"), args)
        assert result.exit_code == 0, result.output
        assert ray.cluster_resources()["CPU"] == 2
        # The specs the command made (the code's fingerprint in them is taken as it ran).
        specs = [read_record(file).spec for file in sorted((output / "runs").glob("*.json"), reverse=True)]
        assert [spec.optimizer for spec in specs] == list(NAMES)
        local = LocalExecutor(2).run(specs, path / "local", "local")
        yield {"output": output, "specs": specs, "local": local, "uri": uri, "log": result.output}
    finally:
        ray.shutdown()


@pytest.mark.slow
def test_ray_records_are_those_of_local_processes(ray_compare):
    ray_records = [read_record(ray_compare["output"] / "runs" / f"{spec.name}.json") for spec in ray_compare["specs"]]
    assert [r.status for r in ray_records] == ["ok", "ok"]
    for on_ray, local in zip(ray_records, ray_compare["local"]):
        assert len(on_ray.losses) == BUDGET.steps + 1
        assert on_ray.losses == local.losses  # bit for bit
        assert content(on_ray) == content(local)
        # The worker's start (Ray's and spaCy's imports, some 6 s of CPU) is not the run's CPU time.
        assert 0 < on_ray.cpu_seconds < local.cpu_seconds + 3
    results = json.loads((ray_compare["output"] / "results.json").read_text(encoding="utf8"))
    assert [r["losses"] for r in results] == [r.losses for r in ray_records]


@pytest.mark.slow
def test_a_ray_comparison_is_logged_to_mlflow(ray_compare):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=ray_compare["uri"])
    experiment = client.get_experiment_by_name("compare")
    runs = {run.data.tags["optimizer"]: run for run in client.search_runs([experiment.experiment_id])}
    assert sorted(runs) == sorted(NAMES)
    for record in ray_compare["local"]:
        run = runs[record.spec.optimizer]
        history = client.get_metric_history(run.info.run_id, "loss")
        assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == list(enumerate(record.losses))
        artifacts = {info.path for info in client.list_artifacts(run.info.run_id)}
        assert {"loss.png", "dev_f.png", "results.md", "record.json"} <= artifacts
    assert "MLflow: 2 new run(s) in experiment 'compare'" in ray_compare["log"]


@pytest.mark.slow
def test_ray_resumes_by_running_only_the_missing_records(ray_compare, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(ray_compare["output"] / "runs", runs)
    specs = ray_compare["specs"]
    kept, removed = (runs / f"{spec.name}.json" for spec in specs)
    before = kept.stat().st_mtime_ns
    removed.unlink()
    records = make_executor("ray", jobs=2).run(specs, runs, "resume")
    assert kept.stat().st_mtime_ns == before  # finished: not run again
    assert removed.is_file()
    assert [content(r) for r in records] == [content(r) for r in ray_compare["local"]]


def test_the_runs_to_do_are_the_unfinished_ones_longest_first(tmp_path):
    specs = [RunSpec("SGD.v1", "b.cfg", 0.1, seed, "c.cfg", "corpus", Budget(steps=steps), "f")
             for seed, steps in enumerate((100, 4000, 100, 800))]
    paths = record_paths(specs, tmp_path)
    save_record(paths[specs[2]], RunRecord(specs[2], "ok"))
    save_record(paths[specs[3]], RunRecord(specs[3], "error", error="killed"))
    assert todo(paths) == [specs[1], specs[3], specs[0]]


def test_two_specs_of_one_name_are_refused_before_any_run(tmp_path):
    specs = [RunSpec("Adam.v1", "b.cfg", 5e-5, 0, "c.cfg", "corpus", Budget(steps=steps), "f") for steps in (800, 4000)]
    with pytest.raises(ValueError, match="different specs would share a record file: Adam.v1-lr5e-05-seed0"):
        LocalExecutor(1).run(specs, tmp_path / "runs", "test")
    assert not (tmp_path / "runs").exists()
