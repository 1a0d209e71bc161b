"""What kind of mistake a wrong answer is, to say what the next model change should address.

Each wrong sentence gets one kind, read from the entities the NER found before
``trip_filter`` resolved them: a sentence answered ``INVALID`` because nothing
was found needs other training data than one where a stop was taken for the
arrival. Kinds are counted together with the sentence's tags.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from .annotations import TRIP
from .predict import extract_trip


@dataclass(frozen=True)
class Mistake:
    """One wrong sentence: its kind, tags, text, what was expected and what the NER found."""

    kind: str
    tags: tuple[str, ...]
    text: str
    expected: str
    found: str


def describe(doc: Doc) -> str:
    return ", ".join(f"{ent.text} ({ent.label_})" for ent in doc.ents) or "nothing"


def kind_of(gold: Doc, raw: Doc, answer_is_right: bool, threshold: float = 0.0) -> str | None:
    """The kind of mistake of ``raw`` (the NER's entities and textcat's scores before ``trip_filter``,
    whose ``threshold`` it was), or None when right."""
    if answer_is_right:
        return None
    gold_trip, found = extract_trip(gold), {ent.label_: [] for ent in raw.ents}
    for ent in raw.ents:
        found[ent.label_].append(ent)
    if gold_trip is None:
        return "trip found in a non-request"
    if threshold > 0 and raw.cats.get(TRIP, 1.0) < threshold:
        return "trip taken for a non-request by the textcat"
    if not raw.ents:
        return "nothing found"
    counts = sorted(len(found.get(label, [])) for label in ("DEP", "ARR"))
    if counts[0] == 0:
        return "one end only"
    if counts[1] > 1:
        return "more than one departure or arrival"
    dep, arr = found["DEP"][0], found["ARR"][0]
    gold_ents = {ent.label_: ent for ent in gold.ents}
    if (dep.text, arr.text) == (gold_trip.arrival, gold_trip.departure):
        return "departure and arrival swapped"
    for label, ent in (("DEP", dep), ("ARR", arr)):
        truth = gold_ents[label]
        if ent.text != truth.text and ent.start < truth.end and truth.start < ent.end:
            return "span boundary"
    return "another place taken for an end"


def find_mistakes(nlp: Language, gold_docs: Sequence[Doc]) -> list[Mistake]:
    """Run ``nlp`` on the texts, with and without ``trip_filter``, and classify each wrong answer."""
    texts = [doc.text for doc in gold_docs]
    answers = list(nlp.pipe(texts))
    threshold = nlp.get_pipe("trip_filter").threshold if "trip_filter" in nlp.pipe_names else 0.0
    with nlp.select_pipes(disable=[name for name in nlp.pipe_names if name == "trip_filter"]):
        raws = list(nlp.pipe(texts))
    mistakes = []
    for gold, answer, raw in zip(gold_docs, answers, raws):
        kind = kind_of(gold, raw, extract_trip(answer) == extract_trip(gold), threshold)
        if kind is not None:
            tags = tuple(gold.user_data.get("tags", (gold.user_data.get("category", "all"),)))
            mistakes.append(Mistake(kind, tags, gold.text, describe(gold), describe(raw)))
    return mistakes


def most_frequent(mistakes: Iterable[Mistake], n: int = 10) -> list[tuple[tuple[str, str], int, Mistake]]:
    """The ``n`` most frequent (kind, tag) pairs, each with its count and a first example."""
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], Mistake] = {}
    for mistake in mistakes:
        for tag in mistake.tags:
            counts[(mistake.kind, tag)] += 1
            example.setdefault((mistake.kind, tag), mistake)
    return [(key, count, example[key]) for key, count in counts.most_common(n)]


def format_mistakes(mistakes: Sequence[Mistake], n_sentences: int, n: int = 10) -> str:
    """A Markdown table of the most frequent kinds of mistake, with an example of each."""
    kinds = Counter(m.kind for m in mistakes)
    rows = [
        f"{len(mistakes)} wrong answers out of {n_sentences} sentences: "
        + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()),
        "",
        "| kind of mistake | tag | sentences | example | expected | found |",
        "|---|---|---:|---|---|---|",
    ]
    for (kind, tag), count, m in most_frequent(mistakes, n):
        rows.append(f"| {kind} | {tag} | {count} | {m.text.replace('|', '/')} | {m.expected} | {m.found} |")
    return "\n".join(rows)
