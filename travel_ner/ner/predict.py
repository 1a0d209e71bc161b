"""Text -> (departure, arrival), or no trip; single sentences, batches and ``id,sentence`` files.

A sentence is a trip only when the model finds exactly one departure and one
arrival, and they differ: anything else (one city, two departures, the same
city twice) is answered ``INVALID``, as in the Travel Order Resolver exercise.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import signal
import sys
from functools import lru_cache
from itertools import tee
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Optional, Sequence, TextIO

from spacy.language import Language
from spacy.tokens import Doc, Span
from tqdm import tqdm

from ..files import write_atomic
from .annotations import TRIP
from .places import known_places, place_key

INVALID = "INVALID"
#: The path that stands for standard input (as ``--input``) or standard output (as ``--output``).
STDIO = Path("-")
#: Lines from which a file gets a progress bar even when stderr is no terminal (about a second of work).
LARGE_INPUT = 5_000
#: Sentences a worker process answers per task, when there are several.
CHUNK = 500
#: The most tokens a place name may span when ``trip_filter`` looks one up ("Saint-Rémy-de-Provence" is 1).
NAME_TOKENS = 8


class InputError(ValueError):
    """An input or output that ``predict`` refuses before writing anything."""


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


RESOLVE_MODES = ("strict", "last", "order")


@Language.factory("trip_filter", default_config={"resolve": "strict", "complete": False, "threshold": 0.0})
def make_trip_filter(nlp: Language, name: str, resolve: str, complete: bool, threshold: float) -> "TripFilter":
    if resolve not in RESOLVE_MODES:
        raise ValueError(f"[components.{name}] resolve = {resolve!r}; allowed: {', '.join(RESOLVE_MODES)}")
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"[components.{name}] threshold = {threshold!r}; allowed: 0 (no textcat) to below 1")
    return TripFilter(resolve, complete, threshold)


class TripFilter:
    """Leave ``doc.ents`` naming one trip or nothing, so that they always agree with :func:`extract_trip`.

    DEP and ARR are only ever annotated in pairs, so a lone entity is wrong whichever
    it is. With ``resolve = "strict"`` two departures (or arrivals) clear the sentence;
    with ``"last"`` the last of each label is kept, as when a writer corrects a place
    ("de Vannes, non, de Lorient") or a stop was taken for an end. ``"order"`` does as
    ``"last"``, except where the NER gave every place it found the same label: then the
    first is the departure and the last the arrival, as a writer who tells a situation
    names them ("fin de garde à Remiremont, rdv à Vittel à 9h").

    With ``complete``, a lone end is paired with a place of the gazetteer named in the
    sentence (the first one named for a missing departure, the last for a missing
    arrival): the NER often finds one end of a trip written as it never read one
    ("gueret depuis aubusson"), and the other name is a known commune or station.

    With a ``threshold`` above 0, a ``textcat`` earlier in the pipeline must have scored
    the sentence ``TRIP``: below the threshold it has no trip. The classifier reads the
    whole sentence, where the NER sees a few words around each place, and so knows a
    story, an opinion or a thank-you that names two towns ("quand j'étais petit on
    prenait le train de Sète à Nîmes").
    """

    def __init__(self, resolve: str = "strict", complete: bool = False, threshold: float = 0.0):
        self.resolve = resolve
        self.complete = complete
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        if self.threshold > 0:
            if TRIP not in doc.cats:
                raise ValueError(
                    f"trip_filter threshold = {self.threshold} needs a textcat with the label {TRIP} before it in the pipeline"
                )
            if doc.cats[TRIP] < self.threshold:
                doc.set_ents([], default="outside")
                return doc
        ents = doc.ents
        if self.resolve == "order" and len(ents) > 1 and len({ent.label_ for ent in ents}) == 1:
            doc.set_ents([Span(doc, ents[0].start, ents[0].end, "DEP"), Span(doc, ents[-1].start, ents[-1].end, "ARR")])
        elif self.resolve in ("last", "order") and ents:
            last = {ent.label_: ent for ent in ents}
            doc.set_ents(sorted(last.values(), key=lambda ent: ent.start), default="outside")
        if self.complete and len(doc.ents) == 1:
            other = other_end(doc, doc.ents[0])
            if other is not None:
                doc.set_ents(sorted((doc.ents[0], other), key=lambda ent: ent.start), default="outside")
        if doc.ents and extract_trip(doc) is None:
            doc.set_ents([], default="outside")
        return doc


trip_filter = TripFilter("strict")


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    """The first words of the gazetteer's names as ``place_key``s: where a known name can start."""
    return frozenset(key.split()[0] for key in known_places())


def other_end(doc: Doc, end: Span) -> Optional[Span]:
    """The known place to pair with ``end``, labelled with the other label, or ``None``.

    Names are matched longest first over at most ``NAME_TOKENS`` tokens, as written or
    without case, accents and hyphens; ``end``'s own name does not count.
    """
    keys, first_words = known_places(), _first_words()
    words = [place_key(token.text) for token in doc]
    own = place_key(end.text)
    found = []
    i = 0
    while i < len(doc):
        stop = i + 1
        if words[i] in first_words and not end.start <= i < end.end:
            for j in range(min(len(doc), i + NAME_TOKENS, end.start if i < end.start else len(doc)), i, -1):
                key = " ".join(word for word in words[i:j] if word)
                if key in keys and key != own:
                    found.append((i, j))
                    stop = j
                    break
        i = stop
    if not found:
        return None
    label = "ARR" if end.label_ == "DEP" else "DEP"
    start, stop = found[0] if label == "DEP" else found[-1]
    return Span(doc, start, stop, label)


def predict_texts(
    nlp: Language, texts: Iterable[str], batch_size: int = 256, n_process: int = 1
) -> Iterator[Optional[Trip]]:
    """The trip of each text, in order, with ``n_process`` processes.

    Not through spaCy's own ``nlp.pipe(n_process=...)``: it sends every Doc back through
    ``Doc.to_bytes``, which costs more than predicting it (0.63 + 0.64 ms against 0.56 ms
    per sentence for this pipeline): 2 processes answered 1,560 sentences/s against 2,611
    for one. Forked workers, sharing the loaded pipeline, send back only the trips: 4,345/s.

    An empty text is no trip without reaching the pipeline: a batch that holds a doc of no
    token beside others stops the textcat (thinc's ``reduce_max`` refuses an empty sequence).
    """
    if n_process == 1:
        texts, kept = tee(texts)
        docs = nlp.pipe((text for text in texts if text), batch_size=batch_size)
        for text in kept:
            yield extract_trip(next(docs)) if text else None
        return
    texts = list(texts)
    chunks = [texts[start : start + CHUNK] for start in range(0, len(texts), CHUNK)]
    with multiprocessing.get_context("fork").Pool(n_process, _start_worker, (nlp, batch_size)) as pool:
        for trips in pool.imap(_answer_chunk, chunks):
            yield from trips


_worker: tuple[Language, int]


def _start_worker(nlp: Language, batch_size: int) -> None:
    """Keep the pipeline for the tasks; leave Ctrl-C to the parent, which ends the pool."""
    global _worker
    _worker = (nlp, batch_size)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _answer_chunk(texts: Sequence[str]) -> list[Optional[Trip]]:
    nlp, batch_size = _worker
    return list(predict_texts(nlp, texts, batch_size))


def source_name(path: Path) -> str:
    """How messages name an input: its path, or ``<stdin>``."""
    return "<stdin>" if path == STDIO else str(path)


def check_paths(input_path: Path, output: Optional[Path]) -> None:
    """Refuse an output that is the input file (a link to it included): the answers would replace the sentences."""
    if output in (None, STDIO) or input_path == STDIO or not output.exists():
        return
    if os.path.samefile(input_path, output):
        raise InputError(f"{output} is the input file {input_path}: the answers would replace its sentences")


def read_input(path: Path) -> bytes:
    """The bytes of ``path`` (``-``: standard input), refusing binary data, whose NUL bytes
    would otherwise be answered as sentences and copied into the output."""
    raw = sys.stdin.buffer.read() if path == STDIO else path.read_bytes()
    nul = raw.find(b"\0")
    if nul >= 0:
        line_no = len(raw[: nul + 1].splitlines())  # counted as read_lines counts
        raise InputError(
            f"{source_name(path)}:{line_no}: a NUL byte (byte {nul + 1}): this is a binary file, "
            "not UTF-8 text of 'id,sentence' lines"
        )
    return raw


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


def answer_lines(
    nlp: Language, raw: bytes, name: str, output: Optional[Path], log: TextIO = sys.stderr, n_process: int = 1
) -> int:
    """Answer every line of the file ``name`` read as ``raw`` (by :func:`read_input`, after
    :func:`check_paths`): ``id,departure,arrival`` or ``id,INVALID``, into ``output``
    (``None`` or ``-``: stdout).

    Lines without an id are reported on ``log`` and skipped; the output file is
    written whole or not at all. A progress bar goes to ``log`` when it is a
    terminal or the file has ``LARGE_INPUT`` lines. Returns the number of lines answered.
    """
    lines = list(read_lines(raw))
    answerable = [line for line in lines if line.id]
    for line in lines:
        if line.problem:
            log.write(f"{name}:{line.line_no}: {line.problem}\n")
    trips = predict_texts(nlp, (line.sentence for line in answerable), n_process=n_process)
    show = log.isatty() or len(answerable) >= LARGE_INPUT
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with tqdm(total=len(answerable), desc=name, unit=" lines", file=log, disable=not show) as bar:
        for line, trip in zip(answerable, trips, strict=True):  # strict: trips runs to its end, closing its pool
            writer.writerow([line.id, *trip] if trip else [line.id, INVALID])
            bar.update()
    if output in (None, STDIO):
        sys.stdout.write(buffer.getvalue())
    else:
        write_atomic(output, buffer.getvalue())
    return len(answerable)

