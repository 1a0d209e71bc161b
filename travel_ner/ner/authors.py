"""The many-author corpus: one file per independent writer, split by author, not by sentence.

A model that is scored on sentences of the people it learnt from measures how well
it remembers their habits; ``splits.json`` fixes, once, which authors train and
which only serve for dev and test, so that a test author's phrasing never reaches
training. Two sentences that differ only in case, accents, punctuation or spacing
count as one, and may not appear twice in the corpus.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from .annotations import AUTHOR_TAGS, Annotated, AnnotationError, read_annotated

SPLIT_NAMES = ("train", "dev", "test")


@dataclass(frozen=True)
class AuthorSplits:
    """Author ids of each split, as ``splits.json`` fixes them."""

    train: tuple[str, ...]
    dev: tuple[str, ...]
    test: tuple[str, ...]

    def of(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)


def read_splits(path: Path) -> AuthorSplits:
    """Read and check ``splits.json``: every split present, each author in exactly one."""
    if not path.is_file():
        raise AnnotationError(f"{path} not found: it lists the authors of each split ({', '.join(SPLIT_NAMES)})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise AnnotationError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(data, dict) or set(data) != set(SPLIT_NAMES):
        raise AnnotationError(f"{path}: expected an object with exactly the keys {', '.join(SPLIT_NAMES)}")
    seen: dict[str, str] = {}
    for name in SPLIT_NAMES:
        ids = data[name]
        if not isinstance(ids, list) or not all(isinstance(i, str) and re.fullmatch(r"[a-z0-9_]+", i) for i in ids):
            raise AnnotationError(f"{path}: '{name}' must be a list of author ids (lowercase letters, digits, _)")
        for author in ids:
            if author in seen:
                raise AnnotationError(f"{path}: author {author!r} is in both '{seen[author]}' and '{name}'")
            seen[author] = name
    return AuthorSplits(*(tuple(data[name]) for name in SPLIT_NAMES))


def read_any(path: Path) -> list[Annotated]:
    """An annotated file; one of an ``authors/`` folder with its tags checked and its author set."""
    if path.parent.name != "authors":
        return read_annotated(path)
    return [replace(s, author=path.stem) for s in read_annotated(path, AUTHOR_TAGS)]


def duplicate_key(text: str) -> str:
    """The key under which two sentences are the same: no case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


def check_no_duplicates(sentences: Iterable[Annotated]) -> None:
    """Refuse two sentences with the same :func:`duplicate_key`, naming both."""
    seen: dict[str, Annotated] = {}
    for sentence in sentences:
        key = duplicate_key(sentence.text)
        twin = seen.setdefault(key, sentence)
        if twin is not sentence:
            raise AnnotationError(
                f"{sentence.source}: {sentence.text!r} is the same sentence as {twin.text!r} "
                f"({twin.source}) once case, accents and punctuation are ignored"
            )


def read_authors(folder: Path) -> dict[str, list[Annotated]]:
    """The sentences of every split's authors, checked: known tags, one file per author, no duplicates."""
    splits = read_splits(folder / "splits.json")
    listed = {author for name in SPLIT_NAMES for author in splits.of(name)}
    files = {path.stem for path in folder.glob("*.txt")}
    if files - listed:
        raise AnnotationError(
            f"{folder}: author file(s) {', '.join(sorted(files - listed))} are in no split of splits.json"
        )
    if listed - files:
        raise AnnotationError(f"{folder}: splits.json lists author(s) with no file: {', '.join(sorted(listed - files))}")
    by_split: dict[str, list[Annotated]] = {name: [] for name in SPLIT_NAMES}
    for name in SPLIT_NAMES:
        for author in splits.of(name):
            path = folder / f"{author}.txt"
            sentences = [replace(s, author=author) for s in read_annotated(path, AUTHOR_TAGS)]
            if not sentences:
                raise AnnotationError(f"{path}: no sentence in this author file")
            by_split[name] += sentences
    check_no_duplicates(s for name in SPLIT_NAMES for s in by_split[name])
    return by_split


def tag_counts(sentences: Sequence[Annotated]) -> dict[str, int]:
    """How many sentences carry each tag."""
    counts = {tag: 0 for tag in AUTHOR_TAGS}
    for sentence in sentences:
        for tag in sentence.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return counts


@dataclass(frozen=True)
class Disagreement:
    """A sentence that the author and the second annotator marked differently."""

    source: str
    text: str
    first: str
    second: str


def markup(sentence: Annotated) -> str:
    """The sentence written back with its ``[name](LABEL)`` markup."""
    parts, pos = [], 0
    for start, end, label in sentence.spans:
        parts += [sentence.text[pos:start], f"[{sentence.text[start:end]}]({label})"]
        pos = end
    return "".join(parts) + sentence.text[pos:]


def raw_text(sentences: Sequence[Annotated]) -> str:
    """The sentences without markup or tags, one a line, for a second annotator who must not see them."""
    return "".join(("\\" + s.text if s.text.startswith("#") else s.text) + "\n" for s in sentences)


def disagreements(first: Sequence[Annotated], second: Sequence[Annotated]) -> list[Disagreement]:
    """Sentences whose spans differ between two annotations of the same lines, in order.

    The second file must hold the same sentences in the same order: a changed text
    is an error, since the agreement would then be measured on other sentences.
    """
    if [s.text for s in first] != [s.text for s in second]:
        changed = next((a, b) for a, b in zip(first, second) if a.text != b.text) if len(first) == len(second) else None
        where = f": {changed[1].source} reads {changed[1].text!r} for {changed[0].text!r}" if changed else ""
        raise AnnotationError(
            f"the second annotation has {len(second)} sentences for {len(first)}, or other texts{where}"
        )
    return [
        Disagreement(a.source, a.text, markup(a), markup(b)) for a, b in zip(first, second) if a.spans != b.spans
    ]
