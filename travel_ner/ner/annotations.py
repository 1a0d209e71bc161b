"""Reading, validating and converting annotated sentences to spaCy ``DocBin``.

Hand-written sentences live in ``assets/`` as one sentence a line with inline
markup (``de [Marseille](DEP) à [Paris](ARR)``, see ``assets/README.md``): a
person can read and edit them, and the offsets are computed, never typed. Every
problem is reported with file, line and offending text, and nothing is written
until the whole input is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc, DocBin

LABELS = ("DEP", "ARR")
#: The sentence classes a ``textcat`` learns before ``trip_filter``: a trip is annotated (both ends) or not.
TRIP, NO_TRIP = "TRIP", "NO_TRIP"
# The families that tag the sentences of assets/authors (see assets/README.md).
AUTHOR_TAGS = (
    "request", "inverted", "entre", "bare", "person", "correction", "stops", "situation", "not_request",
    "texting", "station", "email", "abroad",
)
MARKUP = re.compile(r"\[([^\[\]]+)\]\(([^()]*)\)")
TOKENIZER_CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "travel_ner.Tokenizer.v1"}}}


class AnnotationError(ValueError):
    """An annotated sentence that cannot be used, with where it came from."""


@dataclass(frozen=True)
class Annotated:
    """A sentence with character-offset entity spans, its category and its tags (category first)."""

    text: str
    spans: tuple[tuple[int, int, str], ...] = ()
    category: str = "standard"
    source: str = ""
    tags: tuple[str, ...] = ()
    author: str = ""

    @property
    def is_trip(self) -> bool:
        return bool(self.spans)

    @classmethod
    def trip(cls, text: str, departure: str | None, arrival: str | None, category: str = "standard") -> "Annotated":
        """``text`` with its ends marked where their names first occur (none where both are ``None``)."""
        ends = [(text.index(name), text.index(name) + len(name), label) for name, label in ((departure, "DEP"), (arrival, "ARR")) if name]
        return cls(text, tuple(sorted(ends)), category)


def parse_markup(line: str, source: str = "") -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """Strip ``[text](LABEL)`` markup from ``line`` and return the text and its spans."""
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for match in MARKUP.finditer(line):
        text_parts.append(line[pos : match.start()])
        start = sum(map(len, text_parts))
        name, label = match.group(1), match.group(2)
        if label not in LABELS:
            raise AnnotationError(
                f"{source}: unknown label {label!r} on {match.group(0)!r}; allowed: {', '.join(LABELS)}"
            )
        if name != name.strip():
            raise AnnotationError(f"{source}: span {name!r} starts or ends with a space")
        text_parts.append(name)
        spans.append((start, start + len(name), label))
        pos = match.end()
    rest = line[pos:]
    text_parts.append(rest)
    text = "".join(text_parts)
    leftover = re.search(r"\[|\]\(", text)
    if leftover:
        raise AnnotationError(
            f"{source}: malformed or nested markup near {line[max(0, leftover.start() - 10):][:40]!r}; "
            "write entities as [name](DEP) or [name](ARR)"
        )
    return text, tuple(spans)


def read_annotated(path: Path, allowed_tags: Collection[str] | None = None) -> list[Annotated]:
    """Read one annotated file (see ``assets/README.md``) into ``Annotated`` sentences.

    With ``allowed_tags``, a header naming any other tag is refused.
    """
    try:
        content = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        line_no = path.read_bytes()[: err.start].count(b"\n") + 1
        raise AnnotationError(f"{path}:{line_no}: not valid UTF-8 ({err.reason} at byte {err.start})") from None
    content = content.removeprefix("\ufeff")  # a byte-order mark is no sentence
    tags: tuple[str, ...] = ("standard",)
    sentences = []
    for line_no, raw in enumerate(content.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("## "):
            tags = tuple(line[3:].split())
            bad = [tag for tag in tags if not re.fullmatch(r"[a-z_]+", tag)]
            if not tags or bad:
                raise AnnotationError(
                    f"{path}:{line_no}: category {line[3:].strip()!r} must be one or more tags of lowercase "
                    "letters and _, separated by spaces"
                )
            unknown = [tag for tag in tags if allowed_tags is not None and tag not in allowed_tags]
            if unknown:
                raise AnnotationError(
                    f"{path}:{line_no}: unknown tag(s) {', '.join(unknown)}; allowed: {', '.join(allowed_tags)}"
                )
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("\\#"):
            line = line[1:]
        source = f"{path}:{line_no}"
        text, spans = parse_markup(line, source)
        labels = sorted(label for _, _, label in spans)
        if labels and labels != sorted(LABELS):
            raise AnnotationError(
                f"{source}: {text!r} marks {', '.join(labels)}; a trip marks exactly one DEP and one ARR, "
                "a non-trip nothing"
            )
        sentences.append(Annotated(text, spans, tags[0], source, tags))
    return sentences


def make_tokenizer_nlp(lang: str = "fr") -> Language:
    """A blank pipeline with the project tokenizer, the one training and prediction use."""
    import spacy

    return spacy.blank(lang, config=TOKENIZER_CONFIG)


def to_doc(nlp: Language, sentence: Annotated) -> Doc:
    """Tokenize ``sentence`` and set its entities and trip class, refusing spans off token boundaries or overlapping."""
    doc = nlp.make_doc(sentence.text)
    ents = []
    for start, end, label in sentence.spans:
        span = doc.char_span(start, end, label=label)
        if span is None:
            tokens = " | ".join(t.text for t in doc)
            raise AnnotationError(
                f"{sentence.source}: span {sentence.text[start:end]!r} ({label}) does not fall on token "
                f"boundaries; tokens are: {tokens}"
            )
        if ents and span.start < ents[-1].end:
            raise AnnotationError(
                f"{sentence.source}: span {span.text!r} ({label}) overlaps {ents[-1].text!r} ({ents[-1].label_})"
            )
        ents.append(span)
    doc.ents = ents
    doc.cats = {TRIP: float(sentence.is_trip), NO_TRIP: float(not sentence.is_trip)}
    doc.user_data["category"] = sentence.category
    doc.user_data["tags"] = tuple(sentence.tags or (sentence.category,))
    if sentence.author:
        doc.user_data["author"] = sentence.author
    doc.user_data["source"] = sentence.source
    return doc


def to_docbin(nlp: Language, sentences: Iterable[Annotated], *, metadata: bool = True) -> DocBin:
    """The sentences as one DocBin; with ``metadata``, each doc keeps its category, tags, author and
    source for scoring. A doc's metadata costs ~0.8 ms to read back (srsly looks up its msgpack entry
    points for every doc), 14 times the doc itself: training reads its corpus several times and needs none."""
    docbin = DocBin(store_user_data=metadata)
    for sentence in sentences:
        docbin.add(to_doc(nlp, sentence))
    return docbin


def normalise(text: str) -> str:
    """The key under which two sentences count as the same (case and spacing ignored)."""
    return " ".join(text.casefold().split())


def check_no_leakage(splits: dict[str, Sequence[Annotated]], train: str = "train") -> None:
    """Refuse any sentence of a held-out split that also appears in ``train``."""
    seen = {normalise(s.text): s for s in splits[train]}
    for name, sentences in splits.items():
        if name == train:
            continue
        for sentence in sentences:
            twin = seen.get(normalise(sentence.text))
            if twin is not None:
                raise AnnotationError(
                    f"{sentence.source}: sentence {sentence.text!r} of '{name}' is also in '{train}' "
                    f"({twin.source or 'generated'}): that would leak the answer"
                )


def label_counts(sentences: Iterable[Annotated]) -> dict[str, int]:
    counts = {"sentences": 0, **{label: 0 for label in LABELS}}
    for sentence in sentences:
        counts["sentences"] += 1
        for _, _, label in sentence.spans:
            counts[label] += 1
    return counts

