"""The study: statistics of the report, the plan's checks, and a reduced real study that resumes."""

import json
import math
import statistics

import pytest
from typer.testing import CliRunner

from lab_support import write_list
from travel_ner.__main__ import app
from travel_ner.lab import report
from travel_ner.lab.run import EvalPoint, RunRecord
from travel_ner.lab.specs import Budget, RunSpec
from travel_ner.lab.study import SEED_RATE, StudyPlan, choose_finalists, edge_extensions, study

# Two-sided 95% quantiles of Student's t (any statistics table).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 9: 2.262, 29: 2.045}


@pytest.mark.parametrize("df,expected", sorted(T_975.items()))
def test_t_quantiles_match_the_table(df, expected):
    assert report.t_quantile(0.975, df) == pytest.approx(expected, abs=1e-3)
    assert report.t_cdf(expected, df) == pytest.approx(0.975, abs=1e-4)


def test_t_cdf_is_symmetric_and_cauchy_for_one_degree():
    for t in (0.3, 1.0, 2.5):
        assert report.t_cdf(-t, 5) == pytest.approx(1 - report.t_cdf(t, 5), abs=1e-12)
        assert report.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)


def test_estimate_is_mean_and_t_interval():
    values = [0.80, 0.84, 0.86]
    found = report.estimate(values)
    half = 4.303 * statistics.stdev(values) / math.sqrt(3)
    assert found.mean == pytest.approx(statistics.fmean(values)) and found.half_width == pytest.approx(half, abs=1e-4)
    assert report.estimate([0.5]) == report.Estimate(0.5, None, 1) and report.estimate([]) is None


def test_paired_test_by_seed():
    # differences 0.02, 0.02, 0.01: t = 5.0 with 2 degrees of freedom, p = 0.0377
    comparison = report.paired([0.90, 0.92, 0.91], [0.88, 0.90, 0.90])
    assert comparison.p_value == pytest.approx(0.0377, abs=1e-4) and comparison.significant
    assert not report.paired([0.90, 0.80, 0.95], [0.88, 0.85, 0.90]).significant
    assert report.paired([0.9], [0.8]) is None


def _record(name, seed, status="ok", dev_f=0.9, curve=(0.5, 0.92, 0.96)):
    spec = RunSpec(name, "b.cfg", 0.01, seed, "c.cfg", "corpus", Budget(steps=300, eval_frequency=100), "f")
    if status != "ok":
        return RunRecord(spec, status, diverged_at=7 if status == "diverged" else None)
    evals = [EvalPoint(100 * i, 10.0 * i, f, f, f) for i, f in enumerate(curve)]
    return RunRecord(spec, "ok", evals=evals, dev_f=dev_f, test_f=0.8, sentence_accuracy=0.7, state_multiple=3.0,
                     cpu_seconds=60.0)


def test_rows_count_targets_failures_and_compare_with_the_reference():
    adam = [_record("Adam.v1", seed, dev_f=0.90 + seed / 100) for seed in range(3)]
    sgd = [_record("SGD.v1", 0, dev_f=0.05, curve=(0.0, 0.02, 0.05)), _record("SGD.v1", 1, "diverged"),
           _record("SGD.v1", 2, dev_f=0.95, curve=(0.5, 0.91, 0.95))]
    row = report.summarize("SGD.v1", sgd, adam)
    assert (row.ok, row.diverged, row.never_learned) == (2, [7], 1)
    assert row.steps_to[0.90][1] == 1 and row.steps_to[0.90][0].mean == 100
    assert row.steps_to[0.95][0].mean == 200 and row.seconds_to[0.95][0].mean == 20.0
    assert row.versus_reference.difference.n == 2  # seeds 0 and 2, those both finished
    text = report.table([report.summarize("Adam.v1", adam), row], "Adam.v1")
    lines = text.splitlines()
    assert lines[2].startswith("| Adam.v1 |") and "0.910 ± 0.025" in lines[2]
    assert "diverged @ 7; 1 never learned" in lines[3] and "100 (1/2)" in lines[3]


def test_a_best_rate_at_the_edge_of_the_grid_gets_one_step_more():
    plan = StudyPlan(span=0.75, points=4)  # a grid step of half a decade
    specs = [RunSpec(name, "b.cfg", rate, 0, "c.cfg", "corpus", plan.tuning, "f")
             for name in ("SGD.v1", "Adam.v1", "Lion.v1") for rate in (0.001, 0.00316, 0.01, 0.0316)]
    more = edge_extensions(specs, {"SGD.v1": 0.0316, "Adam.v1": 0.01, "Lion.v1": 0.001}, plan)
    assert [(spec.optimizer, rate) for spec, rate in more] == [("SGD.v1", 0.0999), ("Lion.v1", 0.000316)]


def test_finalists_are_the_tuned_optimizers_of_best_mean_dev_f():
    rows = [report.summarize(name, [_record(name, seed, dev_f=f + seed / 100) for seed in range(3)])
            for name, f in (("SGD.v1", 0.80), ("Adam.v1", 0.90), ("seed's block", 0.95), ("Lion.v1", 0.85))]
    rows.append(report.summarize("RAdam.v1", [_record("RAdam.v1", 0, "diverged")]))  # no dev F at all
    rates = {"SGD.v1": 0.1, "Adam.v1": 0.01, "Lion.v1": 0.001, "RAdam.v1": 0.01}  # the seed's block is not tuned
    assert choose_finalists(rows, rates, 2) == ["Adam.v1", "Lion.v1"]
    assert choose_finalists(rows, rates, 9) == ["Adam.v1", "Lion.v1", "SGD.v1"]
    assert choose_finalists(rows, rates, 0) == []


def test_a_bad_plan_or_an_unknown_optimizer_fails_before_any_run(root, tmp_path):
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.1, "Adam.v1": 0.001})

    class NoRuns:
        def run(self, specs, runs_dir, desc):
            raise AssertionError("a run started")

    for plan, names, message in [
        (StudyPlan(points=0), None, "rate grid is empty"),
        (StudyPlan(span=-1.0), None, "rate grid is empty"),
        (StudyPlan(seeds=0), None, "at least one seed"),
        (StudyPlan(finalists=-1), None, "finalists must be 0"),
        (StudyPlan(), ["Nope.v1"], "not in the list file: Nope.v1"),
    ]:
        with pytest.raises(ValueError, match=message):
            study(root / "configs" / "config.cfg", tmp_path, tmp_path / "out", list_path, names=names, plan=plan,
                  executor=NoRuns())
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(app, ["study", str(root / "configs" / "config.cfg"), str(tmp_path), str(tmp_path / "o"),
                                      "--optimizers", str(list_path), "--points", "0"])
    assert result.exit_code == 1 and "rate grid is empty" in result.output


@pytest.mark.slow
def test_reduced_study_tunes_runs_seeds_reports_and_resumes(root, corpus, tmp_path):  # noqa: F811
    list_path = write_list(tmp_path / "compare.yml", root, {"SGD.v1": 0.1, "Adam.v1": 0.001})
    plan = StudyPlan(
        tuning=Budget(steps=20, eval_frequency=20, warmup_steps=2, train_limit=0, dev_limit=0),
        budget=Budget(steps=30, eval_frequency=10, warmup_steps=3, train_limit=0, dev_limit=0),
        seeds=2, span=1.0, points=2, extend=0, seed_block_full=False,
        finalists=1, final=Budget(steps=40, eval_frequency=20, warmup_steps=4, train_limit=0, dev_limit=0),
    )
    output = tmp_path / "study"
    rows = study(root / "configs" / "config.cfg", corpus, output, list_path, plan=plan)

    results = json.loads((output / "results.json").read_text(encoding="utf8"))
    assert len(results["tuning"]) == 4  # 2 optimizers x 2 rates, seed 0
    assert sorted({r["spec"]["learn_rate"] for r in results["tuning"] if r["spec"]["optimizer"] == "Adam.v1"}) == [
        0.0001, 0.01]
    labels = [row.label for row in rows]
    best = max(rows[:2], key=lambda row: row.dev_f.mean).label
    assert results["finalists"] == [best]
    assert labels == ["SGD.v1", "Adam.v1", f"seed's block (Adam.v1 {SEED_RATE:g})", f"{best}, finalist"]
    by_label = {row.label: row for row in rows}
    final = results["final"]
    assert [(r["spec"]["optimizer"], r["spec"]["seed"], r["spec"]["learn_rate"]) for r in final] == [
        (best, 0, by_label[best].learn_rate), (best, 1, by_label[best].learn_rate)]
    assert all(len(r["losses"]) == 41 and [e["step"] for e in r["evals"]] == [0, 20, 40] for r in final)
    for name in ("SGD.v1", "Adam.v1"):
        assert by_label[name].learn_rate == results["chosen_rates"][name] and by_label[name].seeds == 2
    assert by_label[labels[2]].learn_rate == SEED_RATE
    assert by_label["SGD.v1"].versus_reference is not None and by_label["Adam.v1"].versus_reference is None
    runs = [r for r in results["runs"] if r["spec"]["optimizer"] == "SGD.v1"]
    assert [r["spec"]["seed"] for r in runs] == [0, 1] and all(len(r["losses"]) == 31 for r in runs)
    assert runs[0]["losses"] != runs[1]["losses"]
    report_text = (output / "report.md").read_text(encoding="utf8")
    assert "| SGD.v1 |" in report_text and "Every seed reached dev F" in report_text
    assert "## Finalists: 40 steps on all training sentences" in report_text and f"| {best}, finalist |" in report_text
    for name in ("dev_f.png", "final_dev_f.png", "time_to_target.png", "dev_f_vs_rate.png", "tuning/sweep.json"):
        assert (output / name).stat().st_size > 100, name

    # Resume: a second invocation trains nothing and writes the same table.
    stamps = {p: p.stat().st_mtime_ns for p in output.rglob("runs/*.json")}
    assert len(stamps) == 4 + 6 + 2
    again = study(root / "configs" / "config.cfg", corpus, output, list_path, plan=plan)
    assert {p: p.stat().st_mtime_ns for p in output.rglob("runs/*.json")} == stamps
    assert again == rows

    # The same study on a local Ray instance (through the command line, same plan): the same table.
    ray = pytest.importorskip("ray")
    on_ray = tmp_path / "on_ray"
    args = ["study", str(root / "configs" / "config.cfg"), str(corpus), str(on_ray), "--optimizers", str(list_path),
            "--seeds", "2", "--steps", "30", "--eval-frequency", "10", "--tuning-steps", "20", "--points", "2",
            "--span", "1", "--extend", "0", "--train-limit", "0", "--dev-limit", "0", "--no-full-reference", "--backend", "ray",
            "--finalists", "1", "--final-steps", "40", "--final-eval-frequency", "20", "--final-train-limit", "0",
            "--jobs", "2"]
    try:
        result = CliRunner().invoke(app, args)
    finally:
        ray.shutdown()
    assert result.exit_code == 0, result.output
    assert _content(json.loads((on_ray / "results.json").read_text(encoding="utf8"))) == _content(results)


def _content(results: dict) -> dict:
    """What a study found, without what depends on the machine's load: times and the runs' own timings."""
    timings = {"seconds_to", "cpu_seconds"}
    run_timings = {"train_seconds", "wall_seconds", "cpu_seconds", "peak_rss_mib", "evals"}
    runs = results["tuning"] + results["runs"] + results["final"]
    return {
        "rates": results["chosen_rates"],
        "finalists": results["finalists"],
        "rows": [{k: v for k, v in row.items() if k not in timings} for row in results["rows"] + results["final_rows"]],
        "runs": [{k: v for k, v in run.items() if k not in run_timings} for run in runs],
        "evals": [[(e["step"], e["ents_f"]) for e in run["evals"]] for run in runs],
    }
