"""MLflow tracking: records logged to a file store and read back, once only, and the errors of the options."""

import sys

import pytest
from typer.testing import CliRunner

from lab_support import script_app, write_list
from travel_ner.lab.run import EvalPoint, RunRecord
from travel_ner.lab.specs import Budget, RunSpec
from travel_ner.lab.tracking import Tracking, log_records, tracking_uri

BUDGET = Budget(steps=4, eval_frequency=2, warmup_steps=1, train_limit=0, dev_limit=0)


def two_records(root) -> list[RunRecord]:
    """A finished Momentum run and a failed Adam run, made up: logging reads records only."""
    blocks = root / "configs" / "optimizers"
    momentum = RunSpec("Momentum.v1", str(blocks / "momentum.cfg"), 0.01, 0, "c.cfg", "corpus", BUDGET, "f")
    adam = RunSpec("Adam.v1", str(blocks / "adam.cfg"), 0.001, 1, "c.cfg", "corpus", BUDGET, "f")
    evals = [EvalPoint(0, 0.5, 0.1, 0.2, 0.05), EvalPoint(2, 1.0, 0.6, 0.7, 0.5), EvalPoint(4, 1.5, 0.8, 0.9, 0.7)]
    return [
        RunRecord(momentum, "ok", losses=[9.5, 7.25, 3.125, 2.0, 1.5], evals=evals, dev_f=0.8, test_f=0.75,
                  sentence_accuracy=0.5),
        RunRecord(adam, "error", error="Traceback ...\nValueError: rho must be below 1"),
    ]


def test_records_are_logged_once_and_read_back(root, tmp_path):
    MlflowClient = pytest.importorskip("mlflow").MlflowClient

    plot = tmp_path / "loss.png"
    plot.write_bytes(b"\x89PNG not really")
    uri = (tmp_path / "mlruns").as_uri()
    records = two_records(root)
    assert len(log_records(records, uri, "lab-test", [plot])) == 2

    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.get_experiment_by_name("lab-test").experiment_id
    runs = {run.info.run_name: run for run in client.search_runs([experiment_id])}
    assert sorted(runs) == ["Adam.v1-lr0.001-seed1", "Momentum.v1-lr0.01-seed0"]
    momentum, adam = runs["Momentum.v1-lr0.01-seed0"], runs["Adam.v1-lr0.001-seed1"]

    params = momentum.data.params
    assert params["optimizer.optimizers"] == "Momentum.v1" and params["optimizer.momentum"] == "0.9"
    assert "optimizer.learn_rate.initial_rate" not in params  # the block's rate is not the run's
    assert (params["learn_rate"], params["seed"], params["budget.steps"]) == ("0.01", "0", "4")
    assert {key: momentum.data.tags[key] for key in ("optimizer", "seed", "status")} == {
        "optimizer": "Momentum.v1", "seed": "0", "status": "ok"}
    history = sorted(client.get_metric_history(momentum.info.run_id, "loss"), key=lambda m: m.step)
    assert [(m.step, m.value) for m in history] == list(enumerate(records[0].losses))
    dev_f = sorted(client.get_metric_history(momentum.info.run_id, "dev_ents_f"), key=lambda m: m.step)
    assert [(m.step, m.value) for m in dev_f] == [(0, 0.1), (2, 0.6), (4, 0.8)]
    assert momentum.data.metrics["test_f"] == 0.75 and momentum.info.status == "FINISHED"
    artifacts = {info.path for info in client.list_artifacts(momentum.info.run_id)}
    assert artifacts == {"loss.png", "record.json"}
    assert client.download_artifacts(momentum.info.run_id, "loss.png", str(tmp_path / "back"))
    assert (tmp_path / "back" / "loss.png").read_bytes() == plot.read_bytes()

    assert adam.data.tags["status"] == "error" and adam.info.status == "FAILED"
    assert "loss" not in adam.data.metrics
    assert {info.path for info in client.list_artifacts(adam.info.run_id)} == {"loss.png", "record.json", "error.txt"}

    # Logging again (a resumed or repeated comparison) adds only the records not logged yet.
    assert log_records(records, uri, "lab-test", [plot]) == []
    changed = RunRecord(records[1].spec, "diverged", diverged_at=3, losses=[9.0, 8.0, 7.0])
    assert len(log_records([*records, changed], uri, "lab-test", [plot])) == 1
    assert len(client.search_runs([experiment_id])) == 3


def test_the_default_store_is_mlruns_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert tracking_uri(True) == (tmp_path / "mlruns").as_uri()
    assert tracking_uri(True, "sqlite:///mlflow.db") == "sqlite:///mlflow.db"
    assert tracking_uri(False) is None
    with pytest.raises(ValueError, match="--mlflow-uri .* needs --mlflow"):
        tracking_uri(False, "sqlite:///mlflow.db")


def test_without_mlflow_the_option_fails_before_any_run(root, corpus, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    with pytest.raises(ValueError, match=r"--mlflow needs MLflow.*pip install -e '\.\[mlflow\]'"):
        tracking_uri(True)
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.1})
    for script in ("compare", "lr_sweep"):
        output = tmp_path / script
        args = [str(root / "configs" / "config.cfg"), str(corpus), str(output), "--optimizers", str(list_path),
                "--steps", "2", "--mlflow"]
        result = CliRunner().invoke(script_app(root, script), args)
        assert result.exit_code == 1 and "--mlflow needs MLflow" in result.output, result.output
        assert not output.exists()  # no run started


class Replay:
    """An executor that returns the records it was made with, as a resumed run's folder would."""

    def __init__(self, records):
        self.records = records

    def run(self, specs, runs_dir, desc):
        return self.records


def test_tracking_keeps_each_record_once_and_logs_only_when_asked(root, tmp_path):
    pytest.importorskip("mlflow")
    records = two_records(root)
    off = Tracking(Replay(records), None, "lab-test")
    assert off.run([], tmp_path, "x") == records and off.log([]) is None

    uri = (tmp_path / "mlruns").as_uri()
    tracking = Tracking(Replay(records), uri, "lab-test")
    tracking.run([], tmp_path, "tuning")
    tracking.run([], tmp_path, "tuning, extended")  # a study asks again for the runs it extends
    assert list(tracking.records.values()) == records
    assert tracking.log([]) == f"MLflow: 2 new run(s) in experiment 'lab-test' at {uri}"
    assert tracking.log([]) == f"MLflow: 0 new run(s) in experiment 'lab-test' at {uri}"


def test_tracking_open_refuses_a_bad_backend_before_any_run():
    with pytest.raises(ValueError, match="backend"):
        Tracking.open("lab-test", backend="slurm", jobs=1, address=None, mlflow=False, mlflow_uri=None)
