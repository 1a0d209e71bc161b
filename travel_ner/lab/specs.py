"""What determines a run: the shared budget, the optimizer list file, a run's spec and its fingerprint.

A spec is all a run depends on, so equal specs give equal records and a saved
record is reused only when its spec is equal. The fingerprint makes that
hold across code changes: it hashes the input files (config, corpus splits,
optimizer block) together with the source of every module that takes part in
training a run and the versions of the packages it runs on, so that a changed
training loop, optimizer, scorer or library never reuses a stale record.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Iterable, Optional, Sequence

import srsly
from spacy.util import load_config
from thinc.api import Config

from ..files import write_atomic
from .defaults import DEV_LIMIT, TRAIN_LIMIT, WARMUP_FRACTION
from .benchmark import read_optimizer_block, with_optimizer

SPLITS = ("train", "dev", "test", "handwritten_test")
PACKAGE = Path(__file__).resolve().parent.parent
#: Code a run executes (relative to the package): the NER product, the optimizers, and this module with
#: run.py and benchmark.py; the report, plots and executors only read records, so they are left out.
RECORD_CODE = ("files.py", "ner/**/*.py", "optim/**/*.py", "lab/specs.py", "lab/run.py", "lab/benchmark.py")
RECORD_PACKAGES = ("spacy", "thinc", "numpy", "srsly")


@dataclass(frozen=True)
class Budget:
    """What every run of one comparison shares, so that runs are comparable.

    ``steps`` counts updates as spaCy's ``max_steps`` does (steps 0..steps);
    the rate warms up linearly over ``warmup_steps``, then decays linearly to
    zero at ``schedule_steps`` (0: at ``steps``; the seed's config decays over
    20,000 steps but stops at 4,000); ``train_limit`` and ``dev_limit`` cap the
    documents read (0: all), which bounds start-up and evaluation time.
    """

    steps: int = 600
    eval_frequency: int = 50
    warmup_steps: int = 60
    train_limit: int = TRAIN_LIMIT
    dev_limit: int = DEV_LIMIT
    schedule_steps: int = 0

    @classmethod
    def shaped(
        cls,
        steps: int,
        eval_frequency: int,
        warmup: float = WARMUP_FRACTION,
        train_limit: int = TRAIN_LIMIT,
        dev_limit: int = DEV_LIMIT,
    ) -> "Budget":
        """The budget of a command line: its warm-up a fraction of its steps (``--warmup``)."""
        return cls(steps, eval_frequency, round(warmup * steps), train_limit, dev_limit)


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

    @classmethod
    def from_json(cls, data: dict) -> "RunSpec":
        return cls(**{**data, "budget": Budget(**data["budget"])})


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


def code_fingerprint() -> str:
    """Hash of the source of every module a run executes and of the package versions it runs on."""
    digest = hashlib.sha256(platform.python_version().encode())
    for package in RECORD_PACKAGES:
        digest.update(f"{package}=={version(package)}".encode())
    for path in sorted({p for pattern in RECORD_CODE for p in PACKAGE.glob(pattern)}):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def make_specs(
    entries: Iterable[Entry], seeds: Iterable[int], config: Path, corpus: Path, budget: Budget
) -> list[RunSpec]:
    """One spec per optimizer and seed, fingerprinted by the input files and the code (see the module)."""
    seeds = list(seeds)
    code = code_fingerprint()
    shared = [config, *(corpus / f"{split}.spacy" for split in SPLITS)]
    specs = []
    for entry in entries:
        fingerprint = _fingerprint([*shared, entry.block], code)
        for seed in seeds:
            specs.append(
                RunSpec(
                    entry.name, str(entry.block), entry.learn_rate, seed, str(config), str(corpus), budget, fingerprint
                )
            )
    return specs


def build_config(spec: RunSpec) -> Config:
    """The pipeline config with the spec's optimizer block, schedule, seed and budget.

    A block with a scheduled rate gets warm-up then linear decay at the spec's peak rate over the
    budget; a block with a constant rate keeps it constant at the spec's rate."""
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
    optimizer = config["training"]["optimizer"]
    shape = {"warmup_steps": budget.warmup_steps, "total_steps": budget.schedule_steps or budget.steps}
    # Every warm-up + linear decay of the block (Muon's fallback rate too) takes the budget's shape.
    for value in optimizer.values():
        if isinstance(value, dict) and value.get("@schedules") == "warmup_linear.v1":
            value.update(shape)
    if isinstance(optimizer.get("learn_rate", {}), dict):  # a block without a rate gets the schedule too
        optimizer["learn_rate"] = {"@schedules": "warmup_linear.v1", "initial_rate": spec.learn_rate, **shape}
    else:
        # A constant rate stays constant (Schedule-Free's point); its own warm-up takes the budget's.
        optimizer["learn_rate"] = spec.learn_rate
        if "warmup_steps" in optimizer:
            optimizer["warmup_steps"] = budget.warmup_steps
    return config


def block_rate(block: Path) -> float:
    """The peak rate an optimizer's block sets: its schedule's initial_rate, or a constant."""
    rate = read_optimizer_block(block)["training"]["optimizer"]["learn_rate"]
    return float(rate["initial_rate"] if isinstance(rate, dict) else rate)


def _fingerprint(paths: Iterable[Path], code: str) -> str:
    digest = hashlib.sha256(code.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
