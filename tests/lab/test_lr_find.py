"""lr-find: the smoothing, stop and suggestion rules on synthetic loss curves, the table beside
lr-sweep, the schedule figure, and reduced real range tests on the tiny corpus of test_compare."""

import importlib.util
import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy
import pytest
from spacy.util import load_config, registry
from typer.testing import CliRunner

from lab_support import script_app
from travel_ner.__main__ import app
from travel_ner.lab.lr_find import (
    DIVERGED,
    END_OF_RAMP,
    NOT_FINITE,
    RangeTest,
    SmoothedLoss,
    check_settings,
    lr_find,
    ramp_block,
    rate_is_step_size,
    suggest,
    vs_sweep,
)
from travel_ner.lab.run import RunRecord, save_record
from travel_ner.lab.specs import Budget, RunSpec


def smoothed_closed_form(losses, beta=0.98):
    """The bias-corrected EMA written as its weighted sum: sum (1-b) b^(t-i) x_i / (1 - b^(t+1))."""
    out = []
    for t in range(len(losses)):
        weights = (1 - beta) * beta ** numpy.arange(t, -1, -1)
        out.append(float(weights @ numpy.asarray(losses[: t + 1])) / (1 - beta ** (t + 1)))
    return out


def feed(losses):
    tracker = SmoothedLoss()
    for step, loss in enumerate(losses):
        reason = tracker.add(loss)
        if reason is not None:
            return tracker, reason, step
    return tracker, None, len(losses)


def test_smoothing_is_the_bias_corrected_moving_average():
    losses = list(numpy.random.default_rng(0).uniform(0.5, 1.5, 120))
    tracker, reason, _ = feed(losses)
    assert reason is None
    assert tracker.values == pytest.approx(smoothed_closed_form(losses), rel=1e-12)
    # Bias correction: a constant loss is smoothed to itself from the first step on.
    constant, _, _ = feed([2.0] * 10)
    assert constant.values == pytest.approx([2.0] * 10, rel=1e-12)


def test_stops_at_the_first_smoothed_loss_above_four_times_its_minimum():
    # Falls from 1 to 0.1, then grows by 20% a step.
    losses = [1.0 - 0.9 * i / 100 for i in range(101)] + [0.1 * 1.2**i for i in range(1, 60)]
    closed = smoothed_closed_form(losses)
    expected = next(t for t in range(len(closed)) if closed[t] > 4 * min(closed[: t + 1]))
    tracker, reason, step = feed(losses)
    assert (reason, step) == (DIVERGED, expected)
    assert len(tracker.values) == expected + 1 and tracker.values[-1] > 4 * tracker.best
    assert tracker.best == pytest.approx(min(closed[: expected + 1]))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_loss_that_is_not_finite_stops_and_is_not_kept(bad):
    tracker, reason, step = feed([1.0, 0.9, 0.8, bad, 0.7])
    assert (reason, step) == (NOT_FINITE, 3)
    assert len(tracker.values) == 3 and all(math.isfinite(v) for v in tracker.values)


def test_suggestions_are_the_steepest_fall_and_a_tenth_of_the_minimum():
    rates = list(10 ** numpy.linspace(-7, 1, 300))
    x = numpy.log10(rates)
    # Falls fastest at 1e-3 (a tanh step), bottoms out near 1e-1, then rises.
    curve = 2.0 - numpy.tanh((x + 3) / 0.4) + numpy.where(x > -1, (x + 1) ** 2 * 3, 0.0)
    curve[:30] = numpy.linspace(8.0, 5.0, 30)  # the first tenth, left out: an even steeper fall
    curve[-5:] = 0.0  # the last 5 points, left out: a deeper minimum
    curve[270] -= 2.0  # past the minimum, a bounce of the noise: the sharpest drop of all
    steepest, minimum_tenth = suggest(rates, list(curve), skip_begin=30)
    step = (8 / 299) * 1.01  # one grid step, in decades
    assert abs(math.log10(steepest) - -3) <= step
    kept = slice(30, 295)
    assert minimum_tenth == pytest.approx(rates[30 + int(numpy.argmin(curve[kept]))] / 10)
    assert -1.6 < math.log10(minimum_tenth * 10) <= -0.9


def test_no_suggestion_where_the_loss_never_falls_or_too_little_is_left():
    rates = list(10 ** numpy.linspace(-7, 1, 50))
    assert suggest(rates, [1.0 + 0.01 * i for i in range(50)], skip_begin=5) == (None, None)
    assert suggest(rates[:9], [1.0 - 0.01 * i for i in range(9)], skip_begin=2) == (None, None)


@pytest.mark.parametrize(
    "start, end, steps, setting",
    [(0.0, 10.0, 300, "start"), (math.nan, 10.0, 300, "start"), (1e-3, 1e-4, 300, "end"), (1e-7, 10.0, 9, "steps")],
)
def test_bad_ramps_are_refused_naming_the_setting(start, end, steps, setting):
    with pytest.raises(ValueError, match=f"lr-find: {setting}="):
        check_settings(start, end, steps)


def test_adadelta_alone_has_a_rate_that_is_a_scale():
    assert not rate_is_step_size("AdaDelta.v1")
    assert all(rate_is_step_size(name) for name in ("Adam.v1", "SGD.v1", "Momentum.v1", "Lion.v1", "Adafactor.v1"))


def _test(name, steepest, minimum_tenth, seconds, step_size=True):
    return RangeTest(name, step_size, [1e-7, 1.0], [1.0, 2.0], [1.0, 1.5], END_OF_RAMP, steepest, minimum_tenth, seconds)


def _sweep_record(runs: Path, name: str, rate: float, wall: float) -> None:
    spec = RunSpec(name, "b.cfg", rate, 0, "c.cfg", "corpus", Budget(steps=150), "f")
    save_record(runs / f"{spec.name}.json", RunRecord(spec, "ok", wall_seconds=wall))


def test_vs_sweep_tables_decades_agreement_and_times(tmp_path):
    tests = [
        _test("Adam.v1", 3e-3, 1e-3, 20.0),  # +0.48 and 0 decades from 1e-3
        _test("SGD.v1", 1.0, 0.5, 30.0),  # +1 and +0.70 decades from 0.1
        _test("AdaDelta.v1", None, None, 25.0, step_size=False),  # no suggestion: not counted
    ]
    found = tmp_path / "lr_find.json"
    found.write_text(json.dumps({"settings": {}, "optimizers": {t.optimizer: asdict(t) for t in tests}}))
    sweep = tmp_path / "lr_sweep"
    (sweep / "runs").mkdir(parents=True)
    points = {"Adam.v1": [1e-4, 1e-3], "SGD.v1": [0.01, 0.1], "AdaDelta.v1": [1.0]}
    (sweep / "sweep.json").write_text(json.dumps({
        "points": {name: [{"learn_rate": r, "status": "ok"} for r in rates] for name, rates in points.items()},
        "best": {"Adam.v1": 1e-3, "SGD.v1": 0.1, "AdaDelta.v1": 1.0},
    }))
    for name, rates in points.items():
        for rate in rates:
            _sweep_record(sweep / "runs", name, rate, 50.0)
    _sweep_record(sweep / "runs", "Adam.v1", 0.5, 1000.0)  # an older grid's run: not counted
    text = vs_sweep(found, sweep, tmp_path / "vs_sweep.md")
    assert (tmp_path / "vs_sweep.md").read_text(encoding="utf8") == text
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines() if line.startswith("| ") and "---" not in line}
    assert "| 0.001 | 0.003 | +0.48 | yes | 0.001 | +0.00 | yes | 20 | 100 (2) | 0.20 |" in rows["Adam.v1"]
    assert "| 0.1 | 1 | +1.00 | no | 0.5 | +0.70 | no | 30 | 100 (2) | 0.30 |" in rows["SGD.v1"]
    assert "| 1 | — | — | — | — | — | — | 25 | 50 (1) | 0.50 |" in rows["AdaDelta.v1 (rate = scale)"]
    assert "- steepest within half a decade of the sweep's best rate: 1/2 (50%)" in text
    assert "- minimum / 10 within half a decade of the sweep's best rate: 1/2 (50%)" in text
    assert "lr-find 75 s against the sweep's 250 s summed over its runs (0.30); sweep runs of 150 steps" in text


def test_schedule_figure_is_written_with_every_schedule_at_the_seed_peak(root, tmp_path):
    spec = importlib.util.spec_from_file_location("scripts_plot_schedules", root / "scripts" / "plot_schedules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    series = module.schedule_series()
    ours = {"cosine_warmup.v1", "one_cycle.v1", "inverse_sqrt.v1", "wsd.v1", "exponential.v1"}
    assert set(series) == ours | {"warmup_linear.v1"}
    assert all(len(values) == 20_001 and max(values) == pytest.approx(5e-5) for values in series.values())
    reference = series["warmup_linear.v1"]
    assert reference[250] == pytest.approx(5e-5) and reference[20_000] == 0
    output = tmp_path / "docs" / "schedules.png"
    result = CliRunner().invoke(script_app(root, "plot_schedules"), [str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and output.stat().st_size > 20_000


@pytest.mark.slow
def test_range_tests_on_the_tiny_corpus_ramp_smooth_and_flag_adadelta(root, corpus, tmp_path):
    output = tmp_path / "lr_find"
    steps = 40
    args = [str(root / "configs" / "config.cfg"), "--corpus", str(corpus), "--output", str(output), "--optimizers",
            str(root / "configs" / "compare.yml"), "--only", "Adam.v1", "--only", "AdaDelta.v1", "--steps", str(steps)]
    result = CliRunner().invoke(script_app(root, "lr_find"), args)
    assert result.exit_code == 0, result.output
    assert "AdaDelta.v1: " in result.output and "it is not a step size" in result.output
    data = json.loads((output / "lr_find.json").read_text(encoding="utf8"))
    assert data["settings"]["steps"] == steps and list(data["optimizers"]) == ["Adam.v1", "AdaDelta.v1"]
    gamma = (10 / 1e-7) ** (1 / (steps - 1))
    for name, test in data["optimizers"].items():
        n = len(test["rates"])
        assert 0 < n <= steps and len(test["losses"]) == len(test["smoothed"]) == n
        # The rate the optimizer actually used at each step is the ramp's.
        assert test["rates"] == pytest.approx([1e-7 * gamma**i for i in range(n)], rel=1e-9)
        assert test["stop"] in (DIVERGED, NOT_FINITE, END_OF_RAMP)
        if test["stop"] == END_OF_RAMP:
            assert n == steps
        assert test["smoothed"] == pytest.approx(smoothed_closed_form(test["losses"]), rel=1e-9)
        assert all(loss > 0 for loss in test["losses"]) and test["seconds"] > 0
        assert test["rate_is_step_size"] == (name != "AdaDelta.v1")
    adam, adadelta = data["optimizers"]["Adam.v1"], data["optimizers"]["AdaDelta.v1"]
    # Fresh pipelines, same seed, same batches: the same loss before the first update, and AdaDelta
    # restored after Adam trains exactly as AdaDelta alone on a pipeline initialised for it.
    assert adam["losses"][0] == adadelta["losses"][0]
    alone = lr_find(root / "configs" / "config.cfg", corpus, tmp_path / "alone", root / "configs" / "compare.yml",
                    names=["AdaDelta.v1"], steps=steps)
    assert alone[0].losses == adadelta["losses"] and alone[0].rates == adadelta["rates"]
    # Adam learns the tiny corpus within the ramp: its loss falls, so there are suggestions.
    assert adam["steepest"] is not None and 1e-7 < adam["steepest"] < 10 and 1e-8 < adam["minimum_tenth"] < 1
    assert (output / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@registry.callbacks("test_lr_find.nan_weights.v1")
def nan_weights():
    """After initialisation, every weight of the NER model is NaN: the very first loss is NaN."""

    def after_init(nlp):
        for node in nlp.get_pipe("ner").model.walk():
            for name in node.param_names:
                if node.has_param(name):
                    node.set_param(name, numpy.full_like(node.get_param(name), numpy.nan))
        return nlp

    return after_init


@pytest.mark.slow
def test_a_config_whose_first_loss_is_not_finite_is_refused_and_nothing_is_written(root, corpus, tmp_path):
    config = load_config(root / "configs" / "config.cfg", interpolate=False)
    config["initialize"]["after_init"] = {"@callbacks": "test_lr_find.nan_weights.v1"}
    config.to_disk(tmp_path / "nan.cfg")
    output = tmp_path / "lr_find"
    args = [str(tmp_path / "nan.cfg"), "--corpus", str(corpus), "--output", str(output), "--optimizers", str(root / "configs" / "compare.yml"),
            "--only", "SGD.v1", "--only", "Adam.v1", "--steps", "20"]
    result = CliRunner().invoke(script_app(root, "lr_find"), args)
    assert result.exit_code == 1
    assert "SGD.v1: the loss of the first step is nan before any update" in result.output
    assert "nothing written" in result.output
    assert not output.exists()


def test_the_ramp_replaces_every_rate_of_a_block_and_turns_its_own_warm_up_off(tmp_path):
    block = tmp_path / "two_rates.cfg"
    block.write_text(
        '[training.optimizer]\n@optimizers = "Muon.v1"\nwarmup_steps = 250\n\n'
        '[training.optimizer.learn_rate]\n@schedules = "warmup_linear.v1"\nwarmup_steps = 250\n'
        'total_steps = 20000\ninitial_rate = 0.02\n\n'
        '[training.optimizer.adamw_learn_rate]\n@schedules = "warmup_linear.v1"\nwarmup_steps = 250\n'
        'total_steps = 20000\ninitial_rate = 0.001\n',
        encoding="utf8",
    )
    optimizer = ramp_block(block, 1e-7, 10.0, 300)
    gamma = (10.0 / 1e-7) ** (1 / 299)
    assert optimizer["learn_rate"] == {"@schedules": "exponential.v1", "initial_rate": 1e-7, "gamma": gamma}
    assert optimizer["adamw_learn_rate"]["initial_rate"] == pytest.approx(1e-7 * 0.001 / 0.02)
    assert optimizer["warmup_steps"] == 0
    rates = registry.schedules.get("exponential.v1")(1e-7, gamma)
    values = [next(rates) for _ in range(300)]
    assert values[0] == 1e-7 and values[-1] == pytest.approx(10.0, rel=1e-9)
    constant = tmp_path / "constant.cfg"
    constant.write_text('[training.optimizer]\n@optimizers = "SGD.v1"\nlearn_rate = 0.1\n', encoding="utf8")
    assert ramp_block(constant, 1e-6, 1.0, 100)["learn_rate"]["initial_rate"] == 1e-6


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--only", "Nope.v1"], "not in the list file: Nope.v1"),
        (["--steps", "5"], "lr-find: steps=5; it must be at least 10"),
        (["--start", "1", "--end", "0.1"], "lr-find: end=0.1; it must be a finite rate above start=1.0"),
    ],
)
def test_the_lr_find_command_refuses_bad_settings_before_any_training(root, tmp_path, extra, message):
    output = tmp_path / "lr_find"
    (tmp_path / "train.spacy").write_bytes(b"")  # never read: the settings are refused first
    args = ["lr-find", str(root / "configs" / "config.cfg"), "--corpus", str(tmp_path), "--output", str(output),
            "--optimizers", str(root / "configs" / "compare.yml"), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and message in result.output
    assert not output.exists()


def test_the_lr_find_command_refuses_missing_inputs(root, tmp_path):
    config = str(root / "configs" / "config.cfg")
    result = CliRunner().invoke(app, ["lr-find", config, "--corpus", str(tmp_path)])
    assert result.exit_code == 2 and "training corpus" in result.output
    (tmp_path / "train.spacy").write_bytes(b"")
    # Wide enough that typer's error box does not wrap the message.
    result = CliRunner().invoke(
        app, ["lr-find", config, "--corpus", str(tmp_path), "--sweep", str(tmp_path)], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 2 and "holds no sweep.json" in result.output
