"""Build an installable pipeline package (``fr_travel_ner``) from a trained pipeline with ``spacy package``.

The pipeline's tokenizer (``travel_ner.Tokenizer.v1``) and its ``trip_filter`` component
come from this project's package through entry points, so the pipeline package must
require it: the meta given to ``spacy package`` lists ``travel_ner==<version in
pyproject.toml>`` in ``requirements``, which spaCy's setup.py turns into
``install_requires``. (spaCy 3.8 also adds the packages that provide the config's
registered functions by itself, as ``travel_ner>=0.1.0,<0.2.0``, but only when
travel_ner's metadata is installed where the package is built; a requirement already in
the meta is not added twice.)

spaCy builds the sdist; the wheel is built from that sdist with pip, offline and
without build isolation (``spacy package --build wheel`` needs the ``build`` or ``wheel``
package, which the project does not install). Both archives' metadata are then checked
for the requirement. ``pip install packages/fr_travel_ner-<version>/dist/*.whl`` pulls
travel_ner from an index or ``--find-links`` folder; loading the pipeline by its name then
finds its tokenizer and component through travel_ner's entry points.

The packages hold none of travel_ner's code, only the requirement: a change to the code
needs no new package (deps are the pipeline, this script and pyproject.toml's version).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "travel_ner"


def project_version(pyproject: Path) -> str:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a requirement string (``Travel-NER>=1`` -> ``travel-ner``)."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", name.group(1)).lower() if name else ""


def package_meta(model: Path, requirement: str) -> dict:
    """The pipeline's meta.json with ``requirement`` replacing any other requirement on this project."""
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    others = [r for r in meta.get("requirements", []) if requirement_name(r) != requirement_name(requirement)]
    meta["requirements"] = [*others, requirement]
    return meta


def archive_requirements(archive: Path) -> list[str]:
    """The ``Requires-Dist`` lines of an sdist's PKG-INFO or a wheel's METADATA."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zipped:
            name = next(n for n in zipped.namelist() if n.endswith(".dist-info/METADATA"))
            text = zipped.read(name).decode("utf-8")
    else:
        with tarfile.open(archive) as tarred:
            member = min((m for m in tarred.getmembers() if m.name.endswith("/PKG-INFO")), key=lambda m: m.name.count("/"))
            text = tarred.extractfile(member).read().decode("utf-8")
    headers = text.split("\n\n", 1)[0]
    return [line.split(":", 1)[1].strip() for line in headers.splitlines() if line.startswith("Requires-Dist:")]


def fail(message: str) -> None:
    print(f"package: {message}", file=sys.stderr)
    sys.exit(1)


def build(model: Path, output: Path, name: str, version: str, pyproject: Path) -> tuple[Path, Path]:
    """Build the sdist and the wheel of ``model`` under ``output``; their paths."""
    if not (model / "config.cfg").is_file() or not (model / "meta.json").is_file():
        fail(f"{model} is not a trained pipeline (no config.cfg or meta.json); run the 'train' step first")
    requirement = f"{PROJECT}=={project_version(pyproject)}"
    meta = package_meta(model, requirement)
    output.mkdir(parents=True, exist_ok=True)
    package_name = name if name.startswith(f"{meta['lang']}_") else f"{meta['lang']}_{name}"
    dist = output / f"{package_name}-{version}" / "dist"
    sdist = dist / f"{package_name}-{version}.tar.gz"
    wheel = dist / f"{re.sub('_+', '_', package_name)}-{version}-py3-none-any.whl"
    for stale in (sdist, wheel):
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "meta.json"
        meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        command = [
            sys.executable, "-m", "spacy", "package", str(model), str(output), "--name", name, "--version", version,
            "--meta", str(meta_path), "--build", "sdist", "--force",
        ]
        print("$", " ".join(command[1:]), flush=True)
        if subprocess.run(command).returncode != 0 or not sdist.is_file():
            fail(f"spacy package did not build {sdist}")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation"]
    pip += ["--disable-pip-version-check", "--quiet", "--wheel-dir", str(dist), str(sdist)]
    print("$", " ".join(pip[1:]), flush=True)
    if subprocess.run(pip).returncode != 0 or not wheel.is_file():
        fail(f"pip did not build {wheel} from {sdist}")
    for archive in (sdist, wheel):
        found = archive_requirements(archive)
        if requirement not in found:
            fail(f"{archive} requires {found or 'nothing'}, not {requirement}")
    print(f"Built {sdist} and {wheel}, both requiring {requirement}")
    return sdist, wheel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="Trained pipeline, e.g. training/model-best")
    parser.add_argument("output", type=Path, help="Parent folder of the package folder (created if missing)")
    parser.add_argument("--name", default=PROJECT, help="Package name without the language prefix (default: %(default)s)")
    parser.add_argument("--version", default=None, help="Pipeline package version (default: the version in pyproject.toml)")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml", help="Where travel_ner's version is read")
    args = parser.parse_args()
    build(args.model, args.output, args.name, args.version or project_version(args.pyproject), args.pyproject)


if __name__ == "__main__":
    main()
