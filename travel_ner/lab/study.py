"""A fair optimizer study: the same tuning budget for every optimizer, then several seeds at its best rate.

As the benchmarks the field trusts do (AlgoPerf, DeepOBS, Schmidt et al.
2021): each optimizer of the list first gets the same learning-rate grid at
a short tuning budget (seed 0, rates log-spaced around its block's own rate,
the choice by final dev F as in ``lr-sweep``); then ``seeds`` runs at its
chosen rate with the study's budget; then the ``finalists`` best of those
(by mean dev F) again, on every training sentence at a longer budget where
they plateau (at the short budget, on a few thousand sentences, none reaches
dev F 0.95). The seed config's own block (``Adam.v1`` at 5e-5, warm-up 250,
decay over 20,000 steps) is a row of its own, at the study's budget and once
at its full schedule, so that the report can say what the seed's values
reach and at what cost. The table, the report and the
plots are computed from the records only; a study that is interrupted
resumes where it stopped (finished records are reused, on any executor).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from timeit import default_timer as timer
from typing import Optional, Sequence

from ..files import write_atomic
from . import defaults, plots, report
from .compare import best_rates, check_grid, grid_specs, sweep_points
from .executors import Executor, LocalExecutor
from .run import RunRecord
from .specs import Budget, Entry, RunSpec, make_specs, read_entries, select

REFERENCE = "Adam.v1"
SEED_RATE = 5e-5
SEED_FULL = Budget(steps=4000, eval_frequency=200, warmup_steps=250, train_limit=0, dev_limit=0, schedule_steps=20000)


@dataclass(frozen=True)
class StudyPlan:
    """The budgets of a study: the tuning grid (same for all) and the seeded runs at the chosen rates."""

    tuning: Budget = Budget.shaped(defaults.TUNING_STEPS, defaults.TUNING_STEPS)
    budget: Budget = Budget.shaped(defaults.STUDY_STEPS, defaults.STUDY_EVAL_FREQUENCY)
    seeds: int = defaults.STUDY_SEEDS
    span: float = defaults.STUDY_SPAN
    points: int = defaults.STUDY_POINTS
    extend: int = defaults.STUDY_EXTEND  # grid steps added, one at a time, beyond a best rate at the grid's edge
    seed_block_full: bool = defaults.SEED_BLOCK_FULL
    finalists: int = defaults.FINALISTS
    final: Budget = Budget.shaped(
        defaults.FINAL_STEPS, defaults.FINAL_EVAL_FREQUENCY, train_limit=defaults.FINAL_TRAIN_LIMIT
    )

    def check(self) -> None:
        """Refuse a plan that cannot run, before any run starts (the grid's own check is grid_specs')."""
        if self.seeds < 1:
            raise ValueError(f"a study needs at least one seed (got seeds={self.seeds})")
        if self.finalists < 0:
            raise ValueError(f"finalists must be 0 (none) or more (got finalists={self.finalists})")
        check_grid(self.span, self.points)


def edge_extensions(specs: Sequence[RunSpec], rates: dict, plan: StudyPlan) -> list:
    """(spec, rate) for one more grid step beyond every optimizer whose best rate is the highest or
    the lowest it has tried: a best rate at the edge of the grid says the grid was too narrow there."""
    step = 10 ** (2 * plan.span / (plan.points - 1)) if plan.points > 1 else 10.0
    more = []
    for name, best in rates.items():
        tried = [spec for spec in specs if spec.optimizer == name]
        tried_rates = sorted(spec.learn_rate for spec in tried)
        if best == tried_rates[-1]:
            more.append((tried[0], float(f"{best * step:.3g}")))
        elif best == tried_rates[0]:
            more.append((tried[0], float(f"{best / step:.3g}")))
    return more


@dataclass(frozen=True)
class Group:
    """The runs of one row of the report: a label and its specs (one per seed)."""

    label: str
    specs: list


#: How a finalist's row is labelled, apart from its row of the study's budget.
FINALIST = "{name}, finalist"


def tuned_groups(
    entries: Sequence[Entry], names: Sequence[str], rates: dict, config: Path, corpus: Path, budget: Budget, seeds: int, label: str
) -> list:
    """One group per optimizer of ``names``: its seeds at its chosen rate within ``budget``."""
    chosen = [Entry(entry.name, entry.block, rates[entry.name]) for entry in entries if entry.name in names]
    return [
        Group(label.format(name=entry.name), make_specs([entry], range(seeds), config, corpus, budget)) for entry in chosen
    ]


def seeded_groups(entries: Sequence[Entry], rates: dict, config: Path, corpus: Path, plan: StudyPlan, block: Path) -> list:
    """The seeded runs: every tuned optimizer at its chosen rate, and the seed's block (``block``: its
    configs/optimizers file, at the seed's rate), at the study's budget."""
    groups = tuned_groups(entries, list(rates), rates, config, corpus, plan.budget, plan.seeds, "{name}")
    seed_entry = Entry(REFERENCE, block, SEED_RATE)
    seed_specs = make_specs([seed_entry], range(plan.seeds), config, corpus, plan.budget)
    return [*groups, Group(f"seed's block ({REFERENCE} {SEED_RATE:g})", seed_specs)]


def final_groups(
    entries: Sequence[Entry], finalists: Sequence[str], rates: dict, config: Path, corpus: Path, plan: StudyPlan, block: Path
) -> list:
    """The long runs: the finalists at the final budget and, if asked, the seed's block at its full schedule."""
    groups = tuned_groups(entries, finalists, rates, config, corpus, plan.final, plan.seeds, FINALIST)
    if plan.seed_block_full:
        full = replace(SEED_FULL, dev_limit=plan.budget.dev_limit)
        seed_specs = make_specs([Entry(REFERENCE, block, SEED_RATE)], [0], config, corpus, full)
        groups.append(Group(f"seed's block, full schedule ({full.steps} steps)", seed_specs))
    return groups


def choose_finalists(rows: Sequence[report.Row], rates: dict, count: int) -> list:
    """The ``count`` tuned optimizers of best mean dev F at the study's budget (ties: list order)."""
    tuned = [row for row in rows if row.label in rates and row.dev_f is not None]
    return [row.label for row in sorted(tuned, key=lambda row: -row.dev_f.mean)[:count]]


def summarize_groups(groups: Sequence[Group], records: dict, reference: str) -> list[report.Row]:
    """One row per group, each compared by seed with the group labelled ``reference`` (if any)."""
    by_label = {group.label: [records[spec] for spec in group.specs] for group in groups}
    runs_of_reference = by_label.get(reference, [])
    return [report.summarize(label, runs, runs_of_reference if label != reference else ()) for label, runs in by_label.items()]


def study(
    config: Path,
    corpus: Path,
    output: Path,
    list_path: Path,
    *,
    names: Optional[Sequence[str]] = None,
    plan: StudyPlan = StudyPlan(),
    executor: Optional[Executor] = None,
) -> list[report.Row]:
    """Tune, run the seeds, and write results.json, report.md and the plots into ``output``.

    Every argument is checked before the first run: an unknown optimizer or an
    empty grid fails at once.
    """
    start = timer()
    plan.check()
    entries = select(read_entries(list_path), names)
    seed_block = next((e.block for e in read_entries(list_path) if e.name == REFERENCE), None)
    if seed_block is None:
        raise ValueError(f"{list_path} has no {REFERENCE} entry, whose block is the seed's reference")
    executor = executor or LocalExecutor()
    names = [entry.name for entry in entries]

    tuning_specs = grid_specs(entries, 0, config, corpus, plan.tuning, span=plan.span, points=plan.points)
    tuning_records = executor.run(tuning_specs, output / "tuning" / "runs", "study tuning")
    sweep = sweep_points(tuning_records, names)
    rates = best_rates(sweep)
    for _ in range(plan.extend):
        more = [replace(spec, learn_rate=rate) for spec, rate in edge_extensions(tuning_specs, rates, plan)]
        if not more:
            break
        tuning_specs += more
        tuning_records = executor.run(tuning_specs, output / "tuning" / "runs", "study tuning")
        sweep = sweep_points(tuning_records, names)
        rates = best_rates(sweep)
    write_atomic(output / "tuning" / "sweep.json", json.dumps({"points": sweep, "best": rates}, indent=1) + "\n")

    groups = seeded_groups(entries, rates, config, corpus, plan, seed_block)
    specs = [spec for group in groups for spec in group.specs]
    records = dict(zip(specs, executor.run(specs, output / "runs", "study")))
    rows = summarize_groups(groups, records, REFERENCE)
    finalists = choose_finalists(rows, rates, plan.finalists)

    # The long runs share a folder of their own (the full schedule repeats the name of a seeded run).
    long_groups = final_groups(entries, finalists, rates, config, corpus, plan, seed_block)
    long_specs = [spec for group in long_groups for spec in group.specs]
    long_records = dict(zip(long_specs, executor.run(long_specs, output / "final" / "runs", "study, finalists") if long_specs else []))
    final_rows = summarize_groups(long_groups, long_records, FINALIST.format(name=REFERENCE))

    every = {**records, **long_records}
    by_label = {group.label: [every[spec] for spec in group.specs] for group in [*groups, *long_groups]}
    write_plots(output, by_label, sweep, rates, plan)
    elapsed = timer() - start
    all_records = [*tuning_records, *records.values(), *long_records.values()]
    write_atomic(
        output / "results.json",
        json.dumps(
            {
                "plan": asdict(plan),
                "optimizers": names,
                "chosen_rates": rates,
                "untuned": [name for name in names if name not in rates],
                "rows": [asdict(row) for row in rows],
                "finalists": finalists,
                "final_rows": [asdict(row) for row in final_rows],
                "elapsed_seconds": elapsed,
                "cpu_seconds": sum(r.cpu_seconds or 0.0 for r in all_records),
                "tuning": [r.to_json() for r in tuning_records],
                "runs": [r.to_json() for r in records.values()],
                "final": [r.to_json() for r in long_records.values()],
            },
            indent=1,
            default=float,
        )
        + "\n",
    )
    write_atomic(output / "report.md", report_markdown(rows, final_rows, plan, rates, names, elapsed, all_records))
    return [*rows, *final_rows]


def report_markdown(
    rows: Sequence[report.Row],
    final_rows: Sequence[report.Row],
    plan: StudyPlan,
    rates: dict,
    names: Sequence[str],
    elapsed: float,
    records: Sequence[RunRecord],
) -> str:
    tuning, budget, final = plan.tuning, plan.budget, plan.final
    untuned = [name for name in names if name not in rates]
    cpu = sum(r.cpu_seconds or 0.0 for r in records)
    lines = [
        f"# Optimizer study: {len(names)} optimizers, {plan.seeds} seed(s) at tuned rates",
        "",
        f"Tuning: {plan.points} peak rates per optimizer, log-spaced over ±{plan.span:g} decade(s) around its "
        f"block's own rate, then one grid step more, up to {plan.extend} times, beyond a best rate at the edge "
        f"of what was tried; {tuning.steps} steps each (warm-up {tuning.warmup_steps}), seed 0; the chosen rate "
        f"has the best final dev F (ties: lowest final loss). Seeded runs: {budget.steps} steps, warm-up "
        f"{budget.warmup_steps} then linear decay, {_sentences(budget.train_limit)} training sentences, dev "
        f"evaluated every {budget.eval_frequency} steps on {budget.dev_limit or 'all'} dev sentences. "
        f"Finalists: the {plan.finalists} best by mean dev F, at the same rate, {final.steps} steps (warm-up "
        f"{final.warmup_steps}), {_sentences(final.train_limit)} training sentences, dev every "
        f"{final.eval_frequency} steps. This invocation took {elapsed / 60:.1f} min "
        f"({cpu / 60:.1f} CPU-minutes summed over all runs, resumed ones included).",
        "",
        report.table(rows, REFERENCE),
        "Mean ± 95% confidence half-width over seeds (Student's t). dev F: entity F at the last step with the "
        "parameter averages, as spaCy evaluates; generated test F: corpus/test.spacy (unseen places); "
        "hand-written: sentence accuracy on the hand-written test sentences. Steps and seconds to a dev F: "
        "the first evaluation at or above it, over the seeds that reached it (k/n when not all did). "
        f"dev F − {REFERENCE}: paired by seed, two-sided paired t-test; * where p < {report.ALPHA}. "
        "State memory: weights plus optimizer state in multiples of the number of weights n. "
        "CPU s: per run, set-up and evaluations included.",
        "",
        *_reached_lines(rows),
    ]
    if untuned:
        lines.append(f"- No rate of the grid finished for: {', '.join(untuned)} (left out of the seeded runs).")
    if final_rows:
        lines += [
            "",
            f"## Finalists: {final.steps} steps on {_sentences(final.train_limit)} training sentences",
            "",
            report.table(final_rows, FINALIST.format(name=REFERENCE)),
            *_reached_lines(final_rows),
        ]
    lines.append("")
    lines.append(
        "Figures: `dev_f.png` (curves, 95% bands), `final_dev_f.png` (the finalists'), `time_to_target.png`, "
        "`dev_f_vs_rate.png` (tuning)."
    )
    return "\n".join(lines) + "\n"


def _sentences(limit: int) -> str:
    return f"the first {limit:,}" if limit else "all"


def _reached_lines(rows: Sequence[report.Row]) -> list:
    """Which rows reached each target dev F in every seed."""
    return [
        f"- Every seed reached dev F ≥ {target:.2f}: "
        + (", ".join(row.label for row in rows if row.steps_to[target][1] == row.ok > 0) or "none")
        + "."
        for target in report.TARGETS
    ]


def write_plots(output: Path, by_label: dict, sweep: dict, rates: dict, plan: StudyPlan) -> None:
    """Dev F curves with 95% bands (the study's budget; the finalists'), time to each target, and dev F
    against the rate."""
    title = "Dev entity F at tuned rates, {steps} steps (band: 95% confidence over seeds)"
    for name, budget in (("dev_f.png", plan.budget), ("final_dev_f.png", plan.final)):
        bands = _bands(by_label, budget)
        if bands:
            plots.curves(output / name, bands, title=title.format(steps=budget.steps), ylabel="dev F", log_y=False)
    times = {label: [report.summarize(label, runs).seconds_to[t] for t in report.TARGETS] for label, runs in by_label.items()}
    plots.time_to_target(output / "time_to_target.png", times, report.TARGETS)
    plots.dev_f_vs_rate(output / "dev_f_vs_rate.png", sweep, rates)


def _bands(by_label: dict, budget: Budget) -> dict:
    """Mean dev F and its 95% band over seeds at every evaluation, for the labels run at ``budget``."""
    bands = {}
    for label, runs in by_label.items():
        ok = [r for r in runs if r.ok]
        if not ok or ok[0].spec.budget != budget or len({len(r.evals) for r in ok}) != 1:
            continue
        steps = [point.step for point in ok[0].evals]
        estimates = [report.estimate(column) for column in zip(*([point.ents_f for point in r.evals] for r in ok))]
        bands[label] = plots.Band(
            steps,
            [e.mean for e in estimates],
            [e.mean - (e.half_width or 0.0) for e in estimates],
            [e.mean + (e.half_width or 0.0) for e in estimates],
        )
    return bands
