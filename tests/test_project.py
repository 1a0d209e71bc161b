"""project.yml: every command declares the code and files it uses, so that weasel reruns exactly what changed.

weasel reruns a command when the checksum of a dep or output, or its script, differs
from ``project.lock``. The first tests check the declarations against the code (imports
followed through the package, and the entry points spaCy and thinc load by name); the
last one locks every command in a copy of the project, changes one file and asks
weasel, through ``project run --dry``, which commands it would run again.
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")
from weasel.cli.run import project_run, update_lockfile
from weasel.util import load_project_config

#: Code that builds or loads a pipeline resolves the project's tokenizer and factories by name.
LOADS_PIPELINE = re.compile(r"spacy\.load\(|init_nlp\(|spacy\.cli\.train|load_model_from_config\(")
#: make_tokenizer_nlp builds a blank pipeline with the project tokenizer only.
LOADS_TOKENIZER = re.compile(r"TOKENIZER_CONFIG")
#: Code that resolves config blocks or optimizers by name may load ours and our schedules.
RESOLVES_OPTIMIZERS = re.compile(r"registry\.resolve\(|registry\.optimizers\b")
PROJECT_DIRS = ("assets/", "configs/", "corpus/", "docs/", "scripts/", "training/")


@pytest.fixture(scope="module")
def commands(root, tmp_path_factory) -> dict[str, dict]:
    """The commands with their variables substituted (loaded from a copy: weasel creates missing directories)."""
    copy = tmp_path_factory.mktemp("yml")
    shutil.copy(root / "project.yml", copy / "project.yml")
    return {command["name"]: command for command in load_project_config(copy)["commands"]}


def module_file(root: Path, module: str) -> Path | None:
    """The file of a travel_ner module or package, relative to ``root``; None if there is none."""
    base = Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if (root / candidate).is_file():
            return candidate
    return None


def imported_modules(root: Path, path: Path) -> set[str]:
    """The travel_ner modules ``path`` imports, at top level or inside functions."""
    package = ".".join(path.parent.parts) if path.parts[0] == "travel_ner" else ""
    found = set()
    for node in ast.walk(ast.parse((root / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            parent = package.rsplit(".", node.level - 1)[0] if node.level else ""
            base = ".".join(part for part in (parent, node.module or "") if part)
            found.add(base)
            # `from . import plots` imports a module; `from .x import name` imports x alone.
            found |= {f"{base}.{alias.name}" for alias in node.names if module_file(root, f"{base}.{alias.name}")}
    return {name for name in found if name.split(".")[0] == "travel_ner"}


def entry_point_modules(root: Path, *groups: str) -> set[str]:
    entry_points = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    return {target.split(":")[0] for group in groups for target in entry_points.get(group, {}).values()}


def code_used(root: Path, command: dict) -> set[Path]:
    """Every file of scripts/ and travel_ner/ that running ``command`` executes."""
    todo: set[str] = set()
    files: set[Path] = set()
    for line in command["script"]:
        words = shlex.split(line)
        if words[:4] == ["python", "-m", "spacy", "train"]:
            todo |= entry_point_modules(root, "spacy_tokenizers", "spacy_factories")
        else:
            assert words[0] == "python" and words[1].startswith("scripts/"), f"unknown kind of step: {line}"
            files.add(Path(words[1]))
    seen: set[Path] = set()
    while files or todo:
        if todo:
            name = todo.pop()
            for depth in range(1, name.count(".") + 2):  # a module's packages run first
                found = module_file(root, ".".join(name.split(".")[:depth]))
                if found is not None:
                    files.add(found)
            continue
        path = files.pop()
        if path in seen:
            continue
        seen.add(path)
        todo |= imported_modules(root, path)
        text = (root / path).read_text(encoding="utf-8")
        if LOADS_PIPELINE.search(text):
            todo |= entry_point_modules(root, "spacy_tokenizers", "spacy_factories")
        if LOADS_TOKENIZER.search(text):
            todo |= entry_point_modules(root, "spacy_tokenizers")
        if RESOLVES_OPTIMIZERS.search(text):
            todo |= entry_point_modules(root, "thinc_optimizers", "thinc_schedules")
    return seen


def covers(declared: str, path: Path) -> bool:
    return path == Path(declared) or Path(declared) in path.parents


def test_every_command_depends_on_the_code_it_runs_and_no_other(root, commands):
    for name, command in commands.items():
        used = code_used(root, command)
        missing = sorted(str(p) for p in used if not any(covers(dep, p) for dep in command.get("deps", [])))
        assert not missing, f"{name} runs {missing} without declaring them"
        for dep in command.get("deps", []):
            code = [p for p in (root / dep).rglob("*.py")] if (root / dep).is_dir() else [root / dep]
            if dep.startswith(("scripts/", "travel_ner/")) and any(p.suffix == ".py" for p in code):
                assert any(covers(dep, p) for p in used), f"{name} depends on {dep}, which it does not run"


def test_every_path_a_script_names_is_a_dep_or_output(commands):
    for name, command in commands.items():
        declared = [*command.get("deps", []), *command.get("outputs", [])]
        for word in (w for line in command["script"] for w in shlex.split(line)):
            if word.startswith(PROJECT_DIRS):
                # A folder argument is declared through the files and folders in it.
                ok = any(covers(d, Path(word)) or Path(word) in Path(d).parents for d in declared)
                assert ok, f"{name} names {word} but neither depends on it nor writes it"


@pytest.fixture(scope="module")
def locked(root, commands, tmp_path_factory) -> Path:
    """A copy of the code and configs, with a placeholder for every other dep and output, and
    each command locked as if it had just run."""
    path = tmp_path_factory.mktemp("project")
    shutil.copy(root / "project.yml", path / "project.yml")
    shutil.copy(root / "pyproject.toml", path / "pyproject.toml")
    for name in ("configs", "scripts", "travel_ner"):
        shutil.copytree(root / name, path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for command in commands.values():
        for declared in (*command.get("deps", []), *command.get("outputs", [])):
            target = path / declared
            if not target.exists():
                file = target if target.suffix else target / "placeholder"
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(f"placeholder for {declared}\n")
    for command in commands.values():
        update_lockfile(path, command)
    return path


def reruns(project: Path, commands: dict[str, dict], capsys) -> set[str]:
    """The commands ``spacy project run NAME --dry`` would run rather than skip."""
    capsys.readouterr()
    skipped = set()
    for name in commands:
        project_run(project, name, dry=True)
        if f"Skipping '{name}': nothing changed" in capsys.readouterr().out:
            skipped.add(name)
    return set(commands) - skipped


PIPELINE_USERS = {
    "train", "evaluate", "bench-speed", "bench-optimizers", "model-choices", "seeds", "lr-sweep", "lr-find", "compare",
    "study",
}
OPTIMIZER_USERS = {"bench-optimizers", "lr-sweep", "lr-find", "plot-schedules", "compare", "study", "landscapes"}


@pytest.mark.parametrize(
    "changed, expected",
    [
        (None, set()),
        ("travel_ner/ner/generate.py", {"corpus"}),
        ("travel_ner/ner/predict.py", PIPELINE_USERS),
        ("travel_ner/ner/tokenizer.py", PIPELINE_USERS | {"corpus"}),
        ("travel_ner/optim/*.py", OPTIMIZER_USERS),
        ("travel_ner/lab/plots.py", {"lr-sweep", "compare", "study", "landscapes", "docs-figures"}),
        ("travel_ner/ner/speed.py", {"bench-speed", "model-choices"}),
        ("travel_ner/ner/scoring.py", {"evaluate", "model-choices", "seeds", "lr-sweep", "lr-find", "compare", "study"}),
        ("scripts/evaluate.py", {"evaluate"}),
        ("configs/compare.yml", {"lr-sweep", "lr-find", "compare", "study"}),
        # An output is checked too: its command reruns with those that read it.
        ("corpus/test.spacy", {"corpus", "evaluate", "bench-speed", "model-choices", "seeds", "lr-sweep", "compare", "study"}),
        ("training/landscapes/saddle.png", {"landscapes", "docs-figures"}),
    ],
)
def test_a_change_reruns_exactly_the_commands_that_use_it(locked, commands, capsys, tmp_path, changed, expected):
    project = tmp_path / "project"
    shutil.copytree(locked, project)
    if changed is not None:
        target = sorted(project.glob(changed))[0]
        target.write_bytes(target.read_bytes() + b"\n# changed\n")
    assert reruns(project, commands, capsys) == expected
