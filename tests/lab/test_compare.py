"""Optimizer comparison: list file, config building, tables, and reduced real runs.

The slow tests train the real ``configs/config.cfg`` on a tiny corpus made
here, so they check the machinery (per-step losses, schedule, resume,
parallel runs, failures, determinism), not the scores.
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import srsly
from spacy.schemas import ConfigSchemaTraining
from spacy.util import registry
from typer.testing import CliRunner

from travel_ner import optim  # noqa: F401 -- registers ours without entry points
from travel_ner.lab.compare import compare, lr_sweep, results_table, summarize
from travel_ner.lab.executors import LocalExecutor
from travel_ner.lab.run import EvalPoint, RunRecord
from travel_ner.lab.specs import Budget, RunSpec, build_config, make_specs, read_entries, select, write_learn_rates

from lab_support import script_app, write_list


def test_list_file_holds_every_registered_optimizer_with_its_block(root):
    entries = read_entries(root / "configs" / "compare.yml")
    assert sorted(entry.name for entry in entries) == sorted(registry.optimizers.get_all())
    for entry in entries:
        block = entry.block.read_text(encoding="utf8")
        assert f'@optimizers = "{entry.name}"' in block
        assert entry.learn_rate > 0


def test_write_learn_rates_keeps_comments_order_and_other_rates(root, tmp_path):
    list_path = tmp_path / "compare.yml"
    shutil.copy(root / "configs" / "compare.yml", list_path)
    before = read_entries(list_path)
    write_learn_rates(list_path, {"Lion.v1": 0.000123456}, "lr-sweep (test)")
    after = read_entries(list_path)
    assert [e.name for e in after] == [e.name for e in before]
    assert {e.name: e.learn_rate for e in after} == {**{e.name: e.learn_rate for e in before}, "Lion.v1": 0.000123}
    assert list_path.read_text(encoding="utf8").startswith("# Optimizers that `compare` trains")
    sources = {item["name"]: item["source"] for item in srsly.read_yaml(list_path)["optimizers"]}
    assert sources["Lion.v1"] == "lr-sweep (test)" and sources["SGD.v1"] != "lr-sweep (test)"


def test_select_refuses_unknown_names(root):
    entries = read_entries(root / "configs" / "compare.yml")
    assert [e.name for e in select(entries, ["Lion.v1", "SGD.v1"])] == ["Lion.v1", "SGD.v1"]
    with pytest.raises(ValueError, match="Nope.v1"):
        select(entries, ["Nope.v1"])


def test_build_config_sets_block_schedule_seed_and_budget(root, corpus):
    entry = select(read_entries(root / "configs" / "compare.yml"), ["Momentum.v1"])[0]
    budget = Budget(steps=40, eval_frequency=10, warmup_steps=4, train_limit=50, dev_limit=20)
    spec = make_specs([entry], [7], root / "configs" / "config.cfg", corpus, budget)[0]
    config = build_config(spec).interpolate()
    training = config["training"]
    assert (training["seed"], training["max_steps"], training["eval_frequency"], training["patience"]) == (7, 40, 10, 0)
    assert (config["corpora"]["train"]["limit"], config["corpora"]["dev"]["limit"]) == (50, 20)
    optimizer = registry.resolve(training, schema=ConfigSchemaTraining)["optimizer"]
    assert type(optimizer).__name__ == "MomentumOptimizer" and optimizer.momentum == 0.9
    rates = [optimizer.learn_rate]
    for _ in range(40):
        optimizer.step_schedules()
        rates.append(optimizer.learn_rate)
    assert rates[0] == 0 and rates[4] == pytest.approx(entry.learn_rate) and rates[40] == pytest.approx(0)
    assert max(rates) == pytest.approx(entry.learn_rate)


def test_a_run_does_not_depend_on_the_training_docs_metadata(root, corpus, tmp_path, tokenizer_nlp):
    """train.spacy is written without per-doc metadata (see annotations.to_docbin): the same losses."""
    from spacy.tokens import DocBin

    from travel_ner.lab.run import train_run

    bare = tmp_path / "bare"
    shutil.copytree(corpus, bare)
    docs = list(DocBin().from_disk(corpus / "train.spacy").get_docs(tokenizer_nlp.vocab))
    assert all(doc.user_data for doc in docs)
    DocBin(docs=docs, store_user_data=False).to_disk(bare / "train.spacy")
    entry = select(read_entries(root / "configs" / "compare.yml"), ["Adam.v1"])[0]
    budget = Budget(steps=12, eval_frequency=6, warmup_steps=2, train_limit=0, dev_limit=0)
    runs = [train_run(make_specs([entry], [0], root / "configs" / "config.cfg", folder, budget)[0], lambda n: None)
            for folder in (corpus, bare)]
    assert runs[0].ok and len(runs[0].losses) == 13
    assert runs[0].losses == runs[1].losses and runs[0].dev_f == runs[1].dev_f


def test_build_config_keeps_a_constant_rate_and_shapes_every_schedule_of_the_block(root, corpus):
    budget = Budget(steps=40, eval_frequency=10, warmup_steps=4, train_limit=50, dev_limit=20, schedule_steps=100)
    entries = select(read_entries(root / "configs" / "compare.yml"), ["ScheduleFreeAdamW.v1", "Muon.v1"])
    free, muon = (build_config(make_specs([entry], [0], root / "configs" / "config.cfg", corpus, budget)[0])
                  ["training"]["optimizer"] for entry in entries)
    assert free["learn_rate"] == entries[0].learn_rate and free["warmup_steps"] == 4
    assert muon["learn_rate"]["initial_rate"] == entries[1].learn_rate
    for schedule in (muon["learn_rate"], muon["adamw_learn_rate"]):
        assert (schedule["warmup_steps"], schedule["total_steps"]) == (4, 100)
    assert muon["adamw_learn_rate"]["initial_rate"] == 0.001  # the fallback keeps its own peak


def _record(name: str, seed: int, status: str = "ok", **values) -> RunRecord:
    spec = RunSpec(name, "b.cfg", 0.01, seed, "c.cfg", "corpus", Budget(), "f")
    record = {"state_multiple": 2.0}
    if status == "ok":
        record.update(dev_f=0.9, test_f=0.8, sentence_accuracy=0.7, wall_seconds=10.0,
                      evals=[EvalPoint(50, 2.5, 0.5, 0.5, 0.5)])
    if status == "diverged":
        record["diverged_at"] = 17
    record.update(values)
    return RunRecord(spec, status, **record)


def test_table_shows_mean_std_over_seeds_and_failures():
    records = [
        _record("SGD.v1", 0, dev_f=0.8, evals=[EvalPoint(50, 2.5, 0.5, 0.5, 0.5), EvalPoint(100, 5.0, 0.9, 0.9, 0.9)]),
        _record("SGD.v1", 1, dev_f=0.9),
        _record("SGD.v1", 2, "diverged"),
        _record("Adam.v1", 0, "error"),
    ]
    rows = summarize(records, ["SGD.v1", "Adam.v1"])
    assert rows[0]["dev_f"][0] == pytest.approx(0.85) and rows[0]["dev_f"][1] == pytest.approx(0.0707, abs=1e-4)
    table = results_table(rows, Budget(), seeds=3)
    sgd, adam = [line for line in table.splitlines() if line.startswith(("| SGD", "| Adam"))]
    assert "0.850 ± 0.071 (diverged @ step 17)" in sgd
    assert "| 100 (1/2) | 5.0 (1/2) |" in sgd
    assert "— (1 error(s))" in adam and "2.00 n" in adam


@pytest.mark.slow
def test_reduced_comparison_records_resumes_survives_failures_and_repeats(root, corpus, tmp_path):
    bad_block = tmp_path / "bad_rmsprop.cfg"
    bad_block.write_text('[training.optimizer]\n@optimizers = "RMSProp.v1"\nrho = 2.0\n', encoding="utf8")
    # Adam at a rate of 1e4 moves every weight by ~1e4 per step: the loss overflows.
    list_path = write_list(
        tmp_path / "compare.yml", root, {"SGD.v1": 0.1, "Momentum.v1": 0.01, "Adam.v1": 1e4, "RMSProp.v1": 0.001},
        blocks={"RMSProp.v1": bad_block},
    )
    config = root / "configs" / "config.cfg"
    budget = Budget(steps=50, eval_frequency=10, warmup_steps=5, train_limit=0, dev_limit=0)
    output = tmp_path / "compare"
    records = compare(config, corpus, output, list_path, seeds=1, executor=LocalExecutor(2), budget=budget)
    records = {r.spec.optimizer: r.to_json() for r in records}

    assert {name: r["status"] for name, r in records.items()} == {
        "SGD.v1": "ok", "Momentum.v1": "ok", "Adam.v1": "diverged", "RMSProp.v1": "error"}
    assert "rho" in records["RMSProp.v1"]["error"]
    assert 0 < records["Adam.v1"]["diverged_at"] <= 50
    sgd = records["SGD.v1"]
    assert len(sgd["losses"]) == len(sgd["learn_rates"]) == 51
    assert all(loss >= 0 for loss in sgd["losses"])
    assert sgd["learn_rates"][0] == 0 and max(sgd["learn_rates"]) == pytest.approx(0.1)
    assert [e["step"] for e in sgd["evals"]] == [0, 10, 20, 30, 40, 50]
    # Momentum's successive updates point the same way; SGD's zig-zag far more.
    cosines = {name: records[name]["update_cosines"] for name in ("SGD.v1", "Momentum.v1")}
    assert all(len(values) == 51 and values[0] is None for values in cosines.values())
    mean = {name: statistics.fmean(c for c in values if c is not None) for name, values in cosines.items()}
    assert mean["Momentum.v1"] > 0.5 > mean["SGD.v1"]
    assert sgd["state_multiple"] == pytest.approx(1.0)
    assert records["Momentum.v1"]["state_multiple"] == pytest.approx(2.0)
    assert sgd["peak_rss_mib"] > 50 and sgd["wall_seconds"] > sgd["train_seconds"] > 0
    for key in ("dev_f", "test_f", "sentence_accuracy"):
        assert 0 <= sgd[key] <= 1
    for name in ("results.json", "results.md", "loss.png", "dev_f.png", "learning_rates.png", "sgd_vs_momentum.png"):
        assert (output / name).is_file(), name
    assert "diverged @ step" in (output / "results.md").read_text(encoding="utf8")

    # Resume: finished runs (ok, diverged) are kept, failed ones are run again.
    runs = {path.name: path.stat().st_mtime_ns for path in (output / "runs").glob("*.json")}
    compare(config, corpus, output, list_path, seeds=1, executor=LocalExecutor(2), budget=budget)
    rerun = {path.name for path in (output / "runs").glob("*.json") if path.stat().st_mtime_ns != runs[path.name]}
    assert rerun == {"RMSProp.v1-lr0.001-seed0.json"}

    # Determinism: a second comparison, through the command line, repeats the losses step for step.
    again = tmp_path / "again"
    options = {"--optimizers": list_path, "--only": "SGD.v1", "--steps": 50, "--seeds": 1, "--jobs": 1,
               "--eval-frequency": 10, "--warmup": 0.1, "--train-limit": 0, "--dev-limit": 0}
    args = [str(config), str(corpus), str(again), *(str(x) for item in options.items() for x in item)]
    result = CliRunner().invoke(script_app(root, "compare"), args)
    assert result.exit_code == 0, result.output
    assert "| SGD.v1 | 0.1 |" in result.output
    repeated = json.loads((again / "results.json").read_text(encoding="utf8"))[0]
    assert repeated["losses"] == sgd["losses"]


@pytest.mark.slow
def test_lr_sweep_writes_the_best_non_diverged_rate_to_the_list_file(root, corpus, tmp_path):
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.5, "Adam.v1": 0.5})
    budget = Budget(steps=20, eval_frequency=20, warmup_steps=2, train_limit=0, dev_limit=0)
    output = tmp_path / "sweep"
    # Three rates per optimizer: its block's rate (SGD 0.1, Adam 0.001) times 1e-7, 1 and 1e7.
    best = lr_sweep(root / "configs" / "config.cfg", corpus, output, list_path, span=7, points=3, executor=LocalExecutor(2), budget=budget)

    sweep = json.loads((output / "sweep.json").read_text(encoding="utf8"))
    assert [p["learn_rate"] for p in sweep["points"]["Adam.v1"]] == [1e-10, 1e-3, 1e4]
    assert [p["status"] for p in sweep["points"]["Adam.v1"]] == ["ok", "ok", "diverged"]
    assert best == {"SGD.v1": 0.1, "Adam.v1": 1e-3}
    assert {e.name: e.learn_rate for e in read_entries(list_path)} == best
    assert (output / "lr_sweep.png").stat().st_size > 1000


def session_processes(session: int) -> dict[int, str]:
    """The live processes of a session (zombies aside), by pid: their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            fields = text[text.rindex(")") + 2 :].split()  # state, ppid, pgrp, session, ...
            if int(fields[3]) == session and fields[0] != "Z":
                found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):  # ended meanwhile
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c", "kill-int"])
def test_an_interrupted_comparison_leaves_no_process_behind(root, corpus, tmp_path, to_group):
    """Ctrl-C sends SIGINT to the whole process group, ``kill -INT`` to the command alone: either
    way the runs, the forkserver and the resource tracker are gone once the command has exited."""
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.1, "Adam.v1": 0.001})
    options = {"--optimizers": list_path, "--steps": 5000, "--seeds": 1, "--jobs": 2, "--eval-frequency": 5000,
               "--train-limit": 0, "--dev-limit": 0}
    command = [sys.executable, str(root / "scripts" / "compare.py"), str(root / "configs" / "config.cfg"),
               str(corpus), str(tmp_path / "out"), *(str(x) for item in options.items() for x in item)]
    log = tmp_path / "log.txt"
    with log.open("w") as handle:
        # A terminal's Ctrl-C finds SIGINT at its default; a test run from a background job inherits it ignored.
        default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=default_sigint
        )
    try:
        deadline = time.monotonic() + 300
        while not re.search(r"compare steps: +\d+%\|[^|]*\| *[1-9]\d*/", log.read_text()):  # a run is training
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        started = list(session_processes(process.pid).values())
        assert sum("multiprocessing.forkserver" in line for line in started) >= 2  # the server and a run
        assert any("multiprocessing.resource_tracker" in line for line in started)
        if to_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        assert process.wait(60) == 130  # typer's exit status for a KeyboardInterrupt
        deadline = time.monotonic() + 15
        while (left := session_processes(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left
        assert "Traceback" not in log.read_text()  # the runs end quietly
        assert not list((tmp_path / "out" / "runs").glob("*.json"))  # nothing recorded: both run again
    finally:
        for pid in session_processes(process.pid):
            os.kill(pid, signal.SIGKILL)
