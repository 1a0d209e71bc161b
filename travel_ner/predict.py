"""Text -> (departure, arrival), or no trip; single sentences, batches and ``id,sentence`` files.

A sentence is a trip only when the model finds exactly one departure and one
arrival, and they differ: anything else (one city, two departures, the same
city twice) is answered ``INVALID``, as in the Travel Order Resolver exercise.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Optional, TextIO

from spacy.language import Language
from spacy.tokens import Doc

from .files import write_atomic

INVALID = "INVALID"


class Trip(NamedTuple):
    departure: str
    arrival: str


class FileLine(NamedTuple):
    """One line of an ``id,sentence`` file: its id and sentence, or why it cannot be read."""

    line_no: int
    id: str
    sentence: str
    problem: str = ""


def extract_trip(doc: Doc) -> Optional[Trip]:
    """The trip that ``doc``'s entities describe, or ``None`` when they describe no single trip."""
    found = {"DEP": [], "ARR": []}
    for ent in doc.ents:
        found.setdefault(ent.label_, []).append(ent.text)
    if len(found["DEP"]) != 1 or len(found["ARR"]) != 1:
        return None
    trip = Trip(found["DEP"][0], found["ARR"][0])
    if trip.departure.casefold() == trip.arrival.casefold():
        return None
    return trip


RESOLVE_MODES = ("strict", "last")


@Language.factory("trip_filter", default_config={"resolve": "strict"})
def make_trip_filter(nlp: Language, name: str, resolve: str) -> "TripFilter":
    if resolve not in RESOLVE_MODES:
        raise ValueError(f"[components.{name}] resolve = {resolve!r}; allowed: {', '.join(RESOLVE_MODES)}")
    return TripFilter(resolve)


class TripFilter:
    """Leave ``doc.ents`` naming one trip or nothing, so that they always agree with :func:`extract_trip`.

    DEP and ARR are only ever annotated in pairs, so a lone entity is wrong whichever
    it is. With ``resolve = "strict"`` two departures (or arrivals) clear the sentence;
    with ``"last"`` the last of each label is kept, as when a writer corrects a place
    ("de Vannes, non, de Lorient") or a stop was taken for an end.
    """

    def __init__(self, resolve: str = "strict"):
        self.resolve = resolve

    def __call__(self, doc: Doc) -> Doc:
        if self.resolve == "last" and doc.ents:
            last = {ent.label_: ent for ent in doc.ents}
            doc.set_ents(sorted(last.values(), key=lambda ent: ent.start), default="outside")
        if doc.ents and extract_trip(doc) is None:
            doc.set_ents([], default="outside")
        return doc


trip_filter = TripFilter("strict")


def predict_texts(nlp: Language, texts: Iterable[str], batch_size: int = 256) -> Iterator[Optional[Trip]]:
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield extract_trip(doc)


def read_lines(raw: bytes) -> Iterator[FileLine]:
    """Split an ``id,sentence`` file into lines, flagging each one that cannot be read as such."""
    for line_no, line in enumerate(raw.splitlines(), start=1):
        problem = ""
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as err:
            text = line.decode("utf-8", errors="replace")
            problem = f"bytes that are not UTF-8 at byte {err.start + 1} of the line were replaced by U+FFFD"
        text = text.lstrip("\ufeff") if line_no == 1 else text
        if not text.strip():
            yield FileLine(line_no, "", "", "empty line: expected 'id,sentence'")
            continue
        if "," not in text:
            yield FileLine(line_no, "", text, "no comma: expected 'id,sentence'")
            continue
        sentence_id, sentence = text.split(",", 1)
        if not sentence.strip():
            problem = "blank sentence"
        yield FileLine(line_no, sentence_id.strip(), sentence.strip(), problem)


def predict_file(nlp: Language, input_path: Path, output: Optional[Path], log: TextIO = sys.stderr) -> int:
    """Answer every line of ``input_path``; write ``id,departure,arrival`` or ``id,INVALID``.

    Lines without an id are reported on ``log`` and skipped; the output file is
    written whole or not at all. Returns the number of lines answered.
    """
    lines = list(read_lines(input_path.read_bytes()))
    answerable = [line for line in lines if line.id]
    for line in lines:
        if line.problem:
            log.write(f"{input_path}:{line.line_no}: {line.problem}\n")
    trips = predict_texts(nlp, (line.sentence for line in answerable))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line, trip in zip(answerable, trips):
        writer.writerow([line.id, *trip] if trip else [line.id, INVALID])
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        write_atomic(output, buffer.getvalue())
    return len(answerable)

