"""Train authors' trips told again about other places: a real writer's phrasing around new names.

A written sentence repeated in training teaches its words and its places together; the
same sentence with its departure and arrival swapped for other training places keeps
what the writer contributed (the phrasing around the ends) and makes the names
interchangeable, as they are for the people the model will read. A span is swapped
only where it is a known place (a commune or station of the gazetteer, as written or
without case, accents and hyphens) whose name is not repeated elsewhere in the
sentence (a name after a contracted article, "au [Mans]", is none), and only for a
place that fits where it stands: a station for a station, the same leading article, the
same elision ("d'Amiens" only for a vowel); it takes the original's case, accents and
spaces, and the tokenizer must keep it whole.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Collection, Sequence

from spacy.language import Language

from .annotations import Annotated, normalise
from .generate import VOWELS, Pool
from .places import Place, known_places, place_key, split_article, strip_accents


def _fit(name: str) -> tuple[str, bool]:
    """What a place must share with the name it replaces, besides being a station or not: article, elision."""
    article, core = split_article(name)
    return article.casefold(), core[:1].casefold() in VOWELS


class PlaceSwapper:
    """Draws, for a span, a training place that can stand where it stands, by popularity."""

    def __init__(self, places: Sequence[Place], nlp: Language):
        self.nlp = nlp
        groups: dict[tuple[str, bool, bool], list[Place]] = {}
        for place in places:
            groups.setdefault((*_fit(place.name), place.is_station), []).append(place)
        self.groups = {key: Pool.of(group) for key, group in groups.items()}

    def swap(self, sentence: Annotated, rng: random.Random) -> Annotated | None:
        """``sentence`` with every span replaced by another place, or None where one cannot be."""
        if not sentence.spans:
            return None
        text, cities, new = sentence.text, set(), []
        for start, end, label in sentence.spans:
            written = text[start:end]
            place = known_places().get(place_key(written))
            if place is None or self._repeated(text, start, end):
                return None
            choices = self.groups.get((*_fit(written), place.is_station))
            if choices is None:
                return None
            for _ in range(20):
                other = choices.draw(rng, weighted=True)
                if other.city != place.city and other.city not in cities:
                    break
            else:
                return None
            cities.add(other.city)
            new.append((start, end, label, _styled(other.name, written, text)))
        parts, spans, pos, shift = [], [], 0, 0
        for start, end, label, name in new:
            parts += [text[pos:start], name]
            spans.append((start + shift, start + shift + len(name), label))
            shift += len(name) - (end - start)
            pos = end
        parts.append(text[pos:])
        text = "".join(parts)
        doc = self.nlp.make_doc(text)
        if any(doc.char_span(start, end) is None for start, end, _ in spans):
            return None  # a name the tokenizer would not keep whole here ("Plouezoc'h.")
        return replace(sentence, text=text, spans=tuple(spans), source=f"{sentence.source} (places swapped)")

    def _repeated(self, text: str, start: int, end: int) -> bool:
        key = place_key(text[start:end])
        rest = place_key(text[:start] + " | " + text[end:])
        return re.search(rf"(?:^| ){re.escape(key)}(?: |$)", rest) is not None


def _styled(name: str, like: str, sentence: str) -> str:
    """``name`` written as ``like`` was: its case, no accents in an unaccented sentence, spaces for hyphens."""
    if like.islower():
        name = name.lower()
    elif like.isupper():
        name = name.upper()
    if strip_accents(sentence) == sentence:
        name = strip_accents(name)
    if " " in like and "-" not in like:
        name = name.replace("-", " ")
    return name


def swapped(
    sentences: Sequence[Annotated],
    places: Sequence[Place],
    n: int,
    seed: int,
    *,
    nlp: Language,
    exclude: Collection[str] = (),
) -> list[Annotated]:
    """Up to ``n`` place-swapped copies of each trip of ``sentences``; the same arguments, the same list.

    A copy whose ``annotations.normalise``d text is in ``exclude`` (a held-out sentence) is dropped.
    """
    if n == 0:
        return []
    swapper, rng = PlaceSwapper(places, nlp), random.Random(seed)
    copies = []
    for sentence in sentences:
        for _ in range(n):
            copy = swapper.swap(sentence, rng)
            if copy is not None and normalise(copy.text) not in exclude:
                copies.append(copy)
    return copies
